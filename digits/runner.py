"""Run a trained model on people's images: read the digits the reader finds, say what it read.

--predict and the page (digits.server) both read images through here, so they give the same
answers in the same words. An .onnx model runs with ONNX Runtime, without TensorFlow; an .h5 or
.keras model is loaded through digits.networks, which starts TensorFlow.

    model = load_model(Path("outputs/mnist_cnn_model.onnx"))
    digits = read_image(model, "photo.jpg")     # what the model read, line by line
    print(describe("photo.jpg", digits))        # photo.jpg: 2024; 2 (99.9%), 0 (99.0%), ...
    print(json.dumps(reading_json("photo.jpg", digits)))

The model always answers with one of 0-9; with --not-a-digit, the check that ships in models/
(a small network of its own, models/build_gate.py) says which pieces are no digit at all, a
letter or a doodle: those read as "not a digit", "?" within a number. A reading whose
confidence is below UNSURE_BELOW is marked unsure.
"""

import dataclasses
import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np

from digits import reader
from digits.constants import (INPUT_SHAPE, MODEL_FILE, NUM_CLASSES, ONNX_MODEL_FILE, PROJECT_DIR,
                              SHIPPED_GATE, SHIPPED_GATE_INFO, SHIPPED_MODEL)
from digits.errors import UserError

# Chosen on held-out training digits and written there by benchmarks/choose_unsure_threshold.py
# (README, "How sure is it?"): readings less confident than this are marked unsure.
THRESHOLDS_FILE = Path(__file__).with_name("thresholds.json")
UNSURE_BELOW = json.loads(THRESHOLDS_FILE.read_text())["unsure_below"]
# Probabilities are cut, never rounded up, to this many decimals in JSON and to 0.1% in text.
JSON_DECIMALS = 6
RUNNERS_UP = 2
NOT_A_DIGIT = "?"   # a piece that is no digit, within a number's text


@dataclass(frozen=True)
class Gate:
    """The not-a-digit check: a function from (N, 28, 28) inputs to each one's probability of
    being a digit at all, and the probability below which it is called not a digit."""
    path: Path
    scores: Callable[[np.ndarray], np.ndarray]
    digit_below: float

    def not_digits(self, images):
        return self.scores(images) < self.digit_below


@dataclass(frozen=True)
class DigitModel:
    """A loaded model: its file, a function from (N, 28, 28) inputs to (N, 10) probabilities,
    and the not-a-digit check read with it (None: every piece is taken for a digit)."""
    path: object
    probabilities: Callable[[np.ndarray], np.ndarray]
    gate: Gate | None = None


@dataclass(frozen=True)
class DigitReading:
    """What the model read for one digit of an image, and where it was."""
    digit: int
    probabilities: np.ndarray
    box: reader.Box
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


def check_shapes(path, input_shape, output_shape):
    """Refuse a model that does not take 28x28x1 images and give 10 probabilities."""
    if tuple(input_shape[1:]) != INPUT_SHAPE or output_shape[-1] != NUM_CLASSES:
        raise UserError(f"model {path} takes {tuple(input_shape[1:])} and gives {output_shape[-1]} "
                         "outputs; expected 28x28x1 images and 10 digits")


def load_onnx_model(path):
    """Load an .onnx model into ONNX Runtime."""
    run, input_shape, output_shape = onnx_function(path)
    check_shapes(path, input_shape, output_shape)
    return DigitModel(path, run)


def onnx_function(path):
    """An .onnx file as a function from (N, 28, 28) inputs to its output, run by ONNX Runtime;
    with the shapes of its input and output."""
    import onnxruntime

    try:
        session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    except Exception:  # ONNX Runtime raises its own types for files that are not models
        raise UserError(f"{path} is not an ONNX model") from None
    model_input, model_output = session.get_inputs()[0], session.get_outputs()[0]

    def run(images):
        return session.run(None, {model_input.name: images[..., None].astype(np.float32)})[0]
    return run, model_input.shape, model_output.shape


def gate_scores(path):
    """The not-a-digit check's network in an .onnx file, as a function from (N, 28, 28) inputs to
    each one's probability of being a digit."""
    run, *_ = onnx_function(path)
    return lambda images: run(images)[:, 0]


def load_gate(path=SHIPPED_GATE, info=SHIPPED_GATE_INFO):
    """The not-a-digit check that ships in models/."""
    if not (path.is_file() and info.is_file()):
        raise UserError(f"the not-a-digit check {path} (or {info.name} beside it) is missing; make it "
                        "with `python models/build_gate.py`, or leave out --not-a-digit")
    return Gate(path, gate_scores(path), json.loads(info.read_text())["digit_below"])


def default_model_path(output_dir):
    """The model --predict and --serve use without --model: the .onnx training wrote, else its .h5."""
    onnx_path, h5_path = output_dir / ONNX_MODEL_FILE, output_dir / MODEL_FILE
    return h5_path if h5_path.is_file() and not onnx_path.is_file() else onnx_path


def choose_model(model_path, default):
    """The model file to use: model_path (--model) if given, else default; say in one line if
    the file is not there."""
    if model_path is not None:
        if not model_path.is_file():
            raise UserError(f"model file {model_path} not found; pass --model with the .onnx, .h5 "
                            "or .keras file of a trained model")
        return model_path
    if not default.is_file():
        where = "" if default.is_absolute() else f" (looked for in the current folder, {Path.cwd()})"
        raise UserError(f"no trained model: {default} not found{where}; train one first with "
                        "`python HandWritten_digit_Classifier.py`, or pass --model FILE or --output-dir")
    return default


@dataclass(frozen=True)
class ModelChoice:
    """The model file to read with, why it was chosen, in the user's words, and whether the
    not-a-digit check reads beside it (--not-a-digit)."""
    path: Path
    source: str
    not_a_digit: bool = False

    def line(self):
        check = f"; not-a-digit check {SHIPPED_GATE.relative_to(PROJECT_DIR)}" if self.not_a_digit else ""
        return f"Reading with {self.path} ({self.source}){check}"


def choose_reading_model(model_path, output_dir, not_a_digit=False):
    """The model --predict and --serve read with: --model if given, else the one trained into
    output_dir (its .onnx, else its .h5), else the one that ships with the project."""
    if model_path is not None:
        return ModelChoice(choose_model(model_path, None), "--model", not_a_digit)
    trained = default_model_path(output_dir)
    if trained.is_file() or not SHIPPED_MODEL.is_file():
        return ModelChoice(choose_model(None, trained), f"trained into {output_dir}/", not_a_digit)
    return ModelChoice(SHIPPED_MODEL, f"the model shipped with the project; none trained into "
                                      f"{output_dir}/ yet", not_a_digit)


def load_model(path, not_a_digit=False):
    """Load a model to read images with: .onnx through ONNX Runtime, else through Keras; with the
    not-a-digit check beside it if not_a_digit."""
    gate = load_gate() if not_a_digit else None
    if path.suffix.lower() == ".onnx":
        return dataclasses.replace(load_onnx_model(path), gate=gate)
    # .h5 and .keras files need Keras: TensorFlow starts here, and only for them.
    from digits import networks

    keras_model = networks.load_saved_model(path)
    return DigitModel(path, lambda images: keras_model.predict_on_batch(images[..., None]), gate)


def read_image(model, source, max_pixels=None):
    """Find the digits in an image and read each with the model; raise ReaderError on failure."""
    return read_found(model, reader.read_digits(source, max_pixels))


def read_found(model, found):
    """Read with the model each digit the reader found (reader.FoundDigit, at least one)."""
    pixels = np.stack([digit.pixels for digit in found])
    all_probabilities = model.probabilities(pixels)
    refused = model.gate.not_digits(pixels) if model.gate else np.zeros(len(found), dtype=bool)
    return [DigitReading(int(np.argmax(probabilities)), probabilities, digit.box, digit.pixels, digit.line,
                         bool(no))
            for digit, probabilities, no in zip(found, all_probabilities, refused)]


def text_of(digits, between_lines="\n"):
    """The digits read, a line of writing at a time, the lines joined by between_lines."""
    lines = {}
    for digit in digits:
        lines[digit.line] = lines.get(digit.line, "") + digit.symbol
    return between_lines.join(lines.values())


def fraction(probability):
    """A probability cut to JSON_DECIMALS decimals and kept below 1: a float32 softmax reaches
    exactly 1 as soon as the other digits' shares fall below its precision, and wrong answers do
    that too. What JSON carries, and what every percentage is made from."""
    scale = 10 ** JSON_DECIMALS
    return min(math.floor(float(probability) * scale) / scale, 1 - 1 / scale)


def percent(probability):
    """A probability as a percentage cut to one decimal, at most 99.9% (55.56% shows as 55.5%).
    The page's percent() in static/app.js does the same arithmetic on the JSON's fractions."""
    return f"{min(math.floor(fraction(probability) * 1000) / 10, 99.9):.1f}%"


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
