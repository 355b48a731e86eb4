"""The helpers under benchmarks/: the run summary's arithmetic and the benchmark's flags."""

import json
import subprocess
import sys

from benchmarks.summarise_runs import main as summarise
from conftest import REPO


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


def test_training_benchmark_documents_its_flags():
    result = subprocess.run([sys.executable, str(REPO / "benchmarks" / "bench_training.py"), "--help"],
                            capture_output=True, text=True)
    assert result.returncode == 0
    assert "--epochs" in result.stdout and "--rounds" in result.stdout and "--json" in result.stdout
