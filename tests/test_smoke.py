"""Real runs of main() on a tiny dataset, for both recipes: every file, and all-or-nothing outputs."""

import contextlib
import csv
import json
import os
import signal
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

import HandWritten_digit_Classifier as classifier
from conftest import copy_tiny_dataset
from digits import publishing
from digits.constants import FIGURES, METRICS_FILE, MODEL_FILE, NATIVE_MODEL_FILE, ONNX_MODEL_FILE, REPORTS, SCRIPT
from digits.evaluation.user_images import whole_test_split
from digits.reading import readings
from digits.training import reports
from digits.training.fit import Evaluation

OUTPUTS = {MODEL_FILE, NATIVE_MODEL_FILE, ONNX_MODEL_FILE,
           *FIGURES, *REPORTS}
# The tiny dataset: 4 images of each digit per split; the improved recipe holds one of each out.
TRAIN_IMAGES = {"original": 40, "improved": 30}
VALIDATION_IMAGES = {"original": 0, "improved": 10}
BATCH_SIZE = {"original": 32, "improved": 16}  # the improved recipe's 64 is more than 40 images


@pytest.fixture(scope="module", params=["original", pytest.param("improved", marks=pytest.mark.slow)])
def finished_run(request, tmp_path_factory):
    root = tmp_path_factory.mktemp(request.param)
    data_dir, output_dir = copy_tiny_dataset(root / "data"), root / "outputs"
    status = classifier.main(["--data-dir", str(data_dir), "--output-dir", str(output_dir),
                              "--epochs", "1", "--recipe", request.param,
                              "--batch-size", str(BATCH_SIZE[request.param])])
    return request.param, status, output_dir


def test_run_succeeds_and_writes_every_file(finished_run):
    _, status, output_dir = finished_run
    assert status == 0
    assert {path.name for path in output_dir.iterdir()} == OUTPUTS  # no temporary files left


@pytest.mark.parametrize("model_file", [MODEL_FILE, NATIVE_MODEL_FILE])
def test_saved_models_answer_as_the_onnx_one(finished_run, model_file):
    images = np.random.default_rng(0).random((5, 28, 28)).astype(np.float32)
    onnx = readings.load_model(finished_run[2] / ONNX_MODEL_FILE).probabilities(images)
    saved = readings.load_model(finished_run[2] / model_file).probabilities(images)
    np.testing.assert_allclose(saved, onnx, atol=1e-5)


@pytest.mark.parametrize("figure", FIGURES)
def test_figures_are_pngs(finished_run, figure):
    with Image.open(finished_run[2] / figure) as image:
        image.verify()
        assert image.format == "PNG"


def test_the_default_runs_figures_count_its_test_images_and_show_its_mistakes_first(default_run, default_model):
    # The figures drawn from the default model's own readings of the whole test split.
    images, digits = whole_test_split()
    metrics = json.loads((default_run / METRICS_FILE).read_text())
    probabilities = default_model.probabilities(images)
    evaluation = Evaluation(metrics["test_loss"], metrics["test_accuracy"], probabilities, digits,
                            probabilities.argmax(axis=1))
    counts = np.array([int(text.get_text()) for text in reports.confusion_figure(evaluation).axes[0].texts])
    assert counts.sum() == metrics["test_images"] == 1000
    assert counts.reshape(10, 10).trace() == round(metrics["test_accuracy"] * 1000)
    grid = reports.samples_figure(images[..., None], evaluation, metrics["seed"])
    colours = [axes.title.get_color() for axes in grid.axes if axes.get_title()]
    wrong = int(np.sum(evaluation.predicted_digits != digits))
    shown = min(wrong, reports.MAX_WRONG_SAMPLES)  # the grid shows at most this many mistakes
    assert wrong > 0 and colours == ["red"] * shown + ["black"] * (len(colours) - shown)


def test_metrics_hold_the_run(finished_run):
    recipe, _, output_dir = finished_run
    metrics = json.loads((output_dir / "metrics.json").read_text())
    assert metrics["recipe"] == recipe
    assert (metrics["epochs"], metrics["batch_size"], metrics["seed"]) == (1, BATCH_SIZE[recipe], 42)
    # Keras' float32 figures as float32 holds them (0.98, not 0.9800000190734863).
    assert repr(metrics["test_accuracy"]) == str(np.float32(metrics["test_accuracy"]))
    assert (metrics["train_images"], metrics["validation_images"], metrics["test_images"]) == (
        TRAIN_IMAGES[recipe], VALIDATION_IMAGES[recipe], 40)
    assert metrics["validated_on"] == ("test split" if recipe == "original" else "validation split")
    assert ("validation_accuracy" in metrics) == (recipe == "improved")
    assert 0 <= metrics["test_accuracy"] <= 1 and metrics["test_loss"] > 0
    assert metrics["train_seconds"] > 0
    assert sorted(metrics["per_class"]) == [str(digit) for digit in range(10)]
    assert all(entry["support"] == 4 and 0 <= entry["f1"] <= 1
               for entry in metrics["per_class"].values())
    assert metrics["tensorflow_version"].startswith("2.") and metrics["keras_version"][0] == "3"


def test_history_and_report_are_written(finished_run):
    recipe, _, output_dir = finished_run
    rows = list(csv.DictReader((output_dir / "history.csv").open()))
    assert [row["epoch"] for row in rows] == ["1"]  # counted from 1, as the console counts
    assert {"accuracy", "loss", "val_accuracy", "val_loss"} <= set(rows[0])
    report = (output_dir / "classification_report.txt").read_text()
    assert "precision" in report and "accuracy" in report


@pytest.mark.parametrize("finished_run", ["original"], indirect=True)
def test_same_seed_gives_the_same_results(finished_run, tiny_dataset, tmp_path):
    # The module's run (the default seed, 42) run again, in the same process after other runs.
    recipe, _, first = finished_run
    again = tmp_path / "again"
    assert classifier.main(["--data-dir", str(tiny_dataset), "--output-dir", str(again), "--epochs", "1",
                            "--recipe", recipe, "--batch-size", str(BATCH_SIZE[recipe]), "--seed", "42"]) == 0
    before, after = (json.loads((output_dir / "metrics.json").read_text()) for output_dir in (first, again))
    assert (after["test_accuracy"], after["test_loss"]) == (before["test_accuracy"], before["test_loss"])


def test_dry_run_leaves_no_file_and_no_folder(tiny_dataset, tmp_path, capsys):
    output_dir = tmp_path / "new" / "outputs"
    assert classifier.main(["--data-dir", str(tiny_dataset), "--output-dir", str(output_dir),
                            "--dry-run", "--tensorboard"]) == 0
    out = capsys.readouterr().out
    assert "Dry run finished" in out and "Test accuracy" not in out
    assert "Dry run: test accuracy " in out and "a check and not a result" in out
    assert sorted(path.name for path in tmp_path.iterdir()) == ["tiny"]


def test_dry_run_trains_on_every_digit():
    labels = np.repeat(np.eye(10), 400, axis=0)  # the loader's order: all zeros first
    images = np.arange(len(labels))
    from digits.training.data import every_digit_first

    _, chosen = every_digit_first(images, labels, classifier.DRY_RUN_BATCHES * 32)
    assert np.all(np.bincount(chosen.argmax(axis=1), minlength=10) >= 12)


@pytest.mark.slow
def test_tensorboard_logs_are_written_under_the_output_folder(tiny_dataset, tmp_path):
    output_dir = tmp_path / "outputs"
    assert classifier.main(["--data-dir", str(tiny_dataset), "--output-dir", str(output_dir),
                            "--epochs", "1", "--tensorboard"]) == 0
    assert list((output_dir / "tensorboard").glob("*/train/events.out.tfevents.*"))
    assert list((output_dir / "tensorboard").glob("*/validation/events.out.tfevents.*"))


@pytest.fixture
def earlier_outputs(tmp_path):
    """An output folder holding every file of an earlier run (stand-in bytes)."""
    output_dir = tmp_path / "outputs"
    output_dir.mkdir()
    for name in OUTPUTS:
        (output_dir / name).write_bytes(f"earlier {name}".encode())
    return output_dir


def test_ctrl_c_while_outputs_are_written_leaves_the_earlier_run_whole(tiny_dataset, earlier_outputs,
                                                                       monkeypatch, capsys):
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    # The figures come after the models and the ONNX export: Ctrl-C there finds them written.
    monkeypatch.setattr(reports, "history_figure", interrupted)
    assert classifier.main(["--data-dir", str(tiny_dataset), "--output-dir", str(earlier_outputs),
                            "--epochs", "1"]) == 130
    note, interrupted = capsys.readouterr().err.strip().splitlines()
    assert note.startswith(f"note: this run will replace the model in {earlier_outputs}/")
    assert interrupted.startswith("Interrupted: stopped before finishing")
    assert {path.name: path.read_bytes() for path in earlier_outputs.iterdir()} == {
        name: f"earlier {name}".encode() for name in OUTPUTS}


def test_ctrl_c_while_outputs_move_into_place_waits_for_all_of_them(tiny_dataset, earlier_outputs,
                                                                   monkeypatch, capsys):
    held = publishing.ctrl_c_held

    @contextlib.contextmanager
    def pressed_as_the_move_starts():
        with held() as pressed:
            os.kill(os.getpid(), signal.SIGINT)  # as if Ctrl-C were pressed now
            yield pressed

    monkeypatch.setattr(publishing, "ctrl_c_held", pressed_as_the_move_starts)
    assert classifier.main(["--data-dir", str(tiny_dataset), "--output-dir", str(earlier_outputs),
                            "--epochs", "1"]) == 130
    assert "they were all written" in capsys.readouterr().err
    assert {path.name for path in earlier_outputs.iterdir()} == OUTPUTS
    assert all(not path.read_bytes().startswith(b"earlier") for path in earlier_outputs.iterdir())


def test_show_without_a_display_says_so():
    environment = {name: value for name, value in os.environ.items()
                   if name not in ("DISPLAY", "WAYLAND_DISPLAY", "MPLBACKEND")}
    result = subprocess.run([sys.executable, "-c", "from digits.training import reports; reports.use_screen(True)"],
                            capture_output=True, text=True, env=environment, cwd=SCRIPT.parent, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout == ("note: --show: no display found, so no window opens; the figures are "
                             "saved as files\n")
