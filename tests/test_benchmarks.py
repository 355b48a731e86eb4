"""The helpers under benchmarks/: the run summary's arithmetic and the benchmark's flags."""

import json
import subprocess
import sys

import pytest

from benchmarks.summarise_runs import main as summarise
from digits.constants import PROJECT_DIR


def test_summary_gives_mean_and_sample_deviation_per_recipe_then_each_run(tmp_path, capsys):
    paths = []
    for seed, accuracy, loss, seconds in ((1, 0.98, 0.05, 100), (2, 0.99, 0.03, 110)):
        path = tmp_path / f"{seed}.json"
        path.write_text(json.dumps({"recipe": "original", "seed": seed, "epochs": 20,
                                    "test_accuracy": accuracy, "test_loss": loss,
                                    "train_seconds": seconds, "validated_on": "test split"}))
        paths.append(str(path))
    held_out = tmp_path / "improved.json"
    held_out.write_text(json.dumps({"recipe": "improved", "seed": 1, "epochs": 90, "test_accuracy": 0.991,
                                    "test_loss": 0.04, "train_seconds": 80.04, "validated_on": "validation split",
                                    "validation_accuracy": 0.995, "validation_loss": 0.02}))
    summarise(paths + [str(held_out)])
    lines = capsys.readouterr().out.splitlines()
    assert lines[2] == "| `original` | 20 | 1, 2 | 0.9850 ± 0.0071 | 0.0400 ± 0.0141 | 105 ± 7 |"
    assert lines[-3:] == [
        "| `original` | 1 | test split | none held out | 0.9800 / 0.0500 | 100.0 |",
        "| `original` | 2 | test split | none held out | 0.9900 / 0.0300 | 110.0 |",
        "| `improved` | 1 | validation split | 0.9950 / 0.0200 | 0.9910 / 0.0400 | 80.0 |"]


SCRIPTS = sorted(f"{path.parent.name}.{path.stem}" for folder in ("benchmarks", "models", "docs")
                 for path in (PROJECT_DIR / folder).glob("*.py") if path.stem not in ("flags", "tutorial_reader"))


@pytest.mark.slow
@pytest.mark.parametrize("module", SCRIPTS)
def test_every_script_runs_as_the_readme_says_from_the_projects_folder(module):
    # As `python -m benchmarks.reading_sets`: the package is imported the normal way.
    result = subprocess.run([sys.executable, "-m", module, "--help"], capture_output=True, text=True,
                            cwd=PROJECT_DIR)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("usage: ")
