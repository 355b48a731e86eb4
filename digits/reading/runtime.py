"""Run a model file on 28x28 inputs: an .onnx model with ONNX Runtime, without TensorFlow; an
.h5 or .keras model through Keras, which starts TensorFlow for it alone. Which model file to
read with, when the user names none."""

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np

from digits.constants import (
    INPUT_SHAPE,
    MODEL_FILE,
    NUM_CLASSES,
    ONNX_MODEL_FILE,
    PROJECT_DIR,
    SHIPPED_MODEL,
    SHIPPED_NOT_A_DIGIT,
)
from digits.errors import UserError

MODEL_SUFFIXES = (".onnx", ".h5", ".keras")


@dataclass(frozen=True)
class DigitModel:
    """A loaded model: its file, a function from (N, 28, 28) inputs to (N, 10) probabilities,
    and the not-a-digit check read with it (None: every piece is taken for a digit)."""
    path: object
    probabilities: Callable[[np.ndarray], np.ndarray]
    not_a_digit: object = None   # a digits.reading.not_a_digit.NotADigitCheck
    line_model: object = None    # a digits.reading.line_model.LineModel: lines read as a whole


def check_shapes(path, input_shape, output_shape):
    """Refuse a model that does not take 28x28x1 images and give 10 probabilities."""
    if tuple(input_shape[1:]) != INPUT_SHAPE or output_shape[-1] != NUM_CLASSES:
        raise UserError(f"model {path} takes {tuple(input_shape[1:])} and gives {output_shape[-1]} "
                         "outputs; expected 28x28x1 images and 10 digits")


def onnx_session(path):
    """An .onnx file loaded into ONNX Runtime, on the CPU."""
    import onnxruntime

    if not Path(path).is_file():
        raise UserError(f"{path} does not exist")
    try:
        return onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    except Exception:  # ONNX Runtime raises its own types for files that are not models
        raise UserError(f"{path} is not an ONNX model") from None


def onnx_function(path):
    """An .onnx file as a function from (N, 28, 28) inputs to its output, run by ONNX Runtime;
    with the shapes of its input and output."""
    session = onnx_session(path)
    model_input, model_output = session.get_inputs()[0], session.get_outputs()[0]

    def run(images):
        return session.run(None, {model_input.name: images[..., None].astype(np.float32)})[0]
    return run, model_input.shape, model_output.shape


def load_onnx_model(path):
    """Load an .onnx model into ONNX Runtime."""
    run, input_shape, output_shape = onnx_function(path)
    check_shapes(path, input_shape, output_shape)
    return DigitModel(path, run)


def load_keras_model(path):
    """Load a saved .h5 or .keras model and check that it reads 28x28 digits."""
    from digits.tensorflow_setup import keras  # TensorFlow starts here, and only for these files

    try:
        model = keras.models.load_model(path, compile=False)
    except Exception:  # Keras raises many types, with long messages, for a file it cannot read
        raise UserError(f"{path} is not a Keras .h5/.keras model") from None
    check_shapes(path, model.input_shape, model.output_shape)
    return model


def load_digit_model(path, not_a_digit=None):
    """Load a model to read images with: .onnx through ONNX Runtime, .h5 and .keras through
    Keras; with the not-a-digit check (or None) beside it."""
    suffix = path.suffix.lower()
    if suffix not in MODEL_SUFFIXES:
        raise UserError(f"{path} is not a model file: --model takes an .onnx, .h5 or .keras model")
    if suffix == ".onnx":
        return dataclasses.replace(load_onnx_model(path), not_a_digit=not_a_digit)
    keras_model = load_keras_model(path)
    return DigitModel(path, lambda images: keras_model.predict_on_batch(images[..., None]), not_a_digit)


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
        check = f"; not-a-digit check {SHIPPED_NOT_A_DIGIT.relative_to(PROJECT_DIR)}" if self.not_a_digit else ""
        return f"Reading with {self.path} ({self.source}){check}"


def choose_reading_model(model_path, output_dir, not_a_digit=False):
    """The model --predict and --serve read with: --model if given, else the one trained into
    output_dir (its .onnx, else its .h5), else the one that ships with the project."""
    if model_path is not None:
        return ModelChoice(choose_model(model_path, None), "--model", not_a_digit)
    trained = default_model_path(output_dir)
    if trained.is_file() or not SHIPPED_MODEL.is_file():
        return ModelChoice(choose_model(None, trained), f"trained into {output_dir}/", not_a_digit)
    return ModelChoice(as_typed(SHIPPED_MODEL), f"the model shipped with the project; none trained "
                                                f"into {output_dir}/ yet", not_a_digit)


def as_typed(path):
    """A path as a user in the current folder would type it: relative where it lies below it."""
    try:
        return path.relative_to(Path.cwd())
    except ValueError:
        return path
