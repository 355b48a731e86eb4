"""Things that are not digits, drawn in the 28x28 form the reader gives digits: letters from fonts,
pen-drawn shapes and scribbles, pieces of digits, blots. The not-a-digit check learns from one
share of them and is measured on another: other fonts, other generator seeds.

No TensorFlow here: numpy, Pillow, SciPy and scikit-image only.

    letters = letter_forms(MEASURING_FONTS, sizes=(48, 96))       # (N, 28, 28) floats in [0, 1]
    shapes = shape_forms(1000, np.random.default_rng(MEASURING_SEED))
    digits, non_digits = not_a_digit_examples(training_images, np.random.default_rng(TRAINING_SEED))
"""

from pathlib import Path

import matplotlib
import numpy as np
from matplotlib.ft2font import FT2Font
from PIL import Image, ImageDraw, ImageFont
from scipy import ndimage
from skimage.morphology import skeletonize

from digits.reading import form

FONT_DIR = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
# Letters unlike any digit (no O, I, l, S, Z, B, G, b, g, q, T, J, L, y, Y: each can pass for a
# digit in somebody's hand).
LETTERS = "ACEFHKMNPRUVWXacehkmnprtuvwx"
# Greek and Cyrillic letters unlike any digit (no slashed-zero phi, backwards-3 epsilon, 7-like
# gamma or tau, 10-like yu, 3-like ze, 4-like che, 6-like be): more shapes of writing that is not
# digits, from the training fonts alone.
OTHER_LETTERS = "αηκλμπρχψωΔΛΠΣΨΩЖЩШЯДЛИжшщядли"
# matplotlib ships these; DejaVu's styles teach the check, STIX's and Computer Modern's measure it.
TRAINING_FONTS = sorted(str(path) for path in FONT_DIR.glob("DejaVu*.ttf"))
MEASURING_FONTS = [str(FONT_DIR / name) for name in (
    "STIXGeneral.ttf", "STIXGeneralBol.ttf", "STIXGeneralItalic.ttf", "STIXGeneralBolIta.ttf",
    "cmr10.ttf", "cmss10.ttf", "cmti10.ttf", "cmtt10.ttf", "cmb10.ttf")]
TRAINING_SEED, MEASURING_SEED = 1900, 7319   # the shapes' generators: one teaches, one measures
SHAPES = ("star", "heart", "arrow", "cross", "spiral", "scribble", "smiley", "triangle", "square",
          "zigzag", "wave", "tick", "hash", "lightning")
CANVAS = 160     # pixels a shape or letter is drawn on before it is put in the digits' form
LETTER_SIZES = (32, 64, 96)  # font sizes of the training letters, in pixels on the canvas
MIN_RESTYLED_INK = 10        # pixels of sure ink a thinned digit must keep, else it stays as it was
MAX_SHEAR = 0.3              # slant of a restyled digit or letter, across per pixel down
PEN_SCALE = 4                # a traced image is enlarged this many times before it is thinned to lines
PEN_WIDTHS = (0.5, 3.5)      # the tracing pen's width, in pixels of the 28x28 form
PEN_EDGES = (0.5, 3.0)       # how far its edge fades, in pixels of the enlarged image: hard to soft
MAX_NIB = 4.0                # how many times wider than high the pen may be: bold type's thick
                             # down strokes and thin cross strokes, as a broad nib gives them


def to_form(ink):
    """A drawing's ink (floats in [0, 1], white on black, any size) in the reader's 28x28 form:
    cropped to the ink, scaled into 20 pixels and centred by mass, as form.to_mnist_form does
    for every piece it finds."""
    ink = ink[form.ink_box(ink)]
    return form.to_mnist_form(ink.astype(np.float32), ink > 0.5)


def letter_forms(fonts, sizes=(64,), letters=LETTERS):
    """Every letter in every font that has it, at every size, in the digits' form: (N, 28, 28)
    floats. A font without the letter would draw its box for a missing letter instead."""
    forms = []
    for font_file in fonts:
        has = FT2Font(font_file).get_char_index
        for size in sizes:
            font = ImageFont.truetype(font_file, size)
            for letter in (letter for letter in letters if has(ord(letter))):
                canvas = Image.new("L", (CANVAS, CANVAS), 0)
                ImageDraw.Draw(canvas).text((CANVAS // 2, CANVAS // 2), letter, font=font, fill=255, anchor="mm")
                ink = np.asarray(canvas, np.float32) / 255
                if ink.any():
                    forms.append(to_form(ink))
    return np.stack(forms)


def shape_points(kind, rng):
    """The pen's path for one shape, as a list of strokes, each an (N, 2) array of x, y in [0, 1]."""
    t = np.linspace(0, 2 * np.pi, 80)
    if kind == "star":
        points = int(rng.integers(5, 8))
        angles = np.linspace(0, 2 * np.pi, 2 * points + 1) + rng.uniform(0, np.pi)
        radii = np.where(np.arange(2 * points + 1) % 2 == 0, 0.45, rng.uniform(0.15, 0.25))
        return [np.stack([0.5 + radii * np.cos(angles), 0.5 + radii * np.sin(angles)], axis=1)]
    if kind == "heart":
        x, y = 16 * np.sin(t) ** 3, -(13 * np.cos(t) - 5 * np.cos(2 * t) - 2 * np.cos(3 * t) - np.cos(4 * t))
        return [np.stack([0.5 + x / 40, 0.5 + y / 40], axis=1)]
    if kind == "arrow":
        tip = rng.uniform(0.15, 0.25)
        return [np.array([[0.1, 0.5], [0.9, 0.5]]), np.array([[0.9 - tip, 0.5 - tip], [0.9, 0.5], [0.9 - tip, 0.5 + tip]])]
    if kind == "cross":
        if rng.random() < 0.5:
            return [np.array([[0.15, 0.15], [0.85, 0.85]]), np.array([[0.85, 0.15], [0.15, 0.85]])]
        return [np.array([[0.5, 0.1], [0.5, 0.9]]), np.array([[0.1, 0.5], [0.9, 0.5]])]
    if kind == "spiral":
        turns = np.linspace(0, rng.uniform(3, 5) * np.pi, 120)
        radius = 0.45 * turns / turns[-1]
        return [np.stack([0.5 + radius * np.cos(turns), 0.5 + radius * np.sin(turns)], axis=1)]
    if kind == "scribble":
        steps = rng.normal(0, 0.12, (int(rng.integers(8, 20)), 2))
        return [np.clip(0.5 + np.cumsum(steps, axis=0) * 0.6, 0.05, 0.95)]
    if kind == "smiley":
        face = np.stack([0.5 + 0.42 * np.cos(t), 0.5 + 0.42 * np.sin(t)], axis=1)
        mouth = np.stack([0.5 + 0.22 * np.cos(t[5:35]), 0.55 + 0.18 * np.sin(t[5:35])], axis=1)
        eyes = [np.array([[x, 0.35], [x, 0.42]]) for x in (0.36, 0.64)]
        return [face, mouth, *eyes]
    if kind == "triangle":
        return [np.array([[0.5, 0.1], [0.9, 0.85], [0.1, 0.85], [0.5, 0.1]])]
    if kind == "square":
        return [np.array([[0.15, 0.15], [0.85, 0.15], [0.85, 0.85], [0.15, 0.85], [0.15, 0.15]])]
    if kind == "zigzag":
        count = int(rng.integers(3, 7))
        x = np.linspace(0.05, 0.95, count + 1)
        return [np.stack([x, np.where(np.arange(count + 1) % 2, 0.3, 0.7)], axis=1)]
    if kind == "wave":
        x = np.linspace(0.05, 0.95, 80)
        return [np.stack([x, 0.5 + 0.2 * np.sin(x * rng.uniform(2, 4) * 2 * np.pi)], axis=1)]
    if kind == "tick":
        return [np.array([[0.1, 0.55], [0.35, 0.85], [0.9, 0.15]])]
    if kind == "hash":
        return [np.array([[0.35, 0.1], [0.3, 0.9]]), np.array([[0.7, 0.1], [0.65, 0.9]]),
                np.array([[0.1, 0.35], [0.9, 0.35]]), np.array([[0.1, 0.65], [0.9, 0.65]])]
    if kind == "lightning":
        return [np.array([[0.6, 0.05], [0.3, 0.5], [0.65, 0.5], [0.35, 0.95]])]
    raise ValueError(f"no such shape: {kind}")


def shape_forms(count, rng, kinds=SHAPES):
    """count pen-drawn shapes and scribbles, each of a kind drawn at random, with a wobbling hand,
    a random turn, stretch and pen width, in the digits' form: (count, 28, 28) floats."""
    forms = []
    for _ in range(count):
        kind = kinds[int(rng.integers(len(kinds)))]
        canvas = Image.new("L", (CANVAS, CANVAS), 0)
        draw = ImageDraw.Draw(canvas)
        angle = rng.uniform(-0.4, 0.4)
        turn = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
        stretch = np.array([rng.uniform(0.7, 1.2), rng.uniform(0.7, 1.2)])
        width = int(rng.integers(3, 14))
        for stroke in shape_points(kind, rng):
            wobble = rng.normal(0, 0.012, stroke.shape)
            path = ((stroke - 0.5 + wobble) * stretch) @ turn.T + 0.5
            draw.line([tuple(point) for point in path * CANVAS], fill=255, width=width, joint="curve")
        ink = np.asarray(canvas, np.float32) / 255
        if ink.any():
            forms.append(to_form(ink))
    return np.stack(forms)


def partial_digits(images, rng):
    """Pieces of digits: each digit (28x28 floats) cut to a random half or corner and put back in
    the digits' form, the way a smudge or a stroke alone looks to the reader."""
    forms = []
    for image in images:
        cut = image.copy()
        side = int(rng.integers(4))
        middle = int(rng.integers(10, 18))
        if side == 0:
            cut[:middle] = 0
        elif side == 1:
            cut[middle:] = 0
        elif side == 2:
            cut[:, :middle] = 0
        else:
            cut[:, middle:] = 0
        if cut.max() > 0.5:
            forms.append(to_form(cut))
    return np.stack(forms)


def blots(count, rng):
    """Ink blots and smudges: filled blobs of random outline, in the digits' form."""
    forms = []
    for _ in range(count):
        angles = np.linspace(0, 2 * np.pi, 12, endpoint=False)
        radii = rng.uniform(0.2, 0.45, 12)
        outline = [(CANVAS * (0.5 + r * np.cos(a)), CANVAS * (0.5 + r * np.sin(a))) for r, a in zip(radii, angles)]
        canvas = Image.new("L", (CANVAS, CANVAS), 0)
        ImageDraw.Draw(canvas).polygon(outline, fill=255)
        forms.append(to_form(np.asarray(canvas, np.float32) / 255))
    return np.stack(forms)


def restyled(images, rng):
    """The images (28x28 floats) written with another hand: slanted by a random shear, their
    strokes made thicker or thinner at random, and put back in the digits' form."""
    forms = []
    for image in images:
        shear = rng.uniform(-MAX_SHEAR, MAX_SHEAR)
        # Each output row reads from a row-dependent shift across: a slant about the middle row.
        image = ndimage.affine_transform(image, [[1, 0], [shear, 1]], offset=[0, -shear * image.shape[0] / 2],
                                         order=1)
        draw = rng.random()
        if draw < 0.3:
            image = ndimage.grey_dilation(image, size=(2, 2))
        elif draw < 0.5:
            thinner = ndimage.grey_erosion(image, size=(2, 2))
            image = thinner if (thinner > 0.5).sum() >= MIN_RESTYLED_INK else image
        if (image > 0.5).any():
            forms.append(to_form(image))
    return np.stack(forms)


def penned(images, rng):
    """The images (28x28 floats) traced again along their strokes' middle lines with a pen of a
    random width, round or as much as MAX_NIB times wider than high, its edge hard or soft as a
    mouse, a felt pen or a font gives it, and put back in the digits' form."""
    forms = []
    for image in images:
        lines = skeletonize(ndimage.zoom(image, PEN_SCALE, order=1) > 0.5)
        if not lines.any():
            continue
        radius = rng.uniform(*PEN_WIDTHS) * PEN_SCALE / 2
        edge = rng.uniform(*PEN_EDGES)
        # Distances across count less than distances down: the pen reaches further sideways.
        nib = np.sqrt(np.exp(rng.uniform(0, np.log(MAX_NIB))))
        distance = ndimage.distance_transform_edt(~lines, sampling=(nib, 1 / nib))
        forms.append(to_form(np.clip((radius - distance) / edge + 0.5, 0, 1)))
    return np.stack(forms)


def not_a_digit_examples(digit_images, rng, letters=True):
    """What the not-a-digit check learns from: (digits, non-digits), each (N, 28, 28) floats. The
    digits are the given digits as they are, restyled and penned; the non-digits are shapes from
    rng, pieces of the digits, blots and (unless letters is false) letters in the training fonts,
    as typed, restyled and penned. Pen-drawn strokes are on both sides, so that the way a stroke
    was made says nothing of what it is."""
    traced = penned(digit_images, rng)
    digits = np.concatenate([digit_images, restyled(digit_images, rng), traced])
    written = np.concatenate([digit_images, traced])
    some = written[rng.permutation(len(written))[:len(digit_images) * 3 // 8]]
    made = [shape_forms(len(digit_images) * 3 // 4, rng), partial_digits(some, rng),
            blots(len(digit_images) // 13, rng)]
    if letters:
        typed = letter_forms(TRAINING_FONTS, sizes=LETTER_SIZES, letters=LETTERS + OTHER_LETTERS)
        made += [typed, restyled(typed, rng), penned(typed, rng)]
    return digits, np.concatenate(made)
