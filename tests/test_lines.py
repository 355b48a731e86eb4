"""Numbers read as lines: the line model's form and decoding, digits at a tight crop's edge, and
digits that touch, read by the line model that ships in models/."""

import numpy as np
import pytest

from digits.constants import SHIPPED_MODEL
from digits.evaluation import user_images
from digits.reading import line_model, readings


@pytest.fixture(scope="module")
def test_digits():
    return user_images.committed_test_digits(5)


def number(test_digits, places):
    """The digits at these places of test_digits, and their text."""
    return [test_digits[place][0] for place in places], "".join(str(test_digits[place][1]) for place in places)


def test_a_number_cropped_to_its_ink_keeps_the_digits_at_its_edges(test_digits):
    # The 3 and the 8 touch the crop's edge, the 5 and the 4 stand clear of it: the edge cut
    # them, but they stand in the line. Read piece by piece, as before the line model.
    digits, text = number(test_digits, [18, 25, 21, 42])
    image = user_images.cropped_to_its_ink(user_images.number_image(digits, np.random.default_rng(3)))
    model = readings.load_model(SHIPPED_MODEL, lines=False)
    assert readings.text_of(readings.read_image(model, image)) == text == "3548"


def test_digits_that_touch_are_read_as_one_line_by_the_line_model(test_digits):
    digits, text = number(test_digits, [3, 21, 40, 27])
    image = user_images.touching_number_image(digits, np.random.default_rng(1))
    read = readings.read_image(readings.load_model(SHIPPED_MODEL), image)
    assert readings.text_of(read) == text
    assert {digit.read_by for digit in read} == {readings.LINE_MODEL}
    boxes = [digit.box for digit in read]
    assert all(left.x < right.x for left, right in zip(boxes, boxes[1:]))  # in order, left to right


def test_the_line_form_is_the_lines_height_and_a_whole_number_of_steps():
    form = line_model.to_line_form(np.ones((50, 120), np.float32))
    assert form.shape[0] == line_model.LINE_HEIGHT and form.shape[1] % line_model.STRIDE == 0
    assert form[:line_model.LINE_MARGIN].max() == 0 and form[:, :line_model.LINE_PAD].max() == 0


def test_decoding_drops_blanks_and_merges_a_digit_held_over_several_steps():
    steps = [1, 1, 10, 1, 10, 10, 7, 7, 10]  # "1", blank, "1", blanks, "7": reads 117
    probabilities = np.full((len(steps), 11), 0.01, np.float32)
    probabilities[np.arange(len(steps)), steps] = 0.9
    digits = line_model.decode(probabilities)
    assert [digit.digit for digit in digits] == [1, 1, 7]
    assert all(digit.left < digit.right for digit in digits)
    assert digits[0].right == digits[1].left  # the boundary between two peaks


def test_digits_apart_are_read_by_both_networks_a_lone_digit_by_the_digit_model(test_digits):
    model = readings.load_model(SHIPPED_MODEL)
    digits, text = number(test_digits, [3, 21, 40, 27])
    read = readings.read_image(model, user_images.number_image(digits, np.random.default_rng(1)))
    described = readings.reading_json("number.png", read)
    assert described["text"] == text
    assert [digit["read_by"] for digit in described["digits"]] == [readings.BOTH_MODELS] * len(text)
    # Each digit's probabilities are the two networks' averaged: they still add up to one.
    assert all(abs(sum(digit.probabilities) - 1) < 1e-5 for digit in read)
    alone = readings.read_image(model, user_images.number_image(digits[:1], np.random.default_rng(1)))
    assert [digit.read_by for digit in alone] == [readings.DIGIT_MODEL]


def test_a_digit_the_two_networks_disagree_on_is_read_as_their_average():
    piece = readings.DigitReading(4, np.eye(10)[4] * 0.6 + np.eye(10)[9] * 0.4, None, None)
    line_digit = readings.DigitReading(9, np.eye(10)[9] * 0.9 + np.eye(10)[4] * 0.1, None, None)
    both = readings.both_read(piece, line_digit)
    assert both.digit == 9 and abs(both.confidence - 0.65) < 1e-9 and both.read_by == readings.BOTH_MODELS


def test_a_long_read_shows_its_progress_on_a_terminal_and_clears_it(monkeypatch):
    import io

    from digits.reading import predict

    class Terminal(io.StringIO):
        def isatty(self):
            return True

    monkeypatch.setattr(predict, "PROGRESS_AFTER", 0)
    terminal = Terminal()
    progress = predict.Progress(4, terminal)
    progress.show(1)
    assert terminal.getvalue().endswith("1 of 4 images")
    progress.clear()
    assert terminal.getvalue().endswith("\r\033[K") and not progress.shown
