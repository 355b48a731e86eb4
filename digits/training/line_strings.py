"""Lines of digits composed from single training digits, as the line model learns to read them:
numbers of 1 to MAX_DIGITS digits, from well apart to overlapping, with the baseline, size,
slant and stroke of each line drawn at random, and what real pages put around writing (ruled
lines, cell borders, grid lines, specks, a shadow's haze), in the line form the reader hands the
line model (digits.reading.line_model.to_line_form). NumPy and SciPy only.

    images, texts = compose_lines(digit_images, digit_labels, count=1000, seed=1)
"""

import numpy as np
from scipy import ndimage

from digits.reading.form import ink_box
from digits.reading.line_model import to_line_form

MAX_DIGITS = 12
DIGIT_HEIGHT = 20          # MNIST's digits are 20 pixels tall inside their 28x28 field
HELD_OUT = 0.1            # share of the training digits the line model never learns from
TOUCHING_SHARE = 0.5       # lines whose neighbours touch or overlap; the rest stand apart
CLUTTER_SHARE = 0.5        # lines with something of the page around them


def held_out_split(count, seed):
    """The indices of the training digits held out from the line model (HELD_OUT of them, drawn
    at random before anything is made from them), and of those it learns from."""
    order = np.random.default_rng(seed).permutation(count)
    cut = int(round(HELD_OUT * count))
    return order[:cut], order[cut:]


def digit_lengths(rng, count):
    """How many digits each line holds: every length from 1 to MAX_DIGITS, the short ones of
    everyday numbers more often."""
    weights = 1 / np.sqrt(np.arange(1, MAX_DIGITS + 1))
    return rng.choice(np.arange(1, MAX_DIGITS + 1), size=count, p=weights / weights.sum())


def slanted(image, shear):
    """An image sheared across by shear pixels per pixel down, about its middle row."""
    height, width = image.shape
    pad = int(np.ceil(abs(shear) * height / 2)) + 1
    padded = np.pad(image, ((0, 0), (pad, pad)))
    matrix = np.array([[1, 0], [shear, 1]])
    offset = np.array([0, -shear * height / 2])
    return ndimage.affine_transform(padded, matrix, offset=offset, order=1)


def placed_digits(digits, rng, touching):
    """The digits side by side on one canvas: each scaled a little differently, on a baseline
    that wanders and slopes, neighbours overlapping (touching) or apart."""
    scale = rng.uniform(0.8, 1.25)
    slope = rng.uniform(-0.08, 0.08)
    pieces, x = [], 0.0
    for image in digits:
        size = scale * rng.uniform(0.85, 1.15)
        piece = ndimage.zoom(image, size, order=1)
        height, width = piece.shape
        top = rng.normal(0, 1.2) + slope * x + (DIGIT_HEIGHT * scale - height) * rng.uniform(0.3, 1.0)
        pieces.append((piece, x, top))
        gap = rng.uniform(-0.22, 0.02) if touching else rng.uniform(0.08, 0.7)
        x += width + gap * DIGIT_HEIGHT * scale
    tops = [top for _, _, top in pieces]
    shift = -min(tops) + 4
    height = int(np.ceil(max(top + piece.shape[0] for piece, _, top in pieces) + shift)) + 4
    width = int(np.ceil(max(left + piece.shape[1] for piece, left, _ in pieces))) + 8
    canvas = np.zeros((height, width), np.float32)
    for piece, left, top in pieces:
        row, column = int(round(top + shift)), int(round(left)) + 4
        region = canvas[row:row + piece.shape[0], column:column + piece.shape[1]]
        np.maximum(region, piece[:region.shape[0], :region.shape[1]], out=region)
    return canvas


def restyled(canvas, rng):
    """The line's pen and scan: slant, thicker or thinner strokes, blur, low resolution."""
    if rng.random() < 0.5:
        canvas = slanted(canvas, rng.uniform(-0.3, 0.3))
    stroke = rng.random()
    if stroke < 0.2:
        canvas = ndimage.grey_dilation(canvas, size=(2, 2))
    elif stroke < 0.35:
        canvas = ndimage.grey_erosion(canvas, size=(2, 2)) * 0.5 + canvas * 0.5
    if rng.random() < 0.3:
        canvas = ndimage.gaussian_filter(canvas, rng.uniform(0.5, 1.2))
    if rng.random() < 0.25:
        factor = rng.uniform(0.35, 0.6)
        small = ndimage.zoom(canvas, factor, order=1)
        canvas = ndimage.zoom(small, np.array(canvas.shape) / np.array(small.shape), order=1)
    # The reader scales a line's ink so that its strongest is full strength.
    return np.clip(canvas / max(float(canvas.max()), 1e-3), 0, 1).astype(np.float32)


def cluttered(canvas, rng):
    """What a page puts around writing: a ruled line, a cell's borders, a grid, specks, haze.
    The reader takes most of it away; the line model learns to ignore what is left."""
    height, width = canvas.shape
    page = np.zeros_like(canvas)
    strength = rng.uniform(0.3, 1.0)
    kind = rng.integers(5)
    if kind == 0:  # ruled lines, across
        for row in rng.choice(height, size=rng.integers(1, 3), replace=False):
            page[row:row + rng.integers(1, 3)] = strength
    elif kind == 1:  # a cell's borders, cut close to the writing
        page[:, :rng.integers(1, 3)] = strength
        page[:, -rng.integers(1, 3):] = strength
        page[:rng.integers(1, 3)] = strength * (rng.random() < 0.5)
        page[-rng.integers(1, 3):] = strength * (rng.random() < 0.5)
    elif kind == 2:  # a grid of squares
        step = rng.integers(12, 30)
        page[rng.integers(step)::step] = strength * 0.7
        page[:, rng.integers(step)::step] = strength * 0.7
    elif kind == 3:  # specks
        for _ in range(rng.integers(1, 8)):
            row, column = rng.integers(height), rng.integers(width)
            page[row:row + rng.integers(1, 3), column:column + rng.integers(1, 3)] = strength
    else:  # a shadow's haze the ink step left
        page = np.linspace(0, rng.uniform(0.05, 0.2), width, dtype=np.float32)[None, :].repeat(height, 0)
        if rng.random() < 0.5:
            page = page[:, ::-1]
    return np.maximum(canvas, page)


def compose_line(digits, rng, touching, clutter):
    """One line of the given 28x28 digits (floats in [0, 1]) in the line form."""
    canvas = placed_digits([image[ink_box(image > 0.1)] for image in digits], rng, touching)
    rows = np.nonzero(canvas.max(axis=1) > 0.1)[0]
    canvas = restyled(canvas, rng)
    if clutter:
        canvas = cluttered(canvas, rng)
    # The reader hands over the rows its pieces of writing span, as it found them.
    return to_line_form(canvas[rows.min():rows.max() + 1])


def compose_lines(images, labels, count, seed, touching_share=TOUCHING_SHARE):
    """count lines made from the digits (N, 28, 28 floats; labels (N,)), touching_share of them
    with neighbours that touch: the line forms (each (LINE_HEIGHT, width)) and their texts."""
    rng = np.random.default_rng(seed)
    forms, texts = [], []
    for length in digit_lengths(rng, count):
        chosen = rng.integers(len(images), size=length)
        forms.append(compose_line(images[chosen], rng, rng.random() < touching_share,
                                  rng.random() < CLUTTER_SHARE))
        texts.append("".join(str(labels[index]) for index in chosen))
    return forms, texts
