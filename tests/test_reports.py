"""What the figures and files of a run say, drawn from a made-up evaluation whose right answers
are known: counts in the confusion matrix, which samples are shown as mistakes, epoch ticks."""

import csv
import dataclasses
import json

import numpy as np
import pytest

from digits.training import reports
from digits.training.fit import Evaluation

reports.use_screen(False)


@pytest.fixture
def evaluation():
    """200 test images, 20 of each digit; 7 of them read wrong (each a 3 read as 8, or a 4 as 9)."""
    true_digits = np.repeat(np.arange(10), 20)
    predicted = true_digits.copy()
    predicted[[60, 61, 62, 63]] = 8
    predicted[[80, 81, 82]] = 9
    probabilities = np.full((200, 10), 0.001, np.float32)
    probabilities[np.arange(200), predicted] = 0.991
    return Evaluation(0.25, 193 / 200, probabilities, true_digits, predicted)


def test_the_confusion_matrix_counts_every_image_in_its_cell(evaluation):
    figure = reports.confusion_figure(evaluation)
    counts = np.array([int(text.get_text()) for text in figure.axes[0].texts]).reshape(10, 10)
    assert counts.sum() == 200 and np.trace(counts) == 193
    assert counts[3, 8] == 4 and counts[4, 9] == 3 and counts[3, 3] == 16
    assert "0.9650" in figure.axes[0].get_title()


def test_the_sample_grid_shows_the_mistakes_first_in_red(evaluation):
    figure = reports.samples_figure(np.zeros((200, 28, 28, 1)), evaluation, seed=0)
    titles = [axes.get_title() for axes in figure.axes if axes.get_title()]
    red = [axes.get_title() for axes in figure.axes if axes.title.get_color() == "red"]
    assert len(titles) == 24 and len(red) == 7 and titles[:7] == red
    assert all(title.startswith(("true 3, pred 8", "true 4, pred 9")) for title in red)
    assert {title.split(",")[0] for title in titles[7:]} == {f"true {digit}" for digit in range(10)}
    assert "7 of the 7 wrong answers" in figure._suptitle.get_text()


@pytest.mark.parametrize("epochs, ticks", [(1, [1]), (20, [1, 5, 10, 15, 20]),
                                           (90, [1, 20, 40, 60, 80, 90])])
def test_epoch_ticks_run_from_the_first_epoch_to_the_last(epochs, ticks):
    assert reports.epoch_ticks(epochs) == ticks


def test_the_history_says_why_training_runs_below_validation_when_digits_are_distorted():
    history = {"accuracy": [0.5, 0.6, 0.7], "loss": [1.0, 0.8, 0.6], "val_accuracy": [0.6, 0.7, 0.8],
               "val_loss": [0.9, 0.7, 0.5]}
    for distorted, label in ((False, "training"), (True, "training (distorted digits, dropout on)")):
        figure = reports.history_figure(history, "validation split", distorted)
        assert [line.get_label() for line in figure.axes[0].lines] == [label, "validation split"]
        assert list(figure.axes[0].get_xticks()) == [1, 2, 3]
        assert list(figure.axes[1].lines[1].get_ydata()) == history["val_loss"]


def test_files_hold_float32_figures_and_epochs_counted_from_one(evaluation, tmp_path):
    record = reports.metrics_record(dataclasses.replace(evaluation, accuracy=np.float32(0.98)), None,
                                    {"seed": 3})
    reports.write_metrics(record, tmp_path / "metrics.json")
    assert '"test_accuracy": 0.98,' in (tmp_path / "metrics.json").read_text()
    assert json.loads((tmp_path / "metrics.json").read_text())["per_class"]["3"]["recall"] == 0.8
    reports.write_history_csv({"loss": [0.5, 0.25], "val_loss": [0.4, 0.3]}, tmp_path / "history.csv")
    rows = list(csv.reader((tmp_path / "history.csv").open()))
    assert rows == [["epoch", "loss", "val_loss"], ["1", "0.5", "0.4"], ["2", "0.25", "0.3"]]


def test_calibration_error_is_the_gap_weighted_by_the_images_in_each_bin(evaluation):
    # Every image at 0.991 (one bin), 193 of 200 right: the gap is |0.965 - 0.991|.
    result = reports.calibration(evaluation.probabilities, evaluation.true_digits)
    assert result.count.tolist() == [200]
    assert result.expected_error == pytest.approx(0.991 - 193 / 200, abs=1e-6)
    # Half the images at 0.6 and all wrong, half at 0.9 and all right: gaps 0.6 and 0.1.
    probabilities = np.full((4, 10), 0.0, np.float32)
    probabilities[:, 0] = [0.6, 0.6, 0.9, 0.9]
    probabilities[:, 1] = [0.4, 0.4, 0.1, 0.1]
    result = reports.calibration(probabilities, np.array([1, 1, 0, 0]))
    assert result.count.tolist() == [2, 2] and result.bin_number.tolist() == [8, 13]
    assert result.expected_error == pytest.approx((0.6 + 0.1) / 2, abs=1e-6)
