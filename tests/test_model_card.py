"""The model card (docs/MODEL_CARD.md, written by docs/make_model_card.py) says what the shipped
model does now: its calibration error on the test split, within the issue's 1%, and its test
accuracy, as its metrics.json records it."""

import json

import numpy as np

from conftest import REPO
from digits import reports, runner
from digits.constants import SHIPPED_METRICS, SHIPPED_MODEL
from user_images import committed_test_digits

CARD = (REPO / "docs" / "MODEL_CARD.md").read_text()


def test_the_shipped_model_is_calibrated_as_the_card_says():
    pairs = committed_test_digits(100)  # the whole test split
    probabilities = runner.load_model(SHIPPED_MODEL).probabilities(
        np.stack([pixels for pixels, _ in pairs]).astype(np.float32) / 255)
    error = reports.calibration(probabilities, np.array([digit for _, digit in pairs])).expected_error
    assert error <= 0.01
    assert f"shipped {error:.2%}" in CARD


def test_the_card_gives_the_shipped_models_recorded_figures():
    shipped = json.loads(SHIPPED_METRICS.read_text())
    assert f"| {shipped['test_accuracy']:.4f} | {shipped['test_loss']:.4f} |" in CARD
    assert "(reliability_diagram.png)" in CARD and (REPO / "docs" / "reliability_diagram.png").is_file()
