"""Step 4 of reading an image: pieces of ink grouped into digits, and digits into lines.

Pieces that overlap much left to right, or sit one above the other, are one digit (the detached
top stroke of a 5), unless together they are much taller than either (two digits in a column);
solid shapes as thick as they are tall (a phone's edge, a dark object beside the page) are not
writing, nor, once a digit stands clear of the image's edges, is what the edges cut (the table
beyond the page); specks, dots and dashes much smaller than the digits are dropped (but not a
small loop: a small 0); the digits are put in lines of writing, top to bottom, and each line is
read left to right.
"""

from dataclasses import dataclass

import numpy as np
from scipy import ndimage

LINK_STRENGTH = 0.02        # fainter ink joins no pieces together; it belongs to the piece it touches
SPECK_FRACTION = 0.05       # pieces with less ink than this share of the largest are specks
BLOB_SHARE = 0.5            # pieces whose stroke is wider than this share of their height are
                            # solid shapes, not writing: a pen's stroke is far thinner than a digit
BLOB_MIN_HEIGHT = 16        # working pixels: in smaller pieces every stroke is a fair share of it
MIN_HEIGHT_FRACTION = 0.4   # digits shorter than this share of the writing are dots or dashes,
MIN_INK_FRACTION = 0.15     # and those with less ink than this share of the usual digit's, specks,
MIN_LOOP_FRACTION = 0.2     # unless their ink closes a loop (a small 0) and they are this tall
CLEAR_DIGIT_SHARE = 0.5     # digits clear of the edges, this share as tall as those cut by them
IN_LINE_SHARE = 0.6         # what the edge cuts is writing if it shares this share of a clear digit's rows
EDGE_SPAN = 3               # what the edge cuts, longer than this many times the writing's height
MIN_DIGIT_SIDE = 4          # full-size pixels: anything smaller is too small to be a digit
MAX_PIECES = 64             # pieces of ink considered, the inkiest first
MERGE_OVERLAP = 0.5         # pieces overlapping left to right by this share belong together,
STACKED_OVERLAP = 0.2       # as do pieces above one another (sharing at most this share of height),
MAX_MERGED_HEIGHT = 1.5     # unless together they are this many times taller than the taller one


def pieces_of_ink(strength):
    """Label the connected pieces of ink (8-connected). Ink fainter than LINK_STRENGTH links no
    pieces: on paper flat enough that its grain is guessed at nearly nothing (a drawing, a page
    photographed evenly) a faint haze would join every digit into one; it belongs to the piece it
    touches, whose soft edge it is."""
    labels, _ = ndimage.label(strength > LINK_STRENGTH, structure=np.ones((3, 3)))
    faint = (strength > 0) & (labels == 0)
    if faint.any() and labels.any():
        # Each faint pixel next to a piece takes that piece's label (the largest, where two meet).
        nearest = ndimage.grey_dilation(labels, size=(3, 3))
        labels = np.where(faint, nearest, labels)
    return labels


@dataclass
class Piece:
    """Connected ink, or pieces of it grouped as one digit: their labels, how many of their
    pixels are surely ink, and their bounding box."""
    labels: list
    ink: float
    top: int
    bottom: int
    left: int
    right: int
    line: int = 0   # which line of writing, counted from the top

    @property
    def height(self):
        return self.bottom - self.top

    @property
    def width(self):
        return self.right - self.left

    def belongs_with(self, other):
        """Whether two pieces are parts of one digit: they overlap much left to right, or one
        sits above the other (the detached top stroke of a 5); but not two digits one below the
        other, as in a column of figures, which together are twice as tall as either."""
        across = min(self.right, other.right) - max(self.left, other.left)
        down = min(self.bottom, other.bottom) - max(self.top, other.top)
        together = max(self.bottom, other.bottom) - min(self.top, other.top)
        if together > MAX_MERGED_HEIGHT * max(self.height, other.height):
            return False
        return (across >= MERGE_OVERLAP * min(self.width, other.width)
                or across > 0 and down <= STACKED_OVERLAP * min(self.height, other.height))

    def absorb(self, other):
        """Take in another piece of the same digit."""
        self.labels += other.labels
        self.ink += other.ink
        self.top, self.bottom = min(self.top, other.top), max(self.bottom, other.bottom)
        self.left, self.right = min(self.left, other.left), max(self.right, other.right)


def group_pieces(labels, regions, measures, height, min_side=MIN_DIGIT_SIDE):
    """Group the labelled pieces of ink (their regions, as ndimage.find_objects gives them, and
    their measures, as piece_measures does) into digits, for writing this tall (see
    writing_height), dropping specks, dashes and digits whose longer side is under min_side
    pixels; in lines of writing, top to bottom, each left to right."""
    core_area, cut = measures
    core_area = core_area.copy()
    # Specks are small beside the writing, not beside the table or a shadow that the image's edge
    # cuts (see within_the_frame): measured against what stands clear of the edge, if anything does.
    clear = ~cut
    # What the edge cuts and is far longer than the writing is tall (the page's edge, the table,
    # a shadow) is not writing; left in, it would join every digit it overlaps into one.
    if height and clear.any():
        spans = np.array([max(rows.stop - rows.start, columns.stop - columns.start) for rows, columns in regions])
        core_area[~clear & (spans > EDGE_SPAN * height)] = 0
    standing_clear = core_area[clear]
    largest = standing_clear.max() if (standing_clear > 0).any() else core_area.max(initial=0)
    pieces = [Piece([label], core_area[label - 1], rows.start, rows.stop, columns.start, columns.stop)
              for label, (rows, columns) in enumerate(regions, start=1)
              if core_area[label - 1] > 0 and core_area[label - 1] >= SPECK_FRACTION * largest]
    # Digits come in few pieces; an image of many more (noise, texture) keeps its inkiest ones.
    pieces = sorted(pieces, key=lambda piece: piece.ink, reverse=True)[:MAX_PIECES]
    while True:  # until no two groups belong together
        groups = []
        for piece in pieces:
            home = next((group for group in groups if group.belongs_with(piece)), None)
            if home is None:
                groups.append(piece)
            else:
                home.absorb(piece)
        if len(groups) == len(pieces):
            break
        pieces = groups
    pieces = within_the_frame([piece for piece in pieces if max(piece.height, piece.width) >= min_side],
                              labels.shape)
    # Dots, dashes and specks are small beside the writing's usual height and ink, not beside its
    # tallest or inkiest digit: a 9's long tail or a bold 8 would make every small round digit
    # of the line a speck. Usual: what half of the height, or of the ink, is in pieces above;
    # ink per digit, a piece wider than tall (digits that touch) holding a digit per height of it,
    # or a lone 1 beside four touching digits would be a speck.
    tall = height or max((piece.height for piece in pieces), default=0)
    inks = np.sort([piece.ink * min(1, piece.height / max(piece.width, 1)) for piece in pieces])[::-1]
    usual_ink = inks[np.searchsorted(np.cumsum(inks), inks.sum() / 2)] if len(inks) else 0
    return in_lines([piece for piece in pieces if (
        piece.height >= MIN_HEIGHT_FRACTION * tall and piece.ink >= MIN_INK_FRACTION * usual_ink
        or piece.height >= MIN_LOOP_FRACTION * tall and has_hole(labels, piece))])


def left_out(labels, regions, measures, height, digits):
    """The ink that looks like writing but is in none of the digits (as group_pieces gives them,
    for writing this tall): pieces at least MIN_HEIGHT_FRACTION of the writing's height tall and
    at most EDGE_SPAN heights long, not solid shapes, whose middle lies within the rows of a line
    of digits; as Pieces on that line. The reader reports them rather than drop them unseen."""
    core_area, _ = measures
    used = {label for digit in digits for label in digit.labels}
    spans = {}
    for digit in digits:
        top, bottom = spans.get(digit.line, (digit.top, digit.bottom))
        spans[digit.line] = min(top, digit.top), max(bottom, digit.bottom)
    found = []
    for label, (rows, columns) in enumerate(regions, start=1):
        tall, long = rows.stop - rows.start, max(rows.stop - rows.start, columns.stop - columns.start)
        if (label in used or core_area[label - 1] == 0 or not height
                or tall < MIN_HEIGHT_FRACTION * height or long > EDGE_SPAN * height):
            continue
        middle = (rows.start + rows.stop) / 2
        line = next((line for line, (top, bottom) in spans.items() if top <= middle <= bottom), None)
        if line is not None:
            found.append(Piece([label], core_area[label - 1], rows.start, rows.stop, columns.start,
                               columns.stop, line))
    return found


def is_cut(top, bottom, left, right, shape):
    """Whether a box reaches the edge of an image of this shape."""
    return top == 0 or left == 0 or bottom == shape[0] or right == shape[1]


def within_the_frame(pieces, shape):
    """The pieces, without those cut by the image's edge when the writing lies inside it: once
    a digit stands clear of the edges, what the edge cuts (the page's edge, the table beyond it,
    a shadow in a corner) comes from outside the writing, unless it stands in a line with that
    digit and is about as tall (the first or last digit of a number cropped tightly). In a tight
    crop every digit touches an edge, and all are kept."""
    def cut(piece):
        return is_cut(piece.top, piece.bottom, piece.left, piece.right, shape)

    clear = [piece for piece in pieces if not cut(piece)]
    tallest_cut = max((piece.height for piece in pieces if cut(piece)), default=0)
    if not clear or max(piece.height for piece in clear) < CLEAR_DIGIT_SHARE * tallest_cut:
        return pieces
    return [piece for piece in pieces if not cut(piece) or any(in_line_with(piece, other) for other in clear)]


def in_line_with(piece, other):
    """Whether a piece stands in a line with another and is about as tall: each spans most of
    the other's rows."""
    shared = min(piece.bottom, other.bottom) - max(piece.top, other.top)
    return shared >= IN_LINE_SHARE * max(piece.height, other.height)


def blobs(labels, regions, core):
    """Which labelled pieces are solid shapes rather than writing (the edge of a phone or of a
    dark object beside the page, a hard shadow): pieces at least BLOB_MIN_HEIGHT tall whose stroke
    width (twice the area of their sure ink over its outline) is more than BLOB_SHARE of their
    height. A pen's stroke, even a marker's, is a fraction of the digit's height; a slab of
    shadow is as thick as it is tall. A boolean per label."""
    index = np.arange(1, len(regions) + 1)
    outline = core & ~ndimage.binary_erosion(core, border_value=1)
    widths = 2 * ndimage.sum_labels(core, labels, index) / np.maximum(
        ndimage.sum_labels(outline, labels, index), 1)
    heights = np.array([rows.stop - rows.start for rows, _ in regions])
    return (heights >= BLOB_MIN_HEIGHT) & (widths > BLOB_SHARE * heights)


def has_hole(labels, piece):
    """Whether a piece's ink closes around paper, as a small 0 does and a speck or a dash
    does not."""
    own = np.isin(labels[piece.top:piece.bottom, piece.left:piece.right], piece.labels)
    return bool((ndimage.binary_fill_holes(own) & ~own).any())


def in_lines(pieces):
    """The digits in reading order, each with its line: a digit whose middle lies within the
    height a line spans so far joins it (so a line may rise or fall gently), else it starts the
    next line; lines top to bottom, digits left to right."""
    lines = []
    for piece in sorted(pieces, key=lambda piece: piece.top + piece.bottom):
        middle = (piece.top + piece.bottom) / 2
        line = next((line for line in lines
                     if min(other.top for other in line) <= middle <= max(other.bottom for other in line)),
                    None)
        if line is None:
            lines.append([piece])
        else:
            line.append(piece)
    for number, line in enumerate(lines):
        for piece in line:
            piece.line = number
    return [piece for line in lines for piece in sorted(line, key=lambda piece: piece.left)]


def piece_measures(labels, core, regions):
    """Per labelled piece (regions as ndimage.find_objects gives them): how many of its pixels
    are surely ink (core), 0 for solid shapes, which are not writing (see blobs); and whether the
    image's edge cuts it."""
    core_area = ndimage.sum_labels(core, labels, np.arange(1, len(regions) + 1))
    core_area[blobs(labels, regions, core)] = 0
    cut = np.array([is_cut(rows.start, rows.stop, columns.start, columns.stop, labels.shape)
                    for rows, columns in regions], dtype=bool)
    return core_area, cut


def writing_height(core_area, cut, regions):
    """How tall the writing is, from the pieces of ink alone (their sure ink and cut, as
    piece_measures gives them), before any grouping: the height that half of the sure ink lies in
    pieces at least as tall as; and which pieces are writing of about that height (a boolean per
    piece). What the image's edge cuts (when something stands clear of it) is left out, and so
    are solid shapes: they are not writing. A height of 0 when nothing is left."""
    heights = np.array([rows.stop - rows.start for rows, _ in regions], dtype=int)
    ink = np.where(cut, 0, core_area) if (core_area[~cut] > 0).any() else core_area
    if not (ink > 0).any():
        return 0, np.zeros(len(regions), dtype=bool)
    order = np.argsort(heights)[::-1]
    height = int(heights[order][np.searchsorted(np.cumsum(ink[order]), ink.sum() / 2)])
    return height, (ink > 0) & (heights >= MIN_HEIGHT_FRACTION * height)
