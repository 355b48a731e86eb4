"""Step 3 of reading an image: the ink, and the paper's printed lines taken out of it.

Each pixel's colour distance from the paper towards the ink, relative to how far the light there
lets ink go, scaled so that full ink is 1. Whatever is within a few standard deviations of the
paper's own grain becomes 0. The printed lines of ruled and squared paper (thin ink running
across or down most of the image) become 0 too, except where a stroke crosses them.
"""

from dataclasses import dataclass

import numpy as np
from scipy import ndimage

from digits.errors import ReaderError
from digits.reading.form import stroke_width
from digits.reading.light import find_paper, grain, ink_side_distance, otsu_threshold, paper_is_light
from digits.reading.pieces import piece_measures, pieces_of_ink, writing_height

MIN_INK_CONTRAST = 40       # gray levels between ink and white paper below which we see no digit
NOISE_FLOOR_SIGMAS = 5      # ink fainter than this many paper-noise deviations is paper
RULED_SPAN = 0.8           # a ruled line crosses at least this share of the image's width,
RULED_SEGMENT = 0.25       # in runs of ink at least this share of it (a tilted line steps down)
RULED_THICKNESS = 0.6      # and is at most this share of the writing's stroke width thick,
RULED_MIN_LENGTH = 32      # in an image at least this many working pixels across;
PRINTED_LENGTH = 2.5       # a line longer than this many times the writing's height is printed
PRINTED_THICKNESS = 0.8    # if at most this share of the writing's stroke width thick


@dataclass(frozen=True)
class Ink:
    """An image's ink: strength in [0, 1] per pixel, and the pixels that are surely ink."""
    strength: np.ndarray
    core: np.ndarray


def find_ink(levels):
    """Return the ink strength in [0, 1] at every pixel, with the pixels that are surely ink."""
    gray = levels.mean(axis=-1)
    ink_sign = 1 if paper_is_light(gray) else -1
    paper = find_paper(levels, gray, ink_sign)
    distance, towards_ink, paper_gray = ink_side_distance(levels, gray, paper, ink_sign)
    threshold = otsu_threshold(distance)
    core = distance > threshold
    # Light sets how far ink can go: dark ink on lit paper can darken it to 0, light ink on
    # dark paper can lighten it to 255. Measuring against that evens out uneven light, and a
    # dim photo's pencil, a third darker than its gray paper, is ink as plainly as black on white.
    reach = np.maximum(paper_gray if ink_sign > 0 else 255 - paper_gray, MIN_INK_CONTRAST)
    strength = distance / reach
    if not core.any() or np.percentile(strength[core], 99) < MIN_INK_CONTRAST / 255:
        raise ReaderError("no digit found: the image is blank or has almost no contrast")
    strength /= np.percentile(strength[core], 99)
    # Where paper is scarce (a stroke cropped to itself) the grain is guessed from little, so the
    # floor stays well below the threshold that decided what is ink.
    strength[distance <= min(NOISE_FLOOR_SIGMAS * grain(towards_ink), threshold / 2)] = 0
    return Ink(np.clip(strength, 0, 1).astype(np.float32), core & (strength > 0))


def without_printed_lines(ink):
    """The ink with the printed lines of the paper taken out: ruled lines across it, then lines
    down it (a margin, the columns of squared paper), the same way turned a quarter."""
    labels = pieces_of_ink(ink.strength)
    regions = ndimage.find_objects(labels)
    height, _ = writing_height(*piece_measures(labels, ink.core, regions), regions)
    # Where faint printed lines fill the image (a close-up of squared paper), the ink's strokes
    # look as thin as the lines; the sure ink's are the writing's own.
    stroke = max(stroke_width(ink.strength > 0), stroke_width(ink.core))
    across = without_ruled_lines(ink, height, stroke)
    down = without_ruled_lines(Ink(across.strength.T, across.core.T), height, stroke)
    return Ink(down.strength.T, down.core.T)


def without_ruled_lines(ink, height=0, stroke=None):
    """The ink with the lines of ruled paper taken out: thin ink running across most of the
    image's width, row by row, thinner than the writing's strokes (stroke wide; measured on all
    the ink if None); a line far longer than the writing's height (height, 0 if not known) may be
    bolder, as a ledger's or a form's printed lines are, for no stroke of a digit runs so far.
    Where a stroke crosses such a line, the stroke keeps its pixels."""
    mask = ink.strength > 0
    if mask.shape[1] < RULED_MIN_LENGTH:  # a digit-sized image shows no paper's lines
        return ink
    segment = int(RULED_SEGMENT * mask.shape[1]) | 1  # odd, so that the window is centred
    # An opening by a horizontal segment, as a minimum then a maximum filter along the rows.
    runs = ndimage.maximum_filter1d(ndimage.minimum_filter1d(mask.view(np.uint8), segment, axis=1),
                                    segment, axis=1) > 0
    if not runs.any():
        return ink
    labels, _ = ndimage.label(runs, structure=np.ones((3, 3)))
    # Thinner than the writing: a digit's own bar across a small image is as thick as its strokes.
    stroke = stroke_width(mask) if stroke is None else stroke
    lines = np.zeros_like(mask)
    widest = 0
    for label, (rows, columns) in enumerate(ndimage.find_objects(labels), start=1):
        own = labels[rows, columns] == label
        per_column = own.sum(axis=0)  # a digit's bar lying on the line makes a few columns thick
        length = columns.stop - columns.start
        printed = height and length >= PRINTED_LENGTH * height
        thickest = (PRINTED_THICKNESS if printed else RULED_THICKNESS) * stroke
        if length >= RULED_SPAN * mask.shape[1] and np.median(per_column) <= thickest:
            lines[rows, columns] |= own & (per_column <= thickest)
            widest = max(widest, thickest)
    if not lines.any():
        return ink
    # A stroke crossing a line continues on both sides of it: the gap it would leave is closed.
    crossings = ndimage.binary_closing(mask & ~lines, structure=np.ones((int(np.ceil(widest)) + 2, 1), bool))
    lines &= ~crossings
    return Ink(np.where(lines, 0, ink.strength).astype(np.float32), ink.core & ~lines)
