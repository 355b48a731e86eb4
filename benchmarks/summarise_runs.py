"""Summarise several runs' metrics.json files as one Markdown table row per recipe.

    for seed in 42 43 44; do
        python HandWritten_digit_Classifier.py --seed $seed --output-dir runs/seed-$seed
    done
    python -m benchmarks.summarise_runs runs/*/metrics.json

Prints, per recipe, the mean and standard deviation of test accuracy, test loss and training
seconds over the runs given, and which seeds they were; then one row per run, with the split it
watched each epoch and its figures on the validation split where it held one out.
"""

import argparse
import json
import statistics
import sys
from pathlib import Path

COLUMNS = ("test_accuracy", "test_loss", "train_seconds")


def mean_and_deviation(values, digits):
    """Format values as 'mean ± sample standard deviation'."""
    deviation = statistics.stdev(values) if len(values) > 1 else 0.0
    return f"{statistics.mean(values):.{digits}f} ± {deviation:.{digits}f}"


def table_lines(runs):
    """Two Markdown tables, as lines, of runs' metrics ({recipe: [metrics, ...]}): per recipe the
    mean and deviation over its seeds, then a row per run."""
    lines = ["| recipe | epochs | seeds | test accuracy | test loss | training seconds |", "|---|---|---|---|---|---|"]
    for recipe, metrics in runs.items():
        seeds = ", ".join(str(run["seed"]) for run in metrics)
        epochs = ", ".join(sorted({str(run["epochs"]) for run in metrics}))
        accuracy, loss, seconds = (mean_and_deviation([run[column] for run in metrics], digits)
                                   for column, digits in zip(COLUMNS, (4, 4, 0)))
        lines.append(f"| `{recipe}` | {epochs} | {seeds} | {accuracy} | {loss} | {seconds} |")
    lines += ["", "| recipe | seed | watched each epoch | validation accuracy / loss | test accuracy / loss "
                  "| training seconds |", "|---|---|---|---|---|---|"]
    for recipe, metrics in runs.items():
        for run in metrics:
            validation = (f"{run['validation_accuracy']:.4f} / {run['validation_loss']:.4f}"
                          if "validation_accuracy" in run else "none held out")
            lines.append(f"| `{recipe}` | {run['seed']} | {run['validated_on']} | {validation} | "
                         f"{run['test_accuracy']:.4f} / {run['test_loss']:.4f} | {run['train_seconds']:.1f} |")
    return lines


def read_runs(paths):
    """The metrics.json files, by recipe: {recipe: [metrics, ...]}."""
    runs = {}
    for path in paths:
        metrics = json.loads(Path(path).read_text())
        runs.setdefault(metrics["recipe"], []).append(metrics)
    return runs


def main(argv=None):
    """Read the metrics files and print the tables."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("metrics", nargs="+", type=Path, help="metrics.json files of finished runs")
    args = parser.parse_args(argv)
    print("\n".join(table_lines(read_runs(args.metrics))))


if __name__ == "__main__":
    sys.exit(main())
