"""Make the model that ships with the project: the improved recipe, seed 42, trained by the
script as a user would train it; its .onnx and metrics.json are copied here. --predict and
--serve read with it until a model is trained into outputs/.

    python models/build_model.py      # about 2 minutes on 2 cores
"""

import os
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import HandWritten_digit_Classifier as classifier  # noqa: E402  (after the path is set)
from digits.constants import (DEFAULT_DATA_DIR, METRICS_FILE, ONNX_MODEL_FILE,  # noqa: E402
                              PROJECT_DIR, SHIPPED_METRICS, SHIPPED_MODEL)

RECIPE, SEED = "improved", 42


def main():
    """Train, then copy the model and its metrics next to this file; return the exit status."""
    # From the project's folder, so that metrics.json names the dataset relative to it, not by
    # this machine's path.
    os.chdir(PROJECT_DIR)
    with tempfile.TemporaryDirectory() as scratch:
        status = classifier.main(["--recipe", RECIPE, "--seed", str(SEED), "--data-dir",
                                  str(DEFAULT_DATA_DIR.relative_to(PROJECT_DIR)), "--output-dir", scratch])
        if status == 0:
            shutil.copyfile(Path(scratch) / ONNX_MODEL_FILE, SHIPPED_MODEL)
            shutil.copyfile(Path(scratch) / METRICS_FILE, SHIPPED_METRICS)
            print(f"Wrote {SHIPPED_MODEL} and {SHIPPED_METRICS}")
    return status


if __name__ == "__main__":
    sys.exit(main())
