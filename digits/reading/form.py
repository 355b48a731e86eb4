"""Step 5 of reading an image: one digit's ink in MNIST's form. Strokes much thinner than
MNIST's are widened, the digit is scaled so that its longest side is 20 pixels and pasted into a
28x28 field with its centre of mass at the centre: white ink on black, floats in [0, 1]."""

import numpy as np
from PIL import Image
from scipy import ndimage

from digits.constants import FIELD_SIZE
from digits.errors import ReaderError

DIGIT_BOX = 20              # MNIST digits fit a 20x20 box inside the field
# Stroke width in px once the digit is 20 px: MNIST's training digits measure 2.2 to 4.2 (5th
# to 95th percentile), median 2.9. Thinner strokes, such as a mouse drawing's, would fade
# away when scaled down, so they are widened to TARGET_STROKE first.
MIN_STROKE = 2.0
TARGET_STROKE = 2.9
MAX_THICKEN_SIDE = 128      # pieces longer than this are reduced before their strokes are widened


def ink_box(ink):
    """The rows and columns an image's ink (its non-zero pixels) spans, as slices."""
    rows, columns = np.flatnonzero(ink.any(axis=1)), np.flatnonzero(ink.any(axis=0))
    return slice(rows[0], rows[-1] + 1), slice(columns[0], columns[-1] + 1)


def stroke_width(mask):
    """Estimate the stroke width of a binary drawing: twice its area over its outline length."""
    padded = np.pad(mask, 1)
    inner = padded[1:-1, 1:-1]
    interior = inner & padded[:-2, 1:-1] & padded[2:, 1:-1] & padded[1:-1, :-2] & padded[1:-1, 2:]
    outline = np.count_nonzero(inner & ~interior)
    return 2 * np.count_nonzero(inner) / max(outline, 1)


def thicken(ink, core):
    """Widen strokes far thinner than MNIST's at 20 px, so that they survive the scaling down."""
    stroke = stroke_width(core) * DIGIT_BOX / max(ink.shape)
    if stroke >= MIN_STROKE:
        return ink
    # The widening costs the square of its radius: a long piece is first reduced, each block
    # to its strongest ink so that thin strokes keep their strength.
    block = -(-max(ink.shape) // MAX_THICKEN_SIDE)
    if block > 1:
        ink = block_maximum(ink, block)
    radius = int(round((TARGET_STROKE - stroke) / 2 * max(ink.shape) / DIGIT_BOX))
    if radius < 1:
        return ink
    disk = np.hypot(*np.mgrid[-radius:radius + 1, -radius:radius + 1]) <= radius
    return ndimage.grey_dilation(np.pad(ink, radius), footprint=disk)


def block_maximum(values, block):
    """The array reduced by a whole factor: each block x block square to its largest value."""
    height, width = (-(-side // block) * block for side in values.shape)
    padded = np.pad(values, ((0, height - values.shape[0]), (0, width - values.shape[1])))
    return padded.reshape(height // block, block, width // block, block).max(axis=(1, 3))


def centre_by_mass(digit):
    """Paste a digit into a 28x28 field so that its centre of mass sits at the centre."""
    height, width = digit.shape
    row_index, column_index = np.indices(digit.shape)
    mass = digit.sum()
    top = int(round(FIELD_SIZE / 2 - (row_index * digit).sum() / mass))
    left = int(round(FIELD_SIZE / 2 - (column_index * digit).sum() / mass))
    top = min(max(top, 0), FIELD_SIZE - height)
    left = min(max(left, 0), FIELD_SIZE - width)
    field = np.zeros((FIELD_SIZE, FIELD_SIZE), dtype=np.float32)
    field[top:top + height, left:left + width] = digit
    return field


def to_mnist_form(ink, core):
    """Scale one digit's ink so its longest side is 20 pixels and centre it in a 28x28 field."""
    ink = thicken(ink, core)
    scale = DIGIT_BOX / max(ink.shape)
    size = (max(1, round(ink.shape[1] * scale)), max(1, round(ink.shape[0] * scale)))
    resized = Image.fromarray(ink, mode="F").resize(size, Image.Resampling.LANCZOS)
    digit = np.clip(np.asarray(resized, dtype=np.float32), 0, 1)
    if digit.sum() <= 0:  # a digit of a pixel or two can vanish in the resampling
        raise ReaderError("no digit found: the ink is too small to be a digit")
    return centre_by_mass(digit)
