"""The layout's promises: the modules that --help, --predict and --serve use never import
TensorFlow, and the modules that train import it at their top."""

import subprocess
import sys

import pytest

from conftest import REPO

WITHOUT_TENSORFLOW = ("constants", "errors", "recipes", "checks", "publishing", "reader", "runner",
                      "predict", "server", "reports")
WITH_TENSORFLOW = ("tensorflow_setup", "data", "augmentation", "networks", "training", "export")


def import_in_a_fresh_process(module, block_tensorflow):
    """Import digits.<module> in a new interpreter (tensorflow made unimportable if asked);
    return the process and whether tensorflow ended up imported."""
    blocker = "sys.modules['tensorflow'] = None; " if block_tensorflow else ""
    code = (f"import sys; {blocker}import digits.{module}; "
            "print(sys.modules.get('tensorflow') is not None)")
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO)


@pytest.mark.parametrize("module", WITHOUT_TENSORFLOW)
def test_modules_without_tensorflow_import_none_of_it(module):
    result = import_in_a_fresh_process(module, block_tensorflow=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"


@pytest.mark.parametrize("module", WITH_TENSORFLOW[1:3])
def test_modules_that_train_import_tensorflow_at_their_top(module):
    result = import_in_a_fresh_process(module, block_tensorflow=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "True"


def test_the_unsure_threshold_is_the_one_the_benchmark_wrote():
    import json

    from digits import runner

    written = json.loads(runner.THRESHOLDS_FILE.read_text())
    assert runner.UNSURE_BELOW == written["unsure_below"]
    assert written["chosen_by"].startswith("python benchmarks/choose_unsure_threshold.py")
