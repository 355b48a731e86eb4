"""A real run of main() on a tiny dataset, for both recipes, checking every file it writes."""

import csv
import json

import numpy as np
import pytest
from PIL import Image

import HandWritten_digit_Classifier as classifier

FIGURES = ("confusion_matrix.png", "sample_predictions.png", "training_history.png")


@pytest.fixture(scope="module", params=["seed", "improved"])
def finished_run(request, tmp_path_factory):
    from conftest import copy_tiny_dataset

    root = tmp_path_factory.mktemp(request.param)
    data_dir, output_dir = copy_tiny_dataset(root / "data"), root / "outputs"
    status = classifier.main(["--data-dir", str(data_dir), "--output-dir", str(output_dir),
                              "--epochs", "1", "--recipe", request.param])
    return request.param, status, output_dir


def test_run_succeeds_and_writes_every_file(finished_run):
    _, status, output_dir = finished_run
    assert status == 0
    expected = {classifier.MODEL_FILE, classifier.NATIVE_MODEL_FILE, *FIGURES, "metrics.json",
                "history.csv", "classification_report.txt"}
    assert {path.name for path in output_dir.iterdir()} == expected  # no temporary files left


@pytest.mark.parametrize("model_file", [classifier.MODEL_FILE, classifier.NATIVE_MODEL_FILE])
def test_saved_model_reloads_and_predicts_probabilities(finished_run, model_file):
    keras = classifier.import_keras()
    model = keras.models.load_model(finished_run[2] / model_file, compile=False)
    probabilities = model.predict(np.zeros((2, 28, 28, 1)), verbose=0)
    assert probabilities.shape == (2, 10)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1, rtol=1e-5)


@pytest.mark.parametrize("figure", FIGURES)
def test_figures_open_with_a_sensible_size(finished_run, figure):
    with Image.open(finished_run[2] / figure) as image:
        image.verify()
    with Image.open(finished_run[2] / figure) as image:
        assert image.format == "PNG" and image.width >= 600 and image.height >= 400


def test_metrics_hold_the_run(finished_run):
    recipe, _, output_dir = finished_run
    metrics = json.loads((output_dir / "metrics.json").read_text())
    assert metrics["recipe"] == recipe
    assert (metrics["epochs"], metrics["batch_size"], metrics["seed"]) == (1, 32, 42)
    assert (metrics["train_images"], metrics["test_images"]) == (40, 40)
    assert 0 <= metrics["test_accuracy"] <= 1 and metrics["test_loss"] > 0
    assert metrics["train_seconds"] > 0
    assert sorted(metrics["per_class"]) == [str(digit) for digit in range(10)]
    assert all(entry["support"] == 4 and 0 <= entry["f1"] <= 1
               for entry in metrics["per_class"].values())
    assert metrics["tensorflow_version"].startswith("2.") and metrics["keras_version"][0] == "3"


def test_history_and_report_are_written(finished_run):
    output_dir = finished_run[2]
    rows = list(csv.DictReader((output_dir / "history.csv").open()))
    assert len(rows) == 1 and {"accuracy", "loss", "val_accuracy", "val_loss"} <= set(rows[0])
    report = (output_dir / "classification_report.txt").read_text()
    assert "precision" in report and "accuracy" in report


def test_same_seed_gives_the_same_results(tiny_dataset, tmp_path):
    results = []
    for run in ("first", "second"):
        output_dir = tmp_path / run
        assert classifier.main(["--data-dir", str(tiny_dataset), "--output-dir", str(output_dir),
                                "--epochs", "2", "--seed", "7"]) == 0
        metrics = json.loads((output_dir / "metrics.json").read_text())
        results.append((metrics["test_accuracy"], metrics["test_loss"]))
    assert results[0] == results[1]


def test_dry_run_writes_nothing(tiny_dataset, tmp_path, capsys):
    output_dir = tmp_path / "outputs"
    assert classifier.main(["--data-dir", str(tiny_dataset), "--output-dir", str(output_dir),
                            "--dry-run"]) == 0
    assert "Dry run finished" in capsys.readouterr().out
    assert list(output_dir.iterdir()) == []


def test_tensorboard_logs_are_written_under_the_output_folder(tiny_dataset, tmp_path):
    output_dir = tmp_path / "outputs"
    assert classifier.main(["--data-dir", str(tiny_dataset), "--output-dir", str(output_dir),
                            "--epochs", "1", "--tensorboard"]) == 0
    assert list((output_dir / "tensorboard").glob("*/train/events.out.tfevents.*"))
    assert list((output_dir / "tensorboard").glob("*/validation/events.out.tfevents.*"))
