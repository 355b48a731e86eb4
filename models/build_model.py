"""Make the model that ships with the project: the improved recipe, seed 42, trained by the
script as a user would train it; its .onnx and metrics.json are copied here. --predict and
--serve read with it until a model is trained into outputs/.

    python -m models.build_model      # about 2 minutes on 2 cores
"""

import argparse
import os
import shutil
import sys
import tempfile
from pathlib import Path

import HandWritten_digit_Classifier as classifier
from digits.constants import (
    DEFAULT_DATA_DIR,
    METRICS_FILE,
    ONNX_MODEL_FILE,
    PROJECT_DIR,
    SEED,
    SHIPPED_METRICS,
    SHIPPED_MODEL,
)

RECIPE = "improved"


def main(argv=None):
    """Train, then copy the model and its metrics next to this file; return the exit status."""
    argparse.ArgumentParser(description=__doc__.split("\n\n")[0]).parse_args(argv)
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
