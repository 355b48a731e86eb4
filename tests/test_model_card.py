"""The model card (docs/MODEL_CARD.md, written by docs/make_model_card.py) says what the shipped
model does now: its calibration error on the test split, within the issue's 1%, and its test
accuracy, as its metrics.json records it."""

import json

from digits.constants import PROJECT_DIR, SHIPPED_METRICS, SHIPPED_MODEL
from digits.evaluation.user_images import whole_test_split
from digits.reading import readings
from digits.training import reports

CARD = (PROJECT_DIR / "docs" / "MODEL_CARD.md").read_text()


def test_the_shipped_model_is_calibrated_as_the_card_says():
    images, digits = whole_test_split()
    error = reports.calibration(readings.load_model(SHIPPED_MODEL).probabilities(images), digits).expected_error
    assert error <= 0.01
    assert f"shipped {error:.2%}" in CARD


def test_the_card_gives_the_shipped_models_recorded_figures():
    shipped = json.loads(SHIPPED_METRICS.read_text())
    assert f"| {shipped['test_accuracy']:.4f} | {shipped['test_loss']:.4f} |" in CARD
    assert "(reliability_diagram.png)" in CARD and (PROJECT_DIR / "docs" / "reliability_diagram.png").is_file()
