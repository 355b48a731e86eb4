"""Find the digits in an image file and put each in the 28x28 form of an MNIST digit.

No TensorFlow here: numpy, Pillow and SciPy only. The steps, in order:

1. Open: decode the file, turn it upright (EXIF), flatten transparency onto white, and shrink
   it so that its shorter side is at most WORKING_SIDE pixels (a row of digits keeps its length).
2. Paper: decide whether the paper is lighter than the ink (photos, scans, drawings) or darker
   (MNIST itself), split the pixels into paper and ink with Otsu's threshold, and fit a plane
   to each colour channel of the paper pixels alone, leaving out the soft edges of strokes (a
   quadratic surface instead where it fits the paper clearly better: light falling off towards
   a photo's corners). However much of the image the ink covers (a tight crop), it cannot pull
   that estimate, and light falling off to one side and coloured paper drop out with it. In an
   image that is mostly paper, the surface is darkened where the paper's own local level (a
   closing wider than any stroke) shows a shadow over part of it.
3. Ink: each pixel's colour distance from the paper towards the ink, relative to how far the
   light there lets ink go, scaled so that full ink is 1. Whatever is within a few standard
   deviations of the paper's own grain becomes 0. The printed lines of ruled and squared paper
   (thin ink running across or down most of the image) become 0 too, except where a stroke
   crosses them.
4. Digits: connected pieces of ink; pieces that overlap much left to right, or sit one above
   the other, are one digit (the detached top stroke of a 5), unless together they are much
   taller than either (two digits in a column); solid shapes as thick as they are tall (a
   phone's edge, a dark object beside the page) are not writing, nor, once a digit stands clear
   of the image's edges, is what the edges cut (the table beyond the page); specks, dots and
   dashes much smaller than the digits are dropped (but not a small loop: a small 0); the
   digits are put in lines of writing, top to bottom, and each line is read left to right. Digits found small at the
   working size (a note photographed on a desk) are looked at again: steps 1 to 4 are repeated
   on a crop around them, decoded at the resolution that crop needs.
5. MNIST form: strokes much thinner than MNIST's are widened, the digit is scaled so that its
   longest side is 20 pixels and pasted into a 28x28 field with its centre of mass at the
   centre: white ink on black, floats in [0, 1].

    from digits.reader import read_digits
    for found in read_digits("photo.jpg"):
        found.pixels   # 28x28 float32 array, 0 = paper, 1 = ink
        found.box      # Box(x, y, width, height) in the upright image's pixels

Anything that stops an image from being read raises ReaderError (ImageTooLargeError for too
many pixels), with a short reason; nothing else escapes.
"""

import contextlib
import warnings
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError
from scipy import ndimage

from digits.constants import FIELD_SIZE, IMAGE_EXTENSIONS

DIGIT_BOX = 20              # MNIST digits fit a 20x20 box inside the field
WORKING_SIDE = 128          # images are shrunk so their shorter side is at most this: a digit
MAX_WORKING_LENGTH = 768    # needs far fewer pixels; the longer side is kept to this at most
DENOISE_MIN_SIDE = 56       # denoise only images large enough to keep their strokes, and only
DENOISE_ABOVE_SCALE = 0.25  # those shrunk less than this: shrinking more averages the grain away
MIN_INK_CONTRAST = 40       # gray levels between ink and white paper below which we see no digit
NOISE_FLOOR_SIGMAS = 5      # ink fainter than this many paper-noise deviations is paper
LINK_STRENGTH = 0.02        # fainter ink joins no pieces together; it belongs to the piece it touches
SPECK_FRACTION = 0.05       # pieces with less ink than this share of the largest are specks
BLOB_SHARE = 0.5            # pieces whose stroke is wider than this share of their height are
                            # solid shapes, not writing: a pen's stroke is far thinner than a digit
BLOB_MIN_HEIGHT = 16        # working pixels: in smaller pieces every stroke is a fair share of it
MIN_HEIGHT_FRACTION = 0.4   # digits shorter than this share of the writing are dots or dashes,
MIN_INK_FRACTION = 0.15     # and those with less ink than this share of the usual digit's, specks,
MIN_LOOP_FRACTION = 0.2     # unless their ink closes a loop (a small 0) and they are this tall
CLEAR_DIGIT_SHARE = 0.5     # digits clear of the edges, this share as tall as those cut by them
EDGE_SPAN = 3               # what the edge cuts, longer than this many times the writing's height
MIN_DIGIT_SIDE = 4          # full-size pixels: anything smaller is too small to be a digit
MAX_PIECES = 64             # pieces of ink considered, the inkiest first
MERGE_OVERLAP = 0.5         # pieces overlapping left to right by this share belong together,
STACKED_OVERLAP = 0.2       # as do pieces above one another (sharing at most this share of height),
MAX_MERGED_HEIGHT = 1.5     # unless together they are this many times taller than the taller one
DARK_PAPER_BORDER_SHARE = 0.97  # dark paper must fill this share of the border (MNIST: all)
# Stroke width in px once the digit is 20 px: MNIST's training digits measure 2.2 to 4.2 (5th
# to 95th percentile), median 2.9. Thinner strokes, such as a mouse drawing's, would fade
# away when scaled down, so they are widened to TARGET_STROKE first.
MIN_STROKE = 2.0
TARGET_STROKE = 2.9
MAX_THICKEN_SIDE = 128      # pieces longer than this are reduced before their strokes are widened
RULED_SPAN = 0.8           # a ruled line crosses at least this share of the image's width,
RULED_SEGMENT = 0.25       # in runs of ink at least this share of it (a tilted line steps down)
RULED_THICKNESS = 0.6      # and is at most this share of the writing's stroke width thick,
RULED_MIN_LENGTH = 32      # in an image at least this many working pixels across;
PRINTED_LENGTH = 2.5       # a line longer than this many times the writing's height is printed
PRINTED_THICKNESS = 0.8    # if at most this share of the writing's stroke width thick
FINE_HEIGHT = 32            # writing shorter than this at the working size is read again, from a
FINE_MARGIN = 1.0           # crop with this many writing heights of margin around it, at the
FINE_GAIN = 1.5             # scale where it is this tall, if that is this many times finer and
MAX_FINE_PIXELS = 1_500_000  # the crop is at most this many working pixels; the writing must
HELD_TOGETHER = 0.6         # then be at least this share as tall as the first look saw it
MAX_SURFACE_SAMPLES = 2048  # paper pixels used to fit the paper's surface
MIN_SURFACE_SAMPLES = 24    # with fewer paper pixels the paper gets one level, not a surface
SURFACE_FITS = 3            # fits of the surface, each without the pixels the last found inky
PLANE_TERMS = 3             # the paper's surface: a plane, or a quadratic surface (six terms)
CURVED_GAIN = 0.7           # if that brings the paper's spread around it below this share
TRIM_SIGMAS = 3             # pixels this many grain deviations towards the ink are not paper
LOCAL_PAPER_SHARE = 0.6     # in images at least this share paper (the plane's second pass)
LOCAL_PAPER_MIN_SIDE = 64   # and at least this many working pixels on their shorter side,
LOCAL_PAPER_WINDOW = 0.25   # shading is followed over windows of this share of the shorter side,
MAX_SHADOW = 0.5            # where it takes up to this share of the light
OTSU_BINS = 256
# Modes whose values are not 8-bit: scaled to 0-255 before anything else.
WIDE_MODES = {"I": 257.0, "I;16": 257.0, "I;16B": 257.0, "I;16L": 257.0, "I;16N": 257.0, "F": 1.0}
ACCEPTED_MODES = {"1", "L", "P", "RGB", "RGBA", "RGBX", "RGBa", "LA", "PA", "CMYK", "YCbCr",
                  "LAB", "HSV", *WIDE_MODES}
ORIENTATION_TAG = 0x0112
TRANSPOSED_ORIENTATIONS = {5, 6, 7, 8}  # EXIF orientations that swap width and height


class ReaderError(ValueError):
    """An image that cannot be read as digits; the message says why, in a few words."""


class ImageTooLargeError(ReaderError):
    """An image with more pixels than it is safe to decode."""


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
    of writing (0 for the first, top, line)."""
    pixels: np.ndarray
    box: Box
    line: int = 0


@dataclass(frozen=True)
class Ink:
    """An image's ink: strength in [0, 1] per pixel, and the pixels that are surely ink."""
    strength: np.ndarray
    core: np.ndarray


# ---------------------------------------------------------------- 1. open

def open_image(source, max_pixels=None, shorter_side=WORKING_SIDE):
    """Open an image (a path or a binary file object) and decode it, a large JPEG at a fraction of
    its size with its shorter side no shorter than shorter_side (None: full size); return it with
    its upright size at full resolution. Images over max_pixels (default: Pillow's limit) are
    refused."""
    max_pixels = max_pixels or 2 * Image.MAX_IMAGE_PIXELS
    try:
        with warnings.catch_warnings():
            # Pillow warns from half its limit on; below the limit we read such images, shrunk.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(source)
            if image.width * image.height > max_pixels:
                raise Image.DecompressionBombError
            size = upright_size(image)
            if shorter_side:  # JPEG: decoding at 1/2 to 1/8 of full size is much faster
                least = shorter_side / min(image.size)
                image.draft(None, (int(np.ceil(image.width * least)), int(np.ceil(image.height * least))))
            image.load()
        return image, size
    except UnidentifiedImageError:
        raise ReaderError("not an image file (format not recognised)") from None
    except Image.DecompressionBombError:
        raise ImageTooLargeError(f"image is too large to read safely (over {max_pixels / 1e6:.0f} "
                                 "megapixels)") from None
    except Exception as error:  # Pillow's decoders raise many types for a damaged file
        raise ReaderError(f"image is truncated or corrupt ({error or type(error).__name__})") from None


def upright_size(image):
    """The image's size as a viewer shows it, after its EXIF orientation."""
    orientation = image.getexif().get(ORIENTATION_TAG, 1)
    return image.size[::-1] if orientation in TRANSPOSED_ORIENTATIONS else image.size


def to_levels(image, working_size, denoise=True):
    """Return the upright image as float gray or RGB levels 0-255 (H x W x 1 or 3) at the working
    size (width, height; never larger than the image), denoised unless denoise is false."""
    if image.mode not in ACCEPTED_MODES:
        raise ReaderError(f"unsupported image mode {image.mode}")
    image = ImageOps.exif_transpose(image)
    if image.mode in WIDE_MODES:
        # 16-bit scans and float images: Pillow's convert("L") would clip them, so scale instead.
        values = np.asarray(image, dtype=np.float32) / WIDE_MODES[image.mode]
        image = Image.fromarray(np.clip(values, 0, 255).astype(np.float32), mode="F")
    elif image.mode in ("RGBA", "RGBa", "LA", "PA") or "transparency" in image.info:
        rgba = image.convert("RGBA")
        image = Image.alpha_composite(Image.new("RGBA", rgba.size, "white"), rgba).convert("RGB")
    else:
        image = image.convert("L" if image.mode in ("1", "L") else "RGB")
    if working_size[0] < image.width:
        image = image.resize(working_size, Image.Resampling.BOX)
    levels = np.asarray(image, dtype=np.float32)
    levels = levels[..., None] if levels.ndim == 2 else levels
    if levels.shape[-1] == 3 and np.array_equal(levels[..., 0], levels[..., 1]) \
            and np.array_equal(levels[..., 0], levels[..., 2]):
        levels = levels[..., :1]  # gray saved as RGB: one channel is enough
    if denoise and min(image.size) >= DENOISE_MIN_SIDE:
        return median_of_three(median_of_three(levels, 0), 1)
    return levels


def working_scale(size):
    """How much an image of this size is shrunk to be read: 1 for a small one."""
    return min(1, WORKING_SIDE / min(size), MAX_WORKING_LENGTH / max(size))


def median_of_three(levels, axis):
    """Each pixel replaced by the median of itself and its two neighbours along an axis (the
    edges keep their own). Once down and once across, it removes grain and specks nearly as a
    3x3 median does, at a fraction of the cost."""
    moved = np.moveaxis(levels, axis, 0)
    median = moved.copy()
    before, middle, after = moved[:-2], moved[1:-1], moved[2:]
    median[1:-1] = np.maximum(np.minimum(before, middle), np.minimum(np.maximum(before, middle), after))
    return np.moveaxis(median, 0, axis)


# ---------------------------------------------------------------- 2. paper

def otsu_threshold(values):
    """Otsu's threshold: the level that best splits values into two classes (256 bins)."""
    top = max(float(values.max()), 1e-6)
    counts = np.bincount(np.minimum((values.ravel() * (OTSU_BINS / top)).astype(np.int32),
                                    OTSU_BINS - 1), minlength=OTSU_BINS)
    centres = (np.arange(OTSU_BINS) + 0.5) * (top / OTSU_BINS)
    weight_low = np.cumsum(counts)
    weight_high = weight_low[-1] - weight_low
    sum_low = np.cumsum(counts * centres)
    with np.errstate(divide="ignore", invalid="ignore"):
        mean_low = sum_low / weight_low
        mean_high = (sum_low[-1] - sum_low) / weight_high
        between = weight_low * weight_high * (mean_low - mean_high) ** 2
    return (np.argmax(np.nan_to_num(between, nan=-1)) + 1) * (top / OTSU_BINS)


def distance_from(levels, paper):
    """Per-pixel colour distance from the paper, in gray levels."""
    return np.linalg.norm(levels - paper, axis=-1) / np.sqrt(levels.shape[-1])


def paper_is_light(gray):
    """Whether the paper is lighter than the ink: true for photos and scans, false for MNIST."""
    dark = gray <= otsu_threshold(gray)
    border = np.concatenate([dark[0], dark[-1], dark[:, 0], dark[:, -1]])
    # Dark paper only when it surrounds the ink and covers most of the image: ink that touches
    # the border, as in a tight crop, is read the way photos and scans are, dark on light.
    return not (border.mean() >= DARK_PAPER_BORDER_SHARE and dark.mean() >= 0.5)


def grain(towards_ink):
    """The paper's noise (a standard deviation), from the pixels beyond the paper level, away
    from the ink, where no ink can reach; a half-normal's median is 0.6745 deviations."""
    beyond = towards_ink[towards_ink < 0]
    return float(np.median(-beyond)) / 0.6745 if beyond.size else 0.0


def fit_paper_surface(levels, gray, paper_mask, ink_sign, curved=None):
    """Fit each channel's paper level as a smooth surface over the image, from paper pixels: a
    plane (light falling off to one side), or a quadratic surface where that fits the paper
    clearly better (light falling off from the middle towards the corners). curved=None tries
    both; True or False takes the one an earlier pass chose, clipped to the levels clean paper
    has. Returns the surface (H x W x C) and whether it is curved."""
    rows, columns = np.nonzero(paper_mask)
    if len(rows) < MIN_SURFACE_SAMPLES:  # too little paper for a surface: one level
        return np.median(levels[paper_mask] if len(rows) else levels.reshape(-1, levels.shape[-1]),
                         axis=0), False
    step = max(1, len(rows) // MAX_SURFACE_SAMPLES)
    rows, columns = rows[::step], columns[::step]
    samples, sample_gray = levels[rows, columns], gray[rows, columns]
    terms = surface_terms(rows, columns, gray.shape)
    if curved is not None:
        coefficients, clean, _ = fit_terms(terms if curved else terms[:, :PLANE_TERMS], samples,
                                           sample_gray, ink_sign)
        # Where paper is scarce (a tight crop) the surface is extrapolated: keep it within the
        # levels that clean paper really has.
        low, high = np.percentile(samples[clean], [1, 99], axis=0)
        return np.clip(surface_at(coefficients, gray.shape), low, high), curved
    coefficients, _, spread = fit_terms(terms[:, :PLANE_TERMS], samples, sample_gray, ink_sign)
    # The quadratic's three more terms would bend towards ink on any page: only a clearly closer
    # fit to the paper (a vignetted photo) earns them.
    quadratic, _, quadratic_spread = fit_terms(terms, samples, sample_gray, ink_sign)
    curved = quadratic_spread < CURVED_GAIN * spread
    return surface_at(quadratic if curved else coefficients, gray.shape), curved


def fit_terms(terms, samples, sample_gray, ink_sign):
    """Least-squares fit of the samples' levels to the terms, SURFACE_FITS times, each without the
    samples the last fit found pulled towards the ink (the soft edges of strokes), so that only
    clean paper decides: the coefficients, the samples kept, and their root mean square distance
    from the surface, in gray levels."""
    clean = np.ones(len(terms), dtype=bool)
    for _ in range(SURFACE_FITS):
        # The normal equations: a few terms square, far cheaper than the samples' own SVD; solved
        # by least squares too, for paper whose samples lie on one row or column.
        kept = terms[clean]
        coefficients, *_ = np.linalg.lstsq(kept.T @ kept, kept.T @ samples[clean], rcond=None)
        towards_ink = ink_sign * ((terms @ coefficients).mean(axis=-1) - sample_gray)
        clean = towards_ink <= max(TRIM_SIGMAS * grain(towards_ink), 1.0)
    return coefficients, clean, float(np.sqrt(np.mean(towards_ink[clean] ** 2)))


def surface_terms(rows, columns, shape):
    """The terms of a quadratic surface over an image of this shape at the given pixels
    (coordinates scaled to [-1, 1]), on a last axis: a plane follows light falling off to one
    side, the squares light falling off from the middle towards the corners, as a phone's lens
    and a close lamp make it."""
    y = 2 * np.asarray(rows, np.float32) / max(shape[0] - 1, 1) - 1
    x = 2 * np.asarray(columns, np.float32) / max(shape[1] - 1, 1) - 1
    y, x = np.broadcast_arrays(y, x)
    return np.stack([np.ones_like(x), x, y, x * x, y * y, x * y], axis=-1)


def surface_at(coefficients, shape):
    """The surface with these coefficients (a row per term, a column per channel) at every pixel
    of an image of this shape: H x W x C floats."""
    terms = surface_terms(np.arange(shape[0])[:, None], np.arange(shape[1])[None, :], shape)
    return (terms[..., :len(coefficients)] @ coefficients).astype(np.float32)


def ink_side_distance(levels, gray, paper, ink_sign):
    """Each pixel's colour distance from the paper where it lies towards the ink, else 0; and
    the signed gray-level step towards the ink."""
    paper_gray = np.broadcast_to(paper, levels.shape).mean(axis=-1)
    towards_ink = ink_sign * (paper_gray - gray)
    return np.where(towards_ink > 0, distance_from(levels, paper), 0), towards_ink, paper_gray


def find_paper(levels, gray, ink_sign):
    """Return the paper's level at every pixel (H x W x C), fitted to the paper pixels alone."""
    paper_mask = (gray > otsu_threshold(gray)) == (ink_sign > 0)
    paper, curved = fit_paper_surface(levels, gray, paper_mask, ink_sign)
    # A second pass recovers paper that strong shading first put with the ink; the first
    # decided the surface's shape.
    distance, *_ = ink_side_distance(levels, gray, paper, ink_sign)
    paper_mask = distance <= otsu_threshold(distance)
    paper, _ = fit_paper_surface(levels, gray, paper_mask, ink_sign, curved)
    # Shading is looked for only where the paper around the writing can show it: not in a crop
    # that is mostly ink, nor in an image too small to hold a shadow wider than its strokes.
    if paper_mask.mean() < LOCAL_PAPER_SHARE or min(gray.shape) < LOCAL_PAPER_MIN_SIDE:
        return paper
    return shaded(paper, local_paper(levels, ink_sign), ink_sign)


def local_paper(levels, ink_sign):
    """The paper's level around each pixel, from the image alone: each channel closed (dark ink)
    or opened (light ink) by a square window far wider than a stroke, which removes the
    writing and keeps the shading of a hand's or a phone's shadow, then smoothed as widely."""
    window = max(3, int(min(levels.shape[:2]) * LOCAL_PAPER_WINDOW))
    envelope = ndimage.grey_closing if ink_sign > 0 else ndimage.grey_opening
    return np.stack([ndimage.uniform_filter(envelope(levels[..., channel], size=window), size=window)
                     for channel in range(levels.shape[-1])], axis=-1).astype(np.float32)


def shaded(plane, local, ink_sign):
    """The plane, darkened (or lightened, for light ink) where the local paper level says a
    shadow lies, by at most MAX_SHADOW of the light: strokes wider than the local window (a
    tight crop of a thick digit) stay darker than any shadow taken from them."""
    plane = np.broadcast_to(plane, local.shape)
    if ink_sign > 0:
        return np.minimum(plane, np.maximum(local, (1 - MAX_SHADOW) * plane))
    return np.maximum(plane, np.minimum(local, plane + MAX_SHADOW * (255 - plane)))


# ---------------------------------------------------------------- 3. ink

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
    across = without_ruled_lines(ink, height)
    down = without_ruled_lines(Ink(across.strength.T, across.core.T), height)
    return Ink(down.strength.T, down.core.T)


def without_ruled_lines(ink, height=0):
    """The ink with the lines of ruled paper taken out: thin ink running across most of the
    image's width, row by row; a line far longer than the writing's height (height, 0 if not
    known) may be bolder, as a ledger's or a form's printed lines are, for no stroke of a digit
    runs so far. Where a stroke crosses such a line, the stroke keeps its pixels."""
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
    stroke = stroke_width(mask)
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


# ---------------------------------------------------------------- 4. digits

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
    # of the line a speck. Usual: what half of the height, or of the ink, is in pieces above.
    tall = height or max((piece.height for piece in pieces), default=0)
    inks = np.sort([piece.ink for piece in pieces])[::-1]
    usual_ink = inks[np.searchsorted(np.cumsum(inks), inks.sum() / 2)] if len(inks) else 0
    return in_lines([piece for piece in pieces if (
        piece.height >= MIN_HEIGHT_FRACTION * tall and piece.ink >= MIN_INK_FRACTION * usual_ink
        or piece.height >= MIN_LOOP_FRACTION * tall and has_hole(labels, piece))])


def is_cut(top, bottom, left, right, shape):
    """Whether a box reaches the edge of an image of this shape."""
    return top == 0 or left == 0 or bottom == shape[0] or right == shape[1]


def within_the_frame(pieces, shape):
    """The pieces, without those cut by the image's edge when the writing lies inside it: once
    a digit stands clear of the edges, whatever the edge cuts (the page's edge, the table beyond
    it, a shadow in a corner) comes from outside the writing. In a tight crop every digit
    touches an edge, and all are kept."""
    def cut(piece):
        return is_cut(piece.top, piece.bottom, piece.left, piece.right, shape)

    clear = [piece for piece in pieces if not cut(piece)]
    tallest_cut = max((piece.height for piece in pieces if cut(piece)), default=0)
    if not clear or max(piece.height for piece in clear) < CLEAR_DIGIT_SHARE * tallest_cut:
        return pieces
    return clear


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


# ---------------------------------------------------------------- 5. MNIST form

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


# ---------------------------------------------------------------- all steps

@dataclass(frozen=True)
class Look:
    """One look at an image: its ink at the working size, in labelled pieces (and their
    regions), how tall the writing is and which pieces are writing (see writing_height), the
    pieces grouped into digits, and how many full-size pixels a working pixel stands for."""
    ink: Ink
    labels: np.ndarray
    regions: list
    height: int
    writing: np.ndarray
    pieces: list
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
    return Look(ink, labels, regions, height, writing, pieces, size[0] / levels.shape[1],
                size[1] / levels.shape[0])


def read_digits(source, max_pixels=None):
    """Find the digits in an image (a file's path, a binary file object or a Pillow image),
    line by line from the top, each line left to right; return a FoundDigit for each. Images
    over max_pixels are refused."""
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
    for piece in look.pieces:
        rows, columns = slice(piece.top, piece.bottom), slice(piece.left, piece.right)
        own = np.isin(look.labels[rows, columns], piece.labels)
        with contextlib.suppress(ReaderError):  # a piece of a pixel or two vanishes when scaled
            pixels = to_mnist_form(np.where(own, look.ink.strength[rows, columns], 0),
                                   own & look.ink.core[rows, columns])
            box = look.box(piece)
            found.append(FoundDigit(pixels, Box(box.x + offset.x, box.y + offset.y, box.width, box.height),
                                    piece.line))
    if not found:
        raise ReaderError("no digit found: the ink is too small to be a digit")
    return found


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


def expand_paths(paths):
    """Return (file, problem) pairs: files as given, folders as the images inside them, sorted."""
    expanded = []
    for path in paths:
        if path.is_dir():
            images = sorted(child for child in path.iterdir()
                            if child.is_file() and child.suffix.lower() in IMAGE_EXTENSIONS)
            expanded += [(image, None) for image in images] or [(path, "folder has no image files")]
        elif path.exists():
            expanded.append((path, None))
        else:
            expanded.append((path, "no such file or folder"))
    return expanded
