"""Images unlike the dataset, made from committed test-split digits: what people really feed --predict.

Each maker takes a 28x28 MNIST digit (uint8, white ink on black) and a numpy random generator,
and returns a Pillow image of the same digit as a person might photograph, crop, draw or scan
it. `typed_digit` renders a digit in a font instead, `number_image` puts several digits side
by side, and `on_ruled_paper` draws a notebook's lines across an image. `reading_accuracies`
reads every set with a model: tests/test_reading.py checks the figures for the default model,
benchmarks/reading_sets.py prints them for any models side by side.
"""

import collections
import functools
import io
import multiprocessing
import os
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont
from scipy import ndimage

from digits import errors
from digits.constants import DEFAULT_DATA_DIR, PROJECT_DIR
from digits.evaluation.not_a_digit_images import FONT_DIR, TRAINING_FONTS
from digits.reading import reader, readings
from digits.reading.form import ink_box

# The twelve DejaVu text styles that ship with matplotlib.
FONTS = [str(FONT_DIR / f"DejaVu{family}{style}.ttf") for family, styles in (
    ("Sans", ("", "-Bold", "-Oblique", "-BoldOblique")),
    ("SansMono", ("", "-Bold", "-Oblique", "-BoldOblique")),
    ("Serif", ("", "-Bold", "-Italic", "-BoldItalic"))) for style in styles]
TYPED_SIZES = (16, 32, 96)     # font sizes in pixels
# Handwriting-style fonts Debian packages (fonts-dkg-handwriting, fonts-breip, fonts-bwht,
# fonts-femkeklaver, fonts-humor-sans, fonts-comic-neue, fonts-dancingscript,
# fonts-kaushanscript, fonts-ecolier-court): digits unlike MNIST's, for measuring only.
HANDWRITING_FONT_DIRS = ["/usr/share/fonts/truetype/fifthhorseman", "/usr/share/fonts/truetype/breip",
                         "/usr/share/fonts/opentype/bwht", "/usr/share/fonts/truetype/femkeklaver",
                         "/usr/share/fonts/truetype/humor-sans", "/usr/share/fonts/opentype/comic-neue",
                         "/usr/share/fonts/opentype/dancingscript", "/usr/share/fonts/opentype/kaushanscript",
                         "/usr/share/fonts/truetype/ecolier-court"]
HANDWRITING_SIZES = (32, 64)
OUTLINE_FONTS = ("femkeklaver.ttf",)   # hollow letters: no pen writes them, so not measured
HANDWRITING_SET = "typed in Debian's handwriting fonts (measuring only)"
# Realistic (ink, paper) colour pairs: pens on coloured notes, chalk on a board, marker on card.
COLOUR_PAIRS = [((20, 40, 160), (255, 250, 205)), ((180, 20, 30), (235, 245, 255)),
                ((10, 110, 40), (255, 228, 235)), ((30, 30, 30), (255, 214, 120)),
                ((240, 240, 230), (40, 70, 50)), ((90, 20, 140), (220, 240, 220))]
RULED_LINE_COLOUR = np.array([150, 180, 230], np.uint8)  # the light blue of a school notebook
SQUARED_LINE_COLOUR = np.array([60, 80, 120], np.uint8)    # a squared pad's dark grid
STAR = PROJECT_DIR / "docs" / "examples" / "star.png"   # pen-drawn (docs/examples/make_examples.py)


def enlarge(pixels, scale):
    """The digit's ink coverage, enlarged smoothly, as floats in [0, 1]."""
    image = Image.fromarray(pixels).resize((pixels.shape[1] * scale, pixels.shape[0] * scale),
                                           Image.Resampling.BICUBIC)
    return np.asarray(image, dtype=np.float32) / 255


def on_paper(coverage, ink, paper, rng, grain=6.0):
    """Ink coverage laid on paper of the given colours, with a little grain; an RGB image."""
    ink, paper = np.asarray(ink, np.float32), np.asarray(paper, np.float32)
    colour = paper + coverage[..., None] * (ink - paper)
    colour += rng.normal(0, grain, colour.shape)
    return Image.fromarray(np.clip(colour, 0, 255).astype(np.uint8))


def plain(pixels, rng):
    """The test digit as it is."""
    return Image.fromarray(pixels)


def cropped_to_ink(pixels, rng):
    """Dark ink on light paper, enlarged 3-10 times and cropped so the ink touches every edge."""
    coverage = enlarge(pixels[ink_box(pixels)], int(rng.integers(3, 11)))
    rows, columns = ink_box(coverage > 0.5)
    return on_paper(coverage[rows, columns], (30, 30, 35), (225, 225, 220), rng).convert("L")


def thin_strokes(mask):
    """Zhang and Suen's thinning: reduce a binary drawing to lines one pixel wide."""
    skeleton = np.pad(mask.astype(bool), 1)
    while True:
        changed = False
        for step in (0, 1):
            p = skeleton
            n = [np.roll(np.roll(p, dy, 0), dx, 1) for dy, dx in
                 ((1, 0), (1, -1), (0, -1), (-1, -1), (-1, 0), (-1, 1), (0, 1), (1, 1))]
            # n[0] is the pixel above (P2), then clockwise P3..P9.
            neighbours = sum(k.astype(int) for k in n)
            transitions = sum((~n[k] & n[(k + 1) % 8]).astype(int) for k in range(8))
            if step == 0:
                far = ~(n[0] & n[2] & n[4]) & ~(n[2] & n[4] & n[6])
            else:
                far = ~(n[0] & n[2] & n[6]) & ~(n[0] & n[4] & n[6])
            remove = p & (neighbours >= 2) & (neighbours <= 6) & (transitions == 1) & far
            if remove.any():
                skeleton = p & ~remove
                changed = True
        if not changed:
            return skeleton[1:-1, 1:-1]


def pen_strokes(pixels, scale=4):
    """The strokes a pen would draw to write the 28x28 digit: its ink enlarged scale times and
    thinned to lines, each line walked from one end; lists of (row, column) in MNIST pixels."""
    left = set(zip(*np.nonzero(thin_strokes(enlarge(pixels, scale) > 0.5))))

    def neighbours(point):
        return [(point[0] + down, point[1] + across) for down in (-1, 0, 1) for across in (-1, 0, 1)
                if (down or across) and (point[0] + down, point[1] + across) in left]

    strokes = []
    while left:
        # Start at the end of a line where there is one (a loop, such as a 0's, has none).
        stroke = [min(left, key=lambda point: (len(neighbours(point)) != 1, point))]
        left.discard(stroke[0])
        while following := neighbours(stroke[-1]):
            # Side by side before diagonal, so that the walk does not skip a pixel of the line.
            stroke.append(min(following, key=lambda point: abs(point[0] - stroke[-1][0])
                              + abs(point[1] - stroke[-1][1])))
            left.discard(stroke[-1])
        strokes.append([(row / scale, column / scale) for row, column in stroke])
    return strokes


@functools.lru_cache(maxsize=2048)
def pen_path(pixel_bytes):
    """Where a pen would go to draw the 28x28 digit, as (row, column) points on a 280 px canvas:
    every point of its strokes. Cached: the thick and the thin pen share it."""
    pixels = np.frombuffer(pixel_bytes, dtype=np.uint8).reshape(28, 28)
    points = np.concatenate([np.asarray(stroke) for stroke in pen_strokes(pixels)]) * 10
    return points[:, 0], points[:, 1]


def drawn(pen_width):
    """A maker: the digit traced with a round pen of pen_width px on a 280 px canvas, black on
    white with hard edges, as a mouse or finger drawing is."""
    def draw(pixels, rng):
        canvas = Image.new("L", (280, 280), 255)
        pen = ImageDraw.Draw(canvas)
        radius = pen_width / 2
        for y, x in zip(*pen_path(np.ascontiguousarray(pixels, dtype=np.uint8).tobytes())):
            pen.ellipse((x - radius, y - radius, x + radius, y + radius), fill=0)
        return canvas
    return draw


def uneven_light(pixels, rng):
    """A photo of the digit on white paper, one side lit and the other in shadow, saved as JPEG."""
    coverage = enlarge(pixels, int(rng.integers(4, 9)))
    height, width = coverage.shape[0] + 80, coverage.shape[1] + 80
    page = np.zeros((height, width), np.float32)
    page[40:40 + coverage.shape[0], 40:40 + coverage.shape[1]] = coverage
    reflectance = 0.92 - 0.82 * page  # paper reflects 92%, ink 10%
    angle = rng.uniform(0, 2 * np.pi)
    rows, columns = np.mgrid[:height, :width]
    across = (np.cos(angle) * (columns / width - 0.5) + np.sin(angle) * (rows / height - 0.5))
    light = 255 * (0.65 + 0.7 * across)  # the dark side gets a quarter of the bright side's light
    photo = reflectance * np.clip(light, 40, 255) + rng.normal(0, 5, page.shape)
    return Image.fromarray(np.clip(photo, 0, 255).astype(np.uint8))


def coloured(pixels, rng):
    """Coloured ink on coloured paper, enlarged, with margins."""
    ink, paper = COLOUR_PAIRS[int(rng.integers(len(COLOUR_PAIRS)))]
    coverage = np.pad(enlarge(pixels, int(rng.integers(3, 8))), int(rng.integers(5, 60)))
    return on_paper(coverage, ink, paper, rng)


def low_resolution(pixels, rng):
    """A small, soft scan: the digit about a dozen pixels high, dark on light, in a 16x16 image."""
    small = Image.fromarray(255 - pixels).resize((16, 16), Image.Resampling.BILINEAR)
    return Image.fromarray(np.clip(np.asarray(small, np.float32) * 0.8 + 40, 0, 255).astype(np.uint8))


def small_on_a_page(pixels, rng):
    """A photo of a page, 640x480, with the digit written small somewhere on it (about a tenth of
    the page's height), saved as JPEG."""
    page = np.zeros((480, 640), np.float32)
    digit = enlarge(pixels, 2)
    top, left = int(rng.integers(0, 480 - digit.shape[0])), int(rng.integers(0, 640 - digit.shape[1]))
    page[top:top + digit.shape[0], left:left + digit.shape[1]] = digit
    return on_paper(page, (30, 30, 35), (225, 225, 220), rng).convert("L")


def handwriting_fonts():
    """The Debian handwriting fonts installed here (paths)."""
    return sorted(str(path) for folder in HANDWRITING_FONT_DIRS for path in Path(folder).glob("*.[ot]tf"))


def typed_keys(fonts=FONTS, sizes=TYPED_SIZES):
    """(digit, font, size) for every digit typed in every font (paths) at every size (pixels)."""
    return [(digit, font, size) for font in fonts for size in sizes for digit in range(10)]


def typed_digit(digit, font_file, size):
    """The digit typed in a font (its file's path) at size px, black on white, with a margin."""
    font = ImageFont.truetype(font_file, size)
    canvas = Image.new("L", (size * 2, size * 2), 255)
    ImageDraw.Draw(canvas).text((size // 2, size // 4), str(digit), font=font, fill=0)
    return canvas


def number_image(digit_pixels, rng):
    """Several digits side by side with gaps, dark ink on white paper, enlarged 2-5 times."""
    scale = int(rng.integers(2, 6))
    parts = [enlarge(pixels[ink_box(pixels)], scale) for pixels in digit_pixels]
    height = max(part.shape[0] for part in parts)
    margin = 10 * scale
    row = [np.zeros((height, margin), np.float32)]
    for part in parts:
        top = (height - part.shape[0]) // 2
        padded = np.zeros((height, part.shape[1]), np.float32)
        padded[top:top + part.shape[0]] = part
        row += [padded, np.zeros((height, int(rng.integers(3, 9)) * scale), np.float32)]
    row[-1] = np.zeros((height, margin), np.float32)
    coverage = np.pad(np.concatenate(row, axis=1), ((margin, margin), (0, 0)))
    return on_paper(coverage, (25, 25, 30), (240, 238, 232), rng).convert("L")


def touching_number_image(digit_pixels, rng):
    """Several digits side by side whose neighbouring strokes touch or overlap a little, as most
    people write a number, dark ink on white paper, enlarged 2-5 times."""
    scale = int(rng.integers(2, 6))
    parts = [enlarge(pixels[ink_box(pixels)], scale) for pixels in digit_pixels]
    height, margin = max(part.shape[0] for part in parts), 10 * scale
    lefts, left = [], margin
    for part in parts:
        lefts.append(left)
        left += part.shape[1] - int(rng.integers(0, 3)) * scale  # overlap by 0-2 pixels of the digit
    coverage = np.zeros((height + 2 * margin, left + margin), np.float32)
    for part, left in zip(parts, lefts):
        top = margin + (height - part.shape[0]) // 2
        region = coverage[top:top + part.shape[0], left:left + part.shape[1]]
        np.maximum(region, part, out=region)
    return on_paper(coverage, (25, 25, 30), (240, 238, 232), rng).convert("L")


def cropped_to_its_ink(image):
    """An image of dark writing on light paper cropped to its ink, as a user crops a number."""
    pixels = np.asarray(image.convert("L"))
    rows, columns = ink_box(pixels < 128)
    return image.crop((columns.start, rows.start, columns.stop, rows.stop))


def in_a_cell(image, rng):
    """The number cropped from a table's cell: its ink, a few pixels of paper and the cell's
    dark borders around it."""
    pixels = np.asarray(cropped_to_its_ink(image).convert("L")).copy()
    pad = int(rng.integers(3, 9))
    pixels = np.pad(pixels, pad, constant_values=int(np.median(pixels)))
    border = int(rng.integers(1, 3))
    pixels[:border], pixels[-border:], pixels[:, :border], pixels[:, -border:] = 60, 60, 60, 60
    return Image.fromarray(pixels)


def on_ruled_paper(image, rng):
    """The image as if written on ruled paper: light blue lines across it, 25 to 60 pixels apart."""
    pixels = np.asarray(image.convert("RGB"), dtype=np.uint8).copy()
    spacing = int(rng.integers(25, 61))
    for top in range(int(rng.integers(0, spacing)), pixels.shape[0], spacing):
        pixels[top:top + 2] = np.minimum(pixels[top:top + 2], RULED_LINE_COLOUR)
    return Image.fromarray(pixels)


def on_squared_paper(image, rng):
    """The image as if written on squared paper: dark lines both ways, 20 to 40 pixels apart."""
    pixels = np.asarray(image.convert("RGB"), dtype=np.uint8).copy()
    spacing = int(rng.integers(20, 41))
    for start in range(int(rng.integers(0, spacing)), max(pixels.shape[:2]), spacing):
        pixels[start:start + 1] = np.minimum(pixels[start:start + 1], SQUARED_LINE_COLOUR)
        pixels[:, start:start + 1] = np.minimum(pixels[:, start:start + 1], SQUARED_LINE_COLOUR)
    return Image.fromarray(pixels)


SINGLE_DIGIT_SETS = {
    "plain 28x28": plain,
    "cropped to the ink": cropped_to_ink,
    "drawn, thick pen": drawn(22),
    "drawn, thin pen": drawn(4),
    "uneven light (JPEG)": uneven_light,
    "coloured ink and paper": coloured,
    "low resolution (16x16)": low_resolution,
    "small on a page (640x480 JPEG)": small_on_a_page,
}


PER_DIGIT = 50                 # test digits of each class in every single-digit set
NUMBERS = 100
NUMBER_LENGTHS = (2, 5)        # 2 to 4 digits
TYPED_SET = "typed (DejaVu, 12 styles x 3 sizes)"
NUMBERS_SET = "numbers of 2-4 digits (read exactly)"
RULED_SET = "the same numbers on ruled paper"


def committed_test_digits(per_digit, data_dir=DEFAULT_DATA_DIR):
    """The first per_digit images of each digit in the committed test split: (pixels, digit) pairs."""
    return committed_digits("test", per_digit, data_dir)


def committed_digits(split, per_digit=None, data_dir=DEFAULT_DATA_DIR):
    """The first per_digit images (None: all) of each digit in a committed split, in the order the
    training loader reads them: (pixels, digit) pairs."""
    pairs = []
    for digit in range(10):
        for path in sorted((Path(data_dir) / split / str(digit)).glob("*.png"))[:per_digit]:
            with Image.open(path) as image:
                pairs.append((np.asarray(image), digit))
    return pairs


def whole_test_split(data_dir=DEFAULT_DATA_DIR):
    """Every committed test image (100 of each digit) as the models take it, (N, 28, 28) float32
    in [0, 1], and the digit of each."""
    pairs = committed_test_digits(100, data_dir)
    return (np.stack([pixels for pixels, _ in pairs]).astype(np.float32) / 255,
            np.array([digit for _, digit in pairs]))


def nth_test_digit(digit, index=0):
    """The committed test split's image of the digit at this place (0 for the first), as pixels."""
    return [pixels for pixels, truth in committed_test_digits(index + 1) if truth == digit][index]


def digits_around_a_letter():
    """A 2, a typed K and a 4 side by side, dark on white: a number with a piece that is no
    digit (the 2 and the 4 are committed test digits, six times their size)."""
    canvas = Image.new("L", (600, 200), 255)
    for digit, left in ((2, 20), (4, 400)):
        canvas.paste(Image.fromarray(255 - np.kron(nth_test_digit(digit), np.ones((6, 6), np.uint8))), (left, 20))
    ImageDraw.Draw(canvas).text((220, 20), "K", font=ImageFont.truetype(TRAINING_FONTS[0], 150), fill=0)
    return canvas


def hairline_among_bold_digits(index=0):
    """"2 1 5 8" with a bold marker but for the 1, a hairline: the 2, 5 and 8 are committed test
    digits (the index-th of each) four times their size and thickened; dark on white paper. The
    1 has a small share of the others' ink, as a speck has."""
    bold = [ndimage.grey_dilation(enlarge(pixels[ink_box(pixels)], 4), size=(5, 5))
            for pixels in (nth_test_digit(digit, index) for digit in (2, 5, 8))]
    height = max(part.shape[0] for part in bold)
    canvas = Image.new("L", (sum(part.shape[1] for part in bold) + 240, height + 80))
    left = 40
    for place, part in enumerate(bold):
        canvas.paste(Image.fromarray(np.round(part * 255).astype(np.uint8)), (left, 40))
        left += part.shape[1] + 40
        if place == 0:
            ImageDraw.Draw(canvas).line([(left + 5, 45), (left, 35 + height)], fill=255, width=3)
            left += 40
    return on_paper(np.asarray(canvas, np.float32) / 255, (25, 25, 30), (240, 238, 232),
                    np.random.default_rng(index))


def sure_digit_shares(model, forms):
    """Share of the (N, 28, 28) forms the model reads as a sure digit: with its not-a-digit check
    (neither refused nor unsure), and with the unsure threshold alone."""
    sure = model.probabilities(forms).max(axis=1) >= readings.UNSURE_BELOW
    refused = model.not_a_digit.refuses(forms) if model.not_a_digit else np.zeros(len(forms), dtype=bool)
    return float(np.mean(sure & ~refused)), float(np.mean(sure))


def encoded(image, image_format):
    """The image as the bytes of a user's file in that format."""
    buffer = io.BytesIO()
    image.save(buffer, image_format)
    return buffer.getvalue()


def found_in(file_bytes):
    """The digits the reader finds in an image file's bytes; none where it finds no digit."""
    try:
        return reader.read_digits(io.BytesIO(file_bytes))
    except errors.ReaderError:
        return []


def text_read(model, found):
    """The digits the model reads in what the reader found, the lines run together; '' if none."""
    return readings.text_of(readings.read_found(model, found), between_lines="") if found else ""


def read_text(model, image, image_format):
    """Save the image as a user's file would be, read it; the digits read, or '' if none."""
    return text_read(model, found_in(encoded(image, image_format)))


def texts_read(model, files, pool):
    """What the model reads in each image file's bytes, the reader's part spread over the pool."""
    return [text_read(model, found) for found in pool.imap(found_in, files, chunksize=8)]


def set_files(name, pixels, seed):
    """The image files (bytes, made lazily) of the single-digit reading set of this name, from
    28x28 uint8 digits, each drawn from a random stream started at seed; JPEG for the sets named
    so, PNG for the others."""
    make, rng = SINGLE_DIGIT_SETS[name], np.random.default_rng(seed)
    image_format = "JPEG" if "JPEG" in name else "PNG"
    return (encoded(make(digit, rng), image_format) for digit in pixels)


def found_in_set(name, pixels, seed):
    """What the reader finds in each image of the single-digit reading set of this name, made
    as set_files makes them: a list of found digits per image."""
    return [found_in(file_bytes) for file_bytes in set_files(name, pixels, seed)]


def found_in_sets(pixels, seed, pool):
    """found_in_set for every single-digit reading set, {name: lists}, each set made and read by
    one process of the pool: a set's images come from one random stream, and making them takes
    as long as reading them."""
    # The page and the coloured sets take longest to make: first, so that the processes finish together.
    slowest_first = sorted(SINGLE_DIGIT_SETS, key=lambda name: ("page" not in name, "colour" not in name))
    jobs = {name: pool.apply_async(found_in_set, (name, pixels, seed)) for name in slowest_first}
    return {name: jobs[name].get() for name in SINGLE_DIGIT_SETS}


def reading_accuracies(model, digits=None, singles=None):
    """Each set's share of images the model reads exactly right, and the typed digits it misread
    (a Counter of (digit, text read)). The sets are made from digits, (pixels, digit) pairs of
    28x28 uint8 MNIST digits: the committed test split's first PER_DIGIT of each, if None; the
    single-digit sets from singles instead, if given (fewer images to make and read).

    The images are made in the order of fixed random streams and read by a process per core
    (spawned: this process may hold TensorFlow, which a fork would copy mid-thread)."""
    digits = committed_test_digits(PER_DIGIT) if digits is None else digits
    singles = digits if singles is None else singles
    results = {}
    with multiprocessing.get_context("spawn").Pool(os.cpu_count()) as pool:
        found = found_in_sets([pixels for pixels, _ in singles], 0, pool)
        for name, found_per_image in found.items():
            texts = [text_read(model, image_found) for image_found in found_per_image]
            results[name] = np.mean([text == str(digit) for text, (_, digit) in zip(texts, singles)])
        typed = typed_keys()
        typed_texts = texts_read(model, (encoded(typed_digit(*key), "PNG") for key in typed), pool)
        results[TYPED_SET] = np.mean([text == str(digit) for text, (digit, *_) in zip(typed_texts, typed)])
        rng = np.random.default_rng(0)
        numbers, files = [], []
        for _ in range(NUMBERS):
            chosen = [digits[index] for index in rng.integers(len(digits), size=rng.integers(*NUMBER_LENGTHS))]
            image = number_image([pixels for pixels, _ in chosen], rng)
            numbers.append("".join(str(digit) for _, digit in chosen))
            files += [encoded(image, "PNG"), encoded(on_ruled_paper(image, rng), "PNG")]
        texts = texts_read(model, files, pool)
    results[NUMBERS_SET] = np.mean([text == number for text, number in zip(texts[0::2], numbers)])
    results[RULED_SET] = np.mean([text == number for text, number in zip(texts[1::2], numbers)])
    misread = collections.Counter((digit, text or "nothing")
                                  for text, (digit, *_) in zip(typed_texts, typed) if text != str(digit))
    return results, misread


def handwriting_accuracy(model):
    """The share of digits typed in the installed handwriting fonts (outline fonts left out) at
    HANDWRITING_SIZES that the model reads right, and how many there were; (None, 0) without them."""
    fonts = [font for font in handwriting_fonts() if Path(font).name not in OUTLINE_FONTS]
    typed = typed_keys(fonts, HANDWRITING_SIZES)
    if not typed:
        return None, 0
    with multiprocessing.get_context("spawn").Pool(os.cpu_count()) as pool:
        texts = texts_read(model, (encoded(typed_digit(*key), "PNG") for key in typed), pool)
    return float(np.mean([text == str(digit) for text, (digit, *_) in zip(texts, typed)])), len(typed)


def table_lines(columns, first_header=None, per_digit=PER_DIGIT):
    """A Markdown table of reading_accuracies results, a column per {label: results}, as lines;
    the first column's header says how many images each set had (per_digit of each digit)."""
    first_header = first_header or (f"set ({per_digit * 10} test digits each; typed: "
                                    f"{len(typed_keys())}; numbers: {NUMBERS})")
    return [f"| {first_header} | " + " | ".join(columns) + " |", "|---|" + "---|" * len(columns),
            *(f"| {name} | " + " | ".join(f"{results[name]:.3f}" for results in columns.values()) + " |"
              for name in next(iter(columns.values())))]


def print_table(columns, first_header=None, per_digit=PER_DIGIT):
    """Print table_lines' table after a blank line."""
    print("\n" + "\n".join(table_lines(columns, first_header, per_digit)))
