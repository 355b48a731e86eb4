"""The line model: a network that reads a whole line of digits as a string, trained with CTC on
lines composed from the training digits (models/build_line_model.py), run here with ONNX Runtime
and decoded in NumPy, so that digits that touch, or that a cut would lose, are read together.

A line reaches it in the line form: the line's ink (white on black, floats in [0, 1]) scaled so
that the rows its writing spans are LINE_HEIGHT - 2 * LINE_MARGIN pixels tall, with LINE_MARGIN
rows above and below and LINE_PAD columns either side.
"""

from dataclasses import dataclass

import numpy as np
from PIL import Image

from digits.constants import SHIPPED_LINE_MODEL, SHIPPED_LINE_MODEL_INFO
from digits.errors import UserError
from digits.reading.runtime import onnx_session

LINE_HEIGHT = 32
LINE_MARGIN = 3
LINE_PAD = 8
STRIDE = 4             # columns of the line form per step of the network's output
BLANK = 10             # CTC's blank, after the ten digits


def to_line_form(ink):
    """A line's ink (rows the writing spans, any width) in the line form: (LINE_HEIGHT, width)."""
    scale = (LINE_HEIGHT - 2 * LINE_MARGIN) / ink.shape[0]
    width = max(1, round(ink.shape[1] * scale))
    resized = np.asarray(Image.fromarray(ink.astype(np.float32), mode="F").resize(
        (width, LINE_HEIGHT - 2 * LINE_MARGIN), Image.Resampling.BILINEAR), dtype=np.float32)
    total = -(-(width + 2 * LINE_PAD) // STRIDE) * STRIDE
    form = np.zeros((LINE_HEIGHT, total), np.float32)
    form[LINE_MARGIN:LINE_HEIGHT - LINE_MARGIN, LINE_PAD:LINE_PAD + width] = np.clip(resized, 0, 1)
    return form


def line_scale(ink_height):
    """Line-form pixels per pixel of the ink handed to to_line_form."""
    return (LINE_HEIGHT - 2 * LINE_MARGIN) / ink_height


@dataclass(frozen=True)
class LineDigit:
    """One digit the line model read: the digit, its probabilities (the step where it is surest),
    and the columns of the line form it spans."""
    digit: int
    probabilities: np.ndarray
    left: float
    right: float


def decode(probabilities):
    """Greedy CTC decoding of one line's (steps, 11) probabilities: the digits read, each with the
    probabilities of its surest step and the line-form columns between its neighbours' peaks."""
    best = probabilities.argmax(axis=1)
    runs = []
    for step, label in enumerate(best):
        if label == BLANK:
            continue
        if runs and runs[-1][0] == label and runs[-1][2] == step - 1:
            runs[-1][2] = step
        else:
            runs.append([label, step, step])
    peaks = []
    for label, first, last in runs:
        surest = first + int(np.argmax(probabilities[first:last + 1, label]))
        peaks.append((int(label), surest, (first + last + 1) / 2 * STRIDE))
    digits = []
    for index, (label, surest, centre) in enumerate(peaks):
        left = LINE_PAD if index == 0 else (peaks[index - 1][2] + centre) / 2
        last = index == len(peaks) - 1
        right = len(probabilities) * STRIDE - LINE_PAD if last else (centre + peaks[index + 1][2]) / 2
        digits.append(LineDigit(label, probabilities[surest, :BLANK] / probabilities[surest, :BLANK].sum(),
                                left, right))
    return digits


@dataclass(frozen=True)
class LineModel:
    """The line model: its file and a function from line forms to their digits."""
    path: object
    run: object

    def read(self, forms):
        """The digits of each line form (a list of (LINE_HEIGHT, width) arrays). A line at a time:
        padded to a longer one's width, a line would read the padding's features at its end."""
        return [decode(self.run(form[None, :, :, None])[0]) for form in forms]


def line_model_at(path):
    """The line model in an .onnx file, run by ONNX Runtime."""
    session = onnx_session(path)
    name = session.get_inputs()[0].name
    return LineModel(path, lambda batch: session.run(None, {name: batch})[0])


def load_line_model(path=SHIPPED_LINE_MODEL, info=SHIPPED_LINE_MODEL_INFO):
    """The line model that ships in models/."""
    if not (path.is_file() and info.is_file()):
        raise UserError(f"the line model {path} (or {info.name} beside it) is missing; make it with "
                        "`python -m models.build_line_model`")
    return line_model_at(path)
