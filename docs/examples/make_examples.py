"""Make the example images beside this file from committed test-split digits, the way the tests
make people's images (digits/evaluation/user_images.py): a tight crop, a mouse drawing and a number; and three
that show what the reader cannot do: a star, which is no digit, two digits that touch, and a
typed 1 with a foot.

    python -m docs.examples.make_examples
"""

from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from digits.evaluation import user_images

HERE = Path(__file__).resolve().parent


def main():
    """Write tight-crop-3.jpg, drawing-4.png, number-2024.jpg, star.png, touching-38.png and typed-1.png."""
    rng = np.random.default_rng(7)
    user_images.cropped_to_ink(user_images.nth_test_digit(3, 5), rng).save(HERE / "tight-crop-3.jpg", quality=90)
    user_images.drawn(12)(user_images.nth_test_digit(4, 3), rng).save(HERE / "drawing-4.png")
    number = [user_images.nth_test_digit(2, 10), user_images.nth_test_digit(0, 10), user_images.nth_test_digit(2, 11), user_images.nth_test_digit(4, 10)]
    user_images.number_image(number, rng).save(HERE / "number-2024.jpg", quality=90)
    star = Image.new("L", (200, 200), 255)
    ImageDraw.Draw(star).line([(100, 20), (125, 80), (190, 80), (135, 120), (160, 185), (100, 145), (40, 185),
                               (65, 120), (10, 80), (75, 80), (100, 20)], fill=0, width=6)
    star.save(HERE / "star.png")
    # A 3 and an 8 written so close that their strokes meet: one piece of ink.
    pair = np.maximum(np.pad(user_images.nth_test_digit(3, 2), ((0, 0), (0, 14))), np.pad(user_images.nth_test_digit(8, 2), ((0, 0), (14, 0))))
    Image.fromarray(255 - np.kron(pair, np.ones((5, 5), np.uint8))).save(HERE / "touching-38.png")
    # A typed 1 with a flag and a foot, which no MNIST writer makes.
    user_images.typed_digit(1, str(user_images.FONT_DIR / "DejaVuSans-Bold.ttf"), 96).save(HERE / "typed-1.png")


if __name__ == "__main__":
    main()
