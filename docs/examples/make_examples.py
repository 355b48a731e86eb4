"""Make the example images beside this file from committed test-split digits, the way the tests
make people's images (tests/user_images.py): a tight crop, a mouse drawing and a number.

    python docs/examples/make_examples.py
"""

import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
sys.path[:0] = [str(REPO), str(REPO / "tests")]  # user_images reads with the digits package

import user_images  # noqa: E402  (after the path is set)


def test_digit(digit, index):
    """One committed test-split image of the digit, as pixels."""
    return [pixels for pixels, truth in user_images.committed_test_digits(index + 1) if truth == digit][index]


def main():
    """Write tight-crop-3.jpg, drawing-4.png and number-2024.jpg."""
    rng = np.random.default_rng(7)
    user_images.cropped_to_ink(test_digit(3, 5), rng).save(HERE / "tight-crop-3.jpg", quality=90)
    user_images.drawn(12)(test_digit(4, 3), rng).save(HERE / "drawing-4.png")
    number = [test_digit(2, 10), test_digit(0, 10), test_digit(2, 11), test_digit(4, 10)]
    user_images.number_image(number, rng).save(HERE / "number-2024.jpg", quality=90)


if __name__ == "__main__":
    main()
