"""The not-a-digit check (--not-a-digit): a small network of its own, made by
models/build_not_a_digit.py, that says which pieces are no digit at all (a letter, a doodle);
it reads beside whatever model reads the digits."""

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np

from digits.constants import SHIPPED_NOT_A_DIGIT, SHIPPED_NOT_A_DIGIT_INFO
from digits.errors import UserError
from digits.reading.runtime import onnx_function


@dataclass(frozen=True)
class NotADigitCheck:
    """The not-a-digit check: a function from (N, 28, 28) inputs to each one's probability of
    being a digit at all, and the probability below which it is called not a digit."""
    path: Path
    scores: Callable[[np.ndarray], np.ndarray]
    digit_below: float

    def refuses(self, images):
        return self.scores(images) < self.digit_below


def not_a_digit_scores(path):
    """The not-a-digit check's network in an .onnx file, as a function from (N, 28, 28) inputs to
    each one's probability of being a digit."""
    run, *_ = onnx_function(path)
    return lambda images: run(images)[:, 0]


def load_not_a_digit_check(path=SHIPPED_NOT_A_DIGIT, info=SHIPPED_NOT_A_DIGIT_INFO):
    """The not-a-digit check that ships in models/."""
    if not (path.is_file() and info.is_file()):
        raise UserError(f"the not-a-digit check {path} (or {info.name} beside it) is missing; make it "
                        "with `python -m models.build_not_a_digit`, or leave out --not-a-digit")
    return NotADigitCheck(path, not_a_digit_scores(path), json.loads(info.read_text())["digit_below"])
