"""The helpers under benchmarks/: the run summary's arithmetic and the benchmark's flags."""

import json
import subprocess
import sys

from benchmarks.summarise_runs import main as summarise
from conftest import REPO


def test_summary_gives_mean_and_sample_deviation_per_recipe(tmp_path, capsys):
    paths = []
    for seed, accuracy, loss, seconds in ((1, 0.98, 0.05, 100), (2, 0.99, 0.03, 110)):
        path = tmp_path / f"{seed}.json"
        path.write_text(json.dumps({"recipe": "seed", "seed": seed, "epochs": 20,
                                    "test_accuracy": accuracy, "test_loss": loss,
                                    "train_seconds": seconds}))
        paths.append(str(path))
    summarise(paths)
    row = capsys.readouterr().out.splitlines()[-1]
    assert row == "| `seed` | 20 | 1, 2 | 0.9850 ± 0.0071 | 0.0400 ± 0.0141 | 105 ± 7 |"


def test_training_benchmark_documents_its_flags():
    result = subprocess.run([sys.executable, str(REPO / "benchmarks" / "bench_training.py"), "--help"],
                            capture_output=True, text=True)
    assert result.returncode == 0
    assert "--epochs" in result.stdout and "--rounds" in result.stdout and "--json" in result.stdout
