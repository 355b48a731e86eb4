"""Shared helpers: the script's path, a tiny copy of the dataset, running the script as a user
would, and the default model (trained once per session by the default command)."""

import os
import shutil
import subprocess
import sys

import pytest

from digits.constants import DEFAULT_DATA_DIR, PROJECT_DIR, SCRIPT

DATASET = DEFAULT_DATA_DIR
TINY_PER_CLASS = 4

# Run the script with `import tensorflow` made to fail, to prove a path never reaches it. With
# -c, Python puts the current folder first on the path instead of the script's: PYTHONPATH adds
# the script's, as `python script.py` would.
_WITHOUT_TENSORFLOW = ("import runpy, sys; sys.modules['tensorflow'] = None; "
                       "sys.argv = sys.argv[1:]; runpy.run_path(sys.argv[0], run_name='__main__')")


def run_script(*args, without_tensorflow=False, timeout=300, cwd=None):
    """Run the script in a subprocess, as a user would; return the CompletedProcess."""
    prefix = ["-c", _WITHOUT_TENSORFLOW] if without_tensorflow else []
    command = [sys.executable, *prefix, str(SCRIPT), *map(str, args)]
    path = {"PYTHONPATH": str(PROJECT_DIR)} if without_tensorflow else {}
    return subprocess.run(command, capture_output=True, text=True, timeout=timeout, cwd=cwd,
                          env={**os.environ, "PYTHONUNBUFFERED": "1", **path})


def start_serving(*args, preexec_fn=None, cwd=None):
    """Start `--serve` with the given flags, as a user would; return the process and its first
    line of output."""
    process = subprocess.Popen([sys.executable, str(SCRIPT), "--serve", *map(str, args)],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=cwd,
                               env={**os.environ, "PYTHONUNBUFFERED": "1"}, preexec_fn=preexec_fn)
    return process, process.stdout.readline()


def copy_tiny_dataset(target, per_class=TINY_PER_CLASS):
    """Copy the first few images of every class of both splits into target; return target."""
    for split in ("train", "test"):
        for digit in range(10):
            source = DATASET / split / str(digit)
            destination = target / split / str(digit)
            destination.mkdir(parents=True)
            for image in sorted(source.glob("*.png"))[:per_class]:
                shutil.copy(image, destination / image.name)
    return target


@pytest.fixture
def tiny_dataset(tmp_path):
    """A dataset of 4 images per digit per split, in a temporary folder."""
    return copy_tiny_dataset(tmp_path / "tiny")


@pytest.fixture(scope="session")
def default_run(tmp_path_factory):
    """The outputs of the default command (the original recipe on all of reduced_mnist), as a
    new user's first run writes them; trained once for the whole session."""
    import HandWritten_digit_Classifier as classifier

    output_dir = tmp_path_factory.mktemp("default-run")
    assert classifier.main(["--output-dir", str(output_dir)]) == 0
    return output_dir


@pytest.fixture(scope="session")
def default_model(default_run):
    """The default model as --predict loads it: the .onnx, in ONNX Runtime, with the line model."""
    from digits.constants import ONNX_MODEL_FILE
    from digits.reading import readings

    return readings.load_model(default_run / ONNX_MODEL_FILE)


def pytest_collection_modifyitems(items):
    """Tests that need the default model wait for its full training (about half a minute on 2
    cores): they belong to the slow tier, with those marked slow by hand."""
    for item in items:
        if "default_run" in item.fixturenames:
            item.add_marker(pytest.mark.slow)
