"""Read people's images with a model: the digits the reader finds, and what to say of them.

--predict and the page (digits.serving) both read images through here, so they give the same
answers in the same words.

    model = load_model(Path("outputs/mnist_cnn_model.onnx"))
    digits = read_image(model, "photo.jpg")     # what the model read, line by line
    print(describe("photo.jpg", digits))        # photo.jpg: 2024; 2 (99.9%), 0 (99.0%), ...
    print(json.dumps(reading_json("photo.jpg", digits)))

The model always answers with one of 0-9; with --not-a-digit, the not-a-digit check
(digits.reading.not_a_digit) says which pieces are no digit at all: those read as "not a digit",
"?" within a number. Ink on a line that the reader took for no digit (reader.FoundDigit.left_out)
is a "?" too, so that a number never loses ink unsaid. A reading whose confidence is below
UNSURE_BELOW is marked unsure.
"""

import dataclasses
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from digits.constants import IMAGE_SIZE
from digits.errors import ReaderError
from digits.formats import fraction, percent
from digits.reading.form import ink_box, to_mnist_form
from digits.reading.line_model import LINE_PAD, line_scale, load_line_model, to_line_form
from digits.reading.not_a_digit import load_not_a_digit_check
from digits.reading.reader import Box, find_digits
from digits.reading.runtime import load_digit_model

# Chosen on held-out training digits and written there by benchmarks/choose_unsure_threshold.py
# (README, "How sure is it?"): readings less confident than this are marked unsure.
THRESHOLDS_FILE = Path(__file__).with_name("thresholds.json")
UNSURE_BELOW = json.loads(THRESHOLDS_FILE.read_text())["unsure_below"]
RUNNERS_UP = 2
NOT_A_DIGIT = "?"   # a piece that is no digit, or ink left out, within a number's text
DIGIT_MODEL, LINE_MODEL, BOTH_MODELS = "digit model", "line model", "both models"
# A piece this many times wider than its line is tall holds more than one digit.
WIDE_PIECE = 1.0


def load_model(path, not_a_digit=False, lines=True):
    """Load a model to read images with (see runtime.load_digit_model); with the not-a-digit check
    that ships in models/ beside it if not_a_digit, and the line model that ships there if lines."""
    return dataclasses.replace(load_digit_model(path, load_not_a_digit_check() if not_a_digit else None),
                               line_model=load_line_model() if lines else None)


@dataclass(frozen=True)
class DigitReading:
    """What the model read for one digit of an image, and where it was."""
    digit: int
    probabilities: np.ndarray
    box: Box
    pixels: np.ndarray
    line: int = 0   # which line of writing, 0 for the top one
    not_a_digit: bool = False   # the not-a-digit check's word: a letter, a doodle, a smudge
    read_by: str = DIGIT_MODEL  # which network read it: DIGIT_MODEL, LINE_MODEL or BOTH_MODELS
    left_out: bool = False      # ink the reader took for no digit: reported, not read

    @property
    def confidence(self):
        return float(self.probabilities[self.digit])

    @property
    def unread(self):
        """Whether there is no digit to give: the not-a-digit check refused it, or it was left out."""
        return self.not_a_digit or self.left_out

    @property
    def unsure(self):
        return not self.unread and self.confidence < UNSURE_BELOW

    @property
    def symbol(self):
        """The digit as text, or NOT_A_DIGIT."""
        return NOT_A_DIGIT if self.unread else str(self.digit)


def read_image(model, source, max_pixels=None):
    """Find the digits in an image and read each with the model, each line with the line model
    where the model has one (see by_line); raise ReaderError on failure."""
    found, lines = find_digits(source, max_pixels)
    digits = read_found(model, found)
    return digits if model.line_model is None else by_line(model, digits, lines)


def read_found(model, found):
    """Read with the model each digit the reader found (reader.FoundDigit, at least one)."""
    pixels = np.stack([digit.pixels for digit in found])
    all_probabilities = model.probabilities(pixels)
    return [DigitReading(int(np.argmax(probabilities)), probabilities, digit.box, digit.pixels, digit.line,
                         bool(no), left_out=digit.left_out)
            for digit, probabilities, no in zip(found, all_probabilities, refused_by(model, pixels))]


def refused_by(model, pixels):
    """Which 28x28 inputs the model's not-a-digit check refuses (none without one)."""
    return model.not_a_digit.refuses(pixels) if model.not_a_digit else np.zeros(len(pixels), dtype=bool)


def by_line(model, digits, lines):
    """The digits of each line of several pieces, read by both networks: a piece wider than one
    digit (digits that touch) as the line model read the line there, if it read several digits
    there and the not-a-digit check refuses none of them; a piece where the line model read one
    digit with both networks' probabilities averaged; any other piece as the digit model read it.
    A line of one piece (a single digit) is the digit model's alone. Ink left out keeps its place.
    """
    result = []
    for line in lines:
        pieces = [digit for digit in digits if digit.line == line.line and not digit.left_out]
        result += [digit for digit in digits if digit.line == line.line and digit.left_out]
        wide = [digit.box.width > WIDE_PIECE * line.box.height for digit in pieces]
        if len(pieces) < 2 and not any(wide):
            result += pieces
            continue
        line_digits = model.line_model.read([to_line_form(line.ink)])[0]
        from_line = line_readings(model, line, line_digits) if line_digits else []
        for piece, is_wide in zip(pieces, wide):
            inside = [digit for digit in from_line
                      if piece.box.x <= digit.box.x + digit.box.width / 2 < piece.box.x + piece.box.width]
            # A wide piece the line model reads as one digit is one digit, which the digit model
            # reads better; where the not-a-digit check refuses part of what the line model read
            # (a star read as a ? and a 3), the piece stays one, as the digit model and check read it.
            if is_wide and len(inside) > 1 and not any(digit.not_a_digit for digit in inside):
                result += inside
            elif len(inside) == 1:
                result.append(both_read(piece, inside[0]))
            else:
                result.append(piece)
    return sorted(result, key=lambda digit: (digit.line, digit.box.x))


def both_read(piece, line_digit):
    """A piece as both networks read it: their probabilities averaged."""
    probabilities = (piece.probabilities + line_digit.probabilities) / 2
    return dataclasses.replace(piece, digit=int(np.argmax(probabilities)), probabilities=probabilities,
                               read_by=BOTH_MODELS)


def mnist_form_or_blank(ink):
    """A digit's ink in MNIST's form; a blank field where there is too little ink to scale."""
    try:
        return to_mnist_form(ink, ink > 0.5)
    except ReaderError:
        return np.zeros(IMAGE_SIZE, np.float32)


def line_readings(model, line, line_digits):
    """DigitReadings for what the line model read in a line: each digit's box the columns between
    its neighbours' peaks, narrowed to its ink; its input the ink there in MNIST's form."""
    scale = line_scale(line.ink.shape[0])
    across, down = line.box.width / line.ink.shape[1], line.box.height / line.ink.shape[0]
    boxes, inputs = [], []
    for digit in line_digits:
        left = int(np.clip(np.floor((digit.left - LINE_PAD) / scale), 0, line.ink.shape[1] - 1))
        right = int(np.clip(np.ceil((digit.right - LINE_PAD) / scale), left + 1, line.ink.shape[1]))
        ink = line.ink[:, left:right]
        top = 0
        if ink.any():
            rows, columns = ink_box(ink)
            ink, top, left = ink[rows, columns], rows.start, left + columns.start
        boxes.append(Box(line.box.x + int(left * across), line.box.y + int(top * down),
                         max(1, int(np.ceil(ink.shape[1] * across))), max(1, int(np.ceil(ink.shape[0] * down)))))
        inputs.append(mnist_form_or_blank(ink))
    pixels = np.stack(inputs)
    return [DigitReading(digit.digit, digit.probabilities, box, form, line.line, bool(no), LINE_MODEL)
            for digit, box, form, no in zip(line_digits, boxes, pixels, refused_by(model, pixels))]


def text_of(digits, between_lines="\n"):
    """The digits read, a line of writing at a time, the lines joined by between_lines."""
    lines = {}
    for digit in digits:
        lines[digit.line] = lines.get(digit.line, "") + digit.symbol
    return between_lines.join(lines.values())


def reading_json(name, digits):
    """The JSON object for one image: its text (lines of writing joined by newlines, "?" for a
    piece that is not a digit or ink left out), each piece with its line (1 for the top one),
    not_a_digit and left_out (its digit then null), not_a_digit for the whole image when no
    piece is a digit, and for one piece the old fields too."""
    described = [{"digit": None if digit.unread else digit.digit,
                  "not_a_digit": digit.not_a_digit,
                  "left_out": digit.left_out,
                  "confidence": fraction(digit.confidence),
                  "unsure": digit.unsure,
                  "probabilities": [fraction(p) for p in digit.probabilities],
                  "box": [digit.box.x, digit.box.y, digit.box.width, digit.box.height],
                  "line": digit.line + 1,
                  "read_by": digit.read_by}
                 for digit in digits]
    result = {"file": str(name), "text": text_of(digits),
              "unsure": any(digit.unsure for digit in digits),
              "not_a_digit": all(digit.not_a_digit for digit in digits), "digits": described}
    if len(digits) == 1:  # the fields of one-digit answers before numbers were read
        result.update({key: described[0][key] for key in ("digit", "confidence", "probabilities")})
    return result


def describe(name, digits):
    """One line for one image: the digits read (lines of writing separated by spaces), and how
    sure the model is of each; "not a digit" for a piece the not-a-digit check refuses, "left
    out" for ink the reader took for no digit."""
    def confidence(digit):
        if digit.left_out:
            return "(left out: ink on the line taken for no digit)"
        if digit.not_a_digit:
            return "(not a digit)"
        return f"({percent(digit.confidence)})" + (" (unsure)" if digit.unsure else "")

    if len(digits) == 1:
        digit = digits[0]
        if digit.not_a_digit:
            return f"{name}: not a digit"
        ranked = np.argsort(digit.probabilities)[::-1][1:1 + RUNNERS_UP]
        runners_up = ", ".join(f"{other} ({percent(digit.probabilities[other])})" for other in ranked)
        return f"{name}: {digit.digit} {confidence(digit)}; runners-up {runners_up}"
    each = ", ".join(f"{digit.symbol} {confidence(digit)}" for digit in digits)
    return f"{name}: {text_of(digits, between_lines=' ')}; {each}"
