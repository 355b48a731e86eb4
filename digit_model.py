"""Use a trained digit model on people's images: run it on the digits of an image, say what it read.

--predict and the web page (webapp/) both read images through here, so they give the same
answers in the same words. An .onnx model runs with ONNX Runtime, without TensorFlow; the
script wraps .h5 and .keras models (which need Keras) in the same DigitModel.

    model = load_onnx_model(Path("outputs/mnist_cnn_model.onnx"))
    digits = read_image(model, "photo.jpg")     # what the model read, left to right
    print(describe("photo.jpg", digits))        # photo.jpg: 2024; 2 (99.9%), 0 (99.0%), ...
    print(json.dumps(reading_json("photo.jpg", digits)))

The model always answers with one of 0-9, even for a letter or a doodle; a reading whose
confidence is below UNSURE_BELOW is marked unsure.
"""

from dataclasses import dataclass
from typing import Callable

import numpy as np

import digit_reader

FIELD_SHAPE = (digit_reader.FIELD_SIZE, digit_reader.FIELD_SIZE, 1)
NUM_CLASSES = 10
# Readings less confident than this are marked unsure. Chosen on held-out training digits by
# benchmarks/choose_unsure_threshold.py (README, "How sure is it?").
UNSURE_BELOW = 0.99
JSON_DECIMALS = 6
RUNNERS_UP = 2


class ModelError(Exception):
    """A model file that cannot be used; the message says why in one line."""


@dataclass(frozen=True)
class DigitModel:
    """A loaded model: its file, and a function from (N, 28, 28) inputs to (N, 10) probabilities."""
    path: object
    probabilities: Callable[[np.ndarray], np.ndarray]


@dataclass(frozen=True)
class DigitReading:
    """What the model read for one digit of an image, and where it was."""
    digit: int
    probabilities: np.ndarray
    box: digit_reader.Box
    pixels: np.ndarray

    @property
    def confidence(self):
        return float(self.probabilities[self.digit])

    @property
    def unsure(self):
        return self.confidence < UNSURE_BELOW


def check_shapes(path, input_shape, output_shape):
    """Refuse a model that does not take 28x28x1 images and give 10 probabilities."""
    if tuple(input_shape[1:]) != FIELD_SHAPE or output_shape[-1] != NUM_CLASSES:
        raise ModelError(f"model {path} takes {tuple(input_shape[1:])} and gives {output_shape[-1]} "
                         "outputs; expected 28x28x1 images and 10 digits")


def load_onnx_model(path):
    """Load an .onnx model into ONNX Runtime."""
    import onnxruntime

    try:
        session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    except Exception:  # ONNX Runtime raises its own types for files that are not models
        raise ModelError(f"{path} is not an ONNX model") from None
    model_input, model_output = session.get_inputs()[0], session.get_outputs()[0]
    check_shapes(path, model_input.shape, model_output.shape)

    def probabilities(images):
        return session.run(None, {model_input.name: images[..., None].astype(np.float32)})[0]
    return DigitModel(path, probabilities)


def read_image(model, source, max_pixels=None):
    """Find the digits in an image and read each with the model; raise ReaderError on failure."""
    found = digit_reader.read_digits(source, max_pixels)
    all_probabilities = model.probabilities(np.stack([digit.pixels for digit in found]))
    return [DigitReading(int(np.argmax(probabilities)), probabilities, digit.box, digit.pixels)
            for digit, probabilities in zip(found, all_probabilities)]


def shown(probability, decimals):
    """A probability rounded to decimals, but never to 1: a float32 softmax reaches exactly 1 as
    soon as the other digits' shares fall below its precision, and wrong answers do that too."""
    return min(round(float(probability), decimals), 1 - 10 ** -decimals)


def percent(probability):
    """A probability as a percentage with one decimal, at most 99.9%."""
    return f"{100 * shown(probability, 3):.1f}%"


def reading_json(name, digits):
    """The JSON object for one image: its text, each digit, and for one digit the old fields too."""
    described = [{"digit": digit.digit, "confidence": shown(digit.confidence, JSON_DECIMALS),
                  "unsure": digit.unsure,
                  "probabilities": [shown(p, JSON_DECIMALS) for p in digit.probabilities],
                  "box": [digit.box.x, digit.box.y, digit.box.width, digit.box.height]}
                 for digit in digits]
    result = {"file": str(name), "text": "".join(str(digit.digit) for digit in digits),
              "unsure": any(digit.unsure for digit in digits), "digits": described}
    if len(digits) == 1:  # the fields of one-digit answers before numbers were read
        result.update({key: described[0][key] for key in ("digit", "confidence", "probabilities")})
    return result


def describe(name, digits):
    """One line for one image: the digits read, and how sure the model is of each."""
    def confidence(digit):
        return f"({percent(digit.confidence)})" + (" (unsure)" if digit.unsure else "")

    if len(digits) == 1:
        digit = digits[0]
        ranked = np.argsort(digit.probabilities)[::-1][1:1 + RUNNERS_UP]
        runners_up = ", ".join(f"{other} ({percent(digit.probabilities[other])})" for other in ranked)
        return f"{name}: {digit.digit} {confidence(digit)}; runners-up {runners_up}"
    each = ", ".join(f"{digit.digit} {confidence(digit)}" for digit in digits)
    return f"{name}: {''.join(str(digit.digit) for digit in digits)}; {each}"
