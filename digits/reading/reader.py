"""Find the digits in an image file and put each in the 28x28 form of an MNIST digit.

No TensorFlow here: numpy, Pillow and SciPy only. The steps, in order, a module each:
decode (open the file, upright, shrunk to a working size), light (the paper and its light),
ink (the ink, without the paper's printed lines), pieces (pieces of ink grouped into digits,
digits into lines) and form (each digit in MNIST's 28x28 form). Digits found small at the
working size (a note photographed on a desk) are looked at again: the steps are repeated on a
crop around them, decoded at the resolution that crop needs.

    from digits.reading.reader import read_digits
    for found in read_digits("photo.jpg"):
        found.pixels   # 28x28 float32 array, 0 = paper, 1 = ink
        found.box      # Box(x, y, width, height) in the upright image's pixels

Anything that stops an image from being read raises ReaderError (ImageTooLargeError for too
many pixels), with a short reason; nothing else escapes.
"""

import contextlib
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageOps
from scipy import ndimage

from digits.errors import ReaderError
from digits.reading.decode import open_image, to_levels, upright_size, working_scale
from digits.reading.form import to_mnist_form
from digits.reading.ink import Ink, find_ink, without_printed_lines
from digits.reading.pieces import (
    MIN_DIGIT_SIDE,
    Piece,
    group_pieces,
    left_out,
    piece_measures,
    pieces_of_ink,
    writing_height,
)

DENOISE_ABOVE_SCALE = 0.25  # and shrunk less than this: shrinking more averages the grain away
FINE_HEIGHT = 32            # writing shorter than this at the working size is read again, from a
FINE_MARGIN = 1.0           # crop with this many writing heights of margin around it, at the
FINE_GAIN = 1.5             # scale where it is this tall, if that is this many times finer and
MAX_FINE_PIXELS = 1_500_000  # the crop is at most this many working pixels; the writing must
HELD_TOGETHER = 0.6         # then be at least this share as tall as the first look saw it


@dataclass(frozen=True)
class Box:
    """A rectangle in an image's pixels: left, top, width, height."""
    x: int
    y: int
    width: int
    height: int


@dataclass(frozen=True)
class FoundDigit:
    """One digit found in an image: its 28x28 MNIST-form pixels, where it was, and on which line
    of writing (0 for the first, top, line); or, left_out, ink on a line that looks like writing
    but was taken for no digit (too faint or thin beside the others), to be reported, not read."""
    pixels: np.ndarray
    box: Box
    line: int = 0
    left_out: bool = False


@dataclass(frozen=True)
class FoundLine:
    """One line of writing, as the line model reads it: the ink of its pieces (working pixels,
    floats in [0, 1]) over the box they span together, that box in the upright image's pixels,
    and which line it is (0 for the top one)."""
    ink: np.ndarray
    box: Box
    line: int


@dataclass(frozen=True)
class Look:
    """One look at an image: its ink at the working size, in labelled pieces (and their
    regions), how tall the writing is and which pieces are writing (see writing_height), the
    pieces grouped into digits, the ink on their lines left out of them (pieces.left_out), and
    how many full-size pixels a working pixel stands for."""
    ink: Ink
    labels: np.ndarray
    regions: list
    height: int
    writing: np.ndarray
    pieces: list
    left_out: list
    scale_x: float
    scale_y: float

    def box(self, piece):
        """Where a piece is, in full-size pixels."""
        left, top = int(piece.left * self.scale_x), int(piece.top * self.scale_y)
        return Box(left, top, max(1, int(np.ceil(piece.right * self.scale_x)) - left),
                   max(1, int(np.ceil(piece.bottom * self.scale_y)) - top))


def look_at(image, size, scale):
    """Find the ink of a decoded image whose upright full size is size, at scale working pixels
    per full-size pixel, grouped into digits."""
    working = (max(1, round(size[0] * scale)), max(1, round(size[1] * scale)))
    # The median that removes grain would also remove the strokes of digits shrunk to a pixel.
    levels = to_levels(image, working, denoise=scale > DENOISE_ABOVE_SCALE)
    ink = without_printed_lines(find_ink(levels))
    labels = pieces_of_ink(ink.strength)
    regions = ndimage.find_objects(labels)
    measures = piece_measures(labels, ink.core, regions)
    height, writing = writing_height(*measures, regions)
    pieces = group_pieces(labels, regions, measures, height, MIN_DIGIT_SIDE * scale)
    left = left_out(labels, regions, measures, height, pieces)
    return Look(ink, labels, regions, height, writing, pieces, left, size[0] / levels.shape[1],
                size[1] / levels.shape[0])


def read_digits(source, max_pixels=None):
    """Find the digits in an image (a file's path, a binary file object or a Pillow image),
    line by line from the top, each line left to right; return a FoundDigit for each. Images
    over max_pixels are refused."""
    return [digit for digit in find_digits(source, max_pixels)[0] if not digit.left_out]


def find_digits(source, max_pixels=None):
    """read_digits' digits with the ink left out of them among them (FoundDigit.left_out), in
    reading order, and a FoundLine for each line of writing the digits are in."""
    if isinstance(source, Image.Image):
        image, size = source, upright_size(source)
    else:
        image, size = open_image(source, max_pixels)
    scale = working_scale(size)
    look, offset = look_at(image, size, scale), Box(0, 0, *size)
    finer = finer_look(look, scale)
    if finer is not None:
        # Writing small at the working size (a note on a desk, a page of figures) loses its
        # shape: look again at the part of the image it is in, decoded at the resolution needed.
        region, fine_scale = finer
        if not isinstance(source, Image.Image):
            if hasattr(source, "seek"):
                source.seek(0)
            image, _ = open_image(source, max_pixels, int(np.ceil(min(size) * fine_scale)))
        upright = ImageOps.exif_transpose(image)
        scale_x, scale_y = upright.width / size[0], upright.height / size[1]
        crop = upright.crop((int(region.x * scale_x), int(region.y * scale_y),
                             int(np.ceil((region.x + region.width) * scale_x)),
                             int(np.ceil((region.y + region.height) * scale_y))))
        with contextlib.suppress(ReaderError):  # nothing more to see: keep the first look
            closer = look_at(crop, (region.width, region.height), fine_scale)
            # Faint strokes (pencil in a dim photo) can come apart when looked at finer: the
            # writing's pieces are then far smaller than the first look saw them, and it is kept.
            if closer.height * closer.scale_y >= HELD_TOGETHER * look.height * look.scale_y:
                look, offset = closer, region
    found = []
    marked = [(piece, False) for piece in look.pieces] + [(piece, True) for piece in look.left_out]
    for piece, is_left_out in marked:
        rows, columns = slice(piece.top, piece.bottom), slice(piece.left, piece.right)
        own = np.isin(look.labels[rows, columns], piece.labels)
        with contextlib.suppress(ReaderError):  # a piece of a pixel or two vanishes when scaled
            pixels = to_mnist_form(np.where(own, look.ink.strength[rows, columns], 0),
                                   own & look.ink.core[rows, columns])
            box = look.box(piece)
            found.append(FoundDigit(pixels, Box(box.x + offset.x, box.y + offset.y, box.width, box.height),
                                    piece.line, is_left_out))
    if not any(not digit.left_out for digit in found):
        raise ReaderError("no digit found: the ink is too small to be a digit")
    return sorted(found, key=lambda digit: (digit.line, digit.box.x)), lines_of(look, offset)


def lines_of(look, offset):
    """Each line of writing of a look: the ink of its pieces over the box they span together."""
    lines = []
    for number in sorted({piece.line for piece in look.pieces}):
        members = [piece for piece in look.pieces if piece.line == number]
        union = Piece([label for piece in members for label in piece.labels], 0,
                      min(piece.top for piece in members), max(piece.bottom for piece in members),
                      min(piece.left for piece in members), max(piece.right for piece in members))
        rows, columns = slice(union.top, union.bottom), slice(union.left, union.right)
        own = np.isin(look.labels[rows, columns], union.labels)
        box = look.box(union)
        lines.append(FoundLine(np.where(own, look.ink.strength[rows, columns], 0).astype(np.float32),
                               Box(box.x + offset.x, box.y + offset.y, box.width, box.height), number))
    return lines


def finer_look(look, scale):
    """Where and how finely to look again when the writing is small at the working size: a Box in
    full-size pixels around the pieces of writing, with a margin, and the scale at which the
    writing is FINE_HEIGHT working pixels tall (at most full size, and at most MAX_FINE_PIXELS);
    None if that is not clearly finer."""
    height = look.height
    if height == 0 or height >= FINE_HEIGHT:
        return None
    rows = [look.regions[label][0] for label in np.flatnonzero(look.writing)]
    columns = [look.regions[label][1] for label in np.flatnonzero(look.writing)]
    margin = FINE_MARGIN * height
    top = max(0, min(row.start for row in rows) - margin) * look.scale_y
    left = max(0, min(column.start for column in columns) - margin) * look.scale_x
    bottom = min(look.labels.shape[0], max(row.stop for row in rows) + margin) * look.scale_y
    right = min(look.labels.shape[1], max(column.stop for column in columns) + margin) * look.scale_x
    region = Box(int(left), int(top), int(np.ceil(right - left)), int(np.ceil(bottom - top)))
    # At least as fine as the crop's own working scale: a crop around a few digits is read as
    # an image of them would be.
    fine = min(1.0, max(scale * FINE_HEIGHT / height, working_scale((region.width, region.height))),
               np.sqrt(MAX_FINE_PIXELS / (region.width * region.height)))
    return (region, fine) if fine >= FINE_GAIN * scale else None
