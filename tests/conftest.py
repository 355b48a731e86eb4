"""Shared helpers: the script's path, a tiny copy of the dataset, running the script as a user would."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SCRIPT = REPO / "HandWritten_digit_Classifier.py"
DATASET = REPO / "reduced_mnist"
TINY_PER_CLASS = 4

# Run the script with `import tensorflow` made to fail, to prove a path never reaches it.
_WITHOUT_TENSORFLOW = ("import runpy, sys; sys.modules['tensorflow'] = None; "
                       "sys.argv = sys.argv[1:]; runpy.run_path(sys.argv[0], run_name='__main__')")


def run_script(*args, without_tensorflow=False, timeout=300, cwd=None):
    """Run the script in a subprocess, as a user would; return the CompletedProcess."""
    prefix = ["-c", _WITHOUT_TENSORFLOW] if without_tensorflow else []
    command = [sys.executable, *prefix, str(SCRIPT), *map(str, args)]
    return subprocess.run(command, capture_output=True, text=True, timeout=timeout, cwd=cwd,
                          env={**os.environ, "PYTHONUNBUFFERED": "1"})


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
