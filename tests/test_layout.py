"""The layout's promises: the modules that --help, --predict and --serve use never import
TensorFlow, and the modules that train import it at their top."""

import ast
import subprocess
import sys

import pytest

from conftest import REPO

WITHOUT_TENSORFLOW = ("constants", "errors", "recipes", "checks", "publishing", "reader", "non_digits", "runner",
                      "predict", "server", "reports")
WITH_TENSORFLOW = ("tensorflow_setup", "data", "augmentation", "networks", "training", "export")


def test_modules_without_tensorflow_import_none_of_it():
    # With tensorflow made unimportable, importing any module that reaches it fails.
    code = ("import importlib, sys; sys.modules['tensorflow'] = None; "
            f"[importlib.import_module('digits.' + name) for name in {list(WITHOUT_TENSORFLOW)!r}]")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO)
    assert result.returncode == 0, result.stderr


def top_level_imports(module):
    """The digits modules a module imports at its top, outside any function."""
    tree = ast.parse((REPO / "digits" / f"{module}.py").read_text())
    names = set()
    for statement in tree.body:
        if isinstance(statement, ast.ImportFrom) and statement.module.startswith("digits"):
            names |= {statement.module.removeprefix("digits").lstrip(".")} | {
                alias.name for alias in statement.names}
        elif isinstance(statement, ast.Import):
            names |= {alias.name.removeprefix("digits.") for alias in statement.names}
    return names


@pytest.mark.parametrize("module", WITH_TENSORFLOW[1:])
def test_modules_that_train_import_tensorflow_at_their_top(module):
    assert top_level_imports(module) & set(WITH_TENSORFLOW)


def test_the_unsure_threshold_is_the_one_the_benchmark_wrote():
    import json

    from digits import runner

    written = json.loads(runner.THRESHOLDS_FILE.read_text())
    assert runner.UNSURE_BELOW == written["unsure_below"]
    assert written["chosen_by"].startswith("python benchmarks/choose_unsure_threshold.py")
