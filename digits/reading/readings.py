"""Read people's images with a model: the digits the reader finds, and what to say of them.

--predict and the page (digits.serving) both read images through here, so they give the same
answers in the same words.

    model = load_model(Path("outputs/mnist_cnn_model.onnx"))
    digits = read_image(model, "photo.jpg")     # what the model read, line by line
    print(describe("photo.jpg", digits))        # photo.jpg: 2024; 2 (99.9%), 0 (99.0%), ...
    print(json.dumps(reading_json("photo.jpg", digits)))

The model always answers with one of 0-9; with --not-a-digit, the not-a-digit check
(digits.reading.not_a_digit) says which pieces are no digit at all: those read as "not a digit",
"?" within a number. A reading whose confidence is below UNSURE_BELOW is marked unsure.
"""

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from digits.formats import fraction, percent
from digits.reading.not_a_digit import load_not_a_digit_check
from digits.reading.reader import Box, read_digits
from digits.reading.runtime import load_digit_model

# Chosen on held-out training digits and written there by benchmarks/choose_unsure_threshold.py
# (README, "How sure is it?"): readings less confident than this are marked unsure.
THRESHOLDS_FILE = Path(__file__).with_name("thresholds.json")
UNSURE_BELOW = json.loads(THRESHOLDS_FILE.read_text())["unsure_below"]
RUNNERS_UP = 2
NOT_A_DIGIT = "?"   # a piece that is no digit, within a number's text


def load_model(path, not_a_digit=False):
    """Load a model to read images with (see runtime.load_digit_model); with the not-a-digit check
    that ships in models/ beside it if not_a_digit."""
    return load_digit_model(path, load_not_a_digit_check() if not_a_digit else None)


@dataclass(frozen=True)
class DigitReading:
    """What the model read for one digit of an image, and where it was."""
    digit: int
    probabilities: np.ndarray
    box: Box
    pixels: np.ndarray
    line: int = 0   # which line of writing, 0 for the top one
    not_a_digit: bool = False   # the not-a-digit check's word: a letter, a doodle, a smudge

    @property
    def confidence(self):
        return float(self.probabilities[self.digit])

    @property
    def unsure(self):
        return not self.not_a_digit and self.confidence < UNSURE_BELOW

    @property
    def symbol(self):
        """The digit as text, or NOT_A_DIGIT."""
        return NOT_A_DIGIT if self.not_a_digit else str(self.digit)


def read_image(model, source, max_pixels=None):
    """Find the digits in an image and read each with the model; raise ReaderError on failure."""
    return read_found(model, read_digits(source, max_pixels))


def read_found(model, found):
    """Read with the model each digit the reader found (reader.FoundDigit, at least one)."""
    pixels = np.stack([digit.pixels for digit in found])
    all_probabilities = model.probabilities(pixels)
    refused = model.not_a_digit.refuses(pixels) if model.not_a_digit else np.zeros(len(found), dtype=bool)
    return [DigitReading(int(np.argmax(probabilities)), probabilities, digit.box, digit.pixels, digit.line,
                         bool(no))
            for digit, probabilities, no in zip(found, all_probabilities, refused)]


def text_of(digits, between_lines="\n"):
    """The digits read, a line of writing at a time, the lines joined by between_lines."""
    lines = {}
    for digit in digits:
        lines[digit.line] = lines.get(digit.line, "") + digit.symbol
    return between_lines.join(lines.values())


def reading_json(name, digits):
    """The JSON object for one image: its text (lines of writing joined by newlines, "?" for a
    piece that is not a digit), each piece with its line (1 for the top one) and not_a_digit
    (its digit then null), not_a_digit for the whole image when no piece is a digit, and for
    one piece the old fields too."""
    described = [{"digit": None if digit.not_a_digit else digit.digit,
                  "not_a_digit": digit.not_a_digit,
                  "confidence": fraction(digit.confidence),
                  "unsure": digit.unsure,
                  "probabilities": [fraction(p) for p in digit.probabilities],
                  "box": [digit.box.x, digit.box.y, digit.box.width, digit.box.height],
                  "line": digit.line + 1}
                 for digit in digits]
    result = {"file": str(name), "text": text_of(digits),
              "unsure": any(digit.unsure for digit in digits),
              "not_a_digit": all(digit.not_a_digit for digit in digits), "digits": described}
    if len(digits) == 1:  # the fields of one-digit answers before numbers were read
        result.update({key: described[0][key] for key in ("digit", "confidence", "probabilities")})
    return result


def describe(name, digits):
    """One line for one image: the digits read (lines of writing separated by spaces), and how
    sure the model is of each; "not a digit" for a piece the not-a-digit check refuses."""
    def confidence(digit):
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
