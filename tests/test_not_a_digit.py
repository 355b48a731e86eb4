"""The not-a-digit check (--not-a-digit): letters, shapes and scribbles it never learnt from are
refused, real digits are not, and every way of answering says so."""

import dataclasses
import json
from pathlib import Path

import numpy as np
import pytest

from conftest import run_script
from digits.constants import SHIPPED_MODEL
from digits.evaluation import not_a_digit_images, user_images
from digits.evaluation.user_images import whole_test_split
from digits.reading import not_a_digit, readings


@pytest.fixture(scope="module")
def checked_models(default_model):
    """The shipped model and the default run's, each with the check beside it."""
    check = not_a_digit.load_not_a_digit_check()
    return {"shipped": readings.load_model(SHIPPED_MODEL, not_a_digit=True),
            "default": dataclasses.replace(default_model, not_a_digit=check)}


def test_held_out_letters_and_shapes_are_refused(checked_models):
    # Fonts and a shape seed the check never learnt from (digits/not_a_digit_images.py keeps them apart).
    letters = not_a_digit_images.letter_forms(not_a_digit_images.MEASURING_FONTS, sizes=(48, 96))
    shapes = not_a_digit_images.shape_forms(300, np.random.default_rng(not_a_digit_images.MEASURING_SEED))
    for name, model in checked_models.items():
        for forms in (letters, shapes):
            with_check, without = user_images.sure_digit_shares(model, forms)
            assert with_check <= (0.05 if name == "shipped" else without / 2), (name, with_check, without)


def test_few_test_split_digits_are_refused(checked_models):
    # Issue 19 asks for at most 1% (the threshold is chosen on held-out training digits).
    digits, _ = whole_test_split()
    assert np.mean(checked_models["shipped"].not_a_digit.refuses(digits)) <= 0.01


def test_typed_digits_lose_at_most_half_a_point_to_the_check(checked_models):
    # Issue 19: a reading set may lose at most half a point; the typed set lost most (DejaVu Sans
    # Mono's dotted zeros, DejaVu Serif's footed bold ones).
    typed = user_images.typed_keys()
    found = [user_images.found_in(user_images.encoded(user_images.typed_digit(*key), "PNG")) for key in typed]
    for name, model in checked_models.items():
        unchecked = dataclasses.replace(model, not_a_digit=None)
        lost = [(digit, Path(font).name, size) for (digit, font, size), pieces in zip(typed, found)
                if user_images.text_read(unchecked, pieces) == str(digit) != user_images.text_read(model, pieces)]
        assert len(lost) <= 0.005 * len(typed), (name, lost)


def test_predict_says_not_a_digit_in_text_and_json(tmp_path):
    user_images.digits_around_a_letter().save(tmp_path / "2k4.png")
    paths = [str(user_images.STAR), str(tmp_path / "2k4.png")]
    plain = run_script("--predict", *paths, "--not-a-digit", "--model", str(SHIPPED_MODEL))
    assert plain.returncode == 0, plain.stderr
    lines = plain.stdout.splitlines()
    assert lines[0] == f"{paths[0]}: not a digit"
    assert lines[1].startswith(f"{paths[1]}: 2?4; 2 (") and "? (not a digit)" in lines[1]
    assert plain.stderr.strip().endswith("not-a-digit check models/not_a_digit.onnx")
    answers = [json.loads(line) for line in run_script(
        "--predict", *paths, "--not-a-digit", "--json", "--model", str(SHIPPED_MODEL)).stdout.splitlines()]
    assert answers[0]["not_a_digit"] is True and answers[0]["digit"] is None and answers[0]["text"] == "?"
    assert answers[1]["not_a_digit"] is False and answers[1]["text"] == "2?4"
    assert [d["not_a_digit"] for d in answers[1]["digits"]] == [False, True, False]
    assert [d["digit"] for d in answers[1]["digits"]] == [2, None, 4]
    # Without the flag nothing changes: the star gets a digit.
    assert not run_script("--predict", paths[0], "--model", str(SHIPPED_MODEL)).stdout.startswith(
        f"{paths[0]}: not a digit")
