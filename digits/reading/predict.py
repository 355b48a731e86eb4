"""The --predict command: read the digits in each image, print a line (or a JSON object) per
image, and on request write an annotated copy of each image and each digit's 28x28 input.

Output names say which image they came from: photo.jpg gives photo.jpg.png (annotated) and
photo.jpg-digit1.png, photo.jpg-digit2.png, ... (inputs, left to right). A second input with
the same file name, from another folder, is numbered: photo-2.jpg.png.
"""

import json
import sys
import time

import numpy as np
from PIL import Image, ImageDraw, ImageFont, ImageOps

from digits import errors
from digits.publishing import prepare_output_dir, write_atomically
from digits.reading import decode, readings

PROGRESS_AFTER = 2.0   # seconds of reading after which a terminal shows how far it has got
SURE_COLOUR = (220, 30, 30)
UNSURE_COLOUR = (230, 140, 0)
NOT_A_DIGIT_COLOUR = (110, 110, 110)  # as the page draws them (static/app.js)


def output_name(path, used_names):
    """The input's file name, numbered if another input already had it."""
    name, copy = path.name, 1
    while name in used_names:
        copy += 1
        name = f"{path.stem}-{copy}{path.suffix}"
    used_names.add(name)
    return name


def label_position(box, font_size, line, image_height):
    """Where a digit's label goes, and its anchor: above the box where there is room, else below
    it, else inside its top corner (a digit as tall as the image)."""
    if box.y - line >= font_size:
        return (box.x, box.y - line), "lb"
    if box.y + box.height + line + font_size <= image_height:
        return (box.x, box.y + box.height + line), "lt"
    return (box.x + 2 * line, box.y + 2 * line), "lt"


def annotated_copy(path, digits):
    """The upright image at full size with a box around each digit found and the digit read
    beside it (orange and with a ? when unsure; a ? alone, in grey, for what is not a digit)."""
    image, _ = decode.open_image(path, shorter_side=None)  # the boxes are in full-size pixels
    image = ImageOps.exif_transpose(image).convert("RGB")
    draw = ImageDraw.Draw(image)
    line = max(2, round(max(image.size) / 250))
    for digit in digits:
        box = digit.box
        colour = NOT_A_DIGIT_COLOUR if digit.unread else UNSURE_COLOUR if digit.unsure else SURE_COLOUR
        draw.rectangle((box.x, box.y, box.x + box.width - 1, box.y + box.height - 1), outline=colour,
                       width=line)
        # A third of the digit's height, but no larger than a fifteenth of the image, so that
        # the label of a tall digit still fits beside it rather than over its ink.
        font_size = max(12, min(round(box.height * 0.35), round(max(image.size) / 15)))
        position, anchor = label_position(box, font_size, line, image.height)
        draw.text(position, f"{digit.digit}?" if digit.unsure else digit.symbol, fill=colour,
                  font=ImageFont.load_default(size=font_size), anchor=anchor,
                  stroke_width=max(1, line // 2), stroke_fill="white")
    return image


def save_png(image, path):
    """Write a Pillow image as a PNG, atomically."""
    write_atomically(path, lambda temporary: image.save(temporary, format="PNG"))


def save_inputs(digits, folder, name):
    """Write each digit's 28x28 input, named after its image and its place from the left."""
    for position, digit in enumerate(digits, start=1):
        pixels = Image.fromarray(np.round(digit.pixels * 255).astype(np.uint8), mode="L")
        save_png(pixels, folder / f"{name}-digit{position}.png")


def read_one(model, path, problem):
    """An image's digits, or the reason it could not be read (a string)."""
    try:
        if problem:
            raise errors.ReaderError(problem)
        return readings.read_image(model, path)
    except Exception as error:  # one image's failure is its own line; the others are still read
        return (str(error) if isinstance(error, errors.ReaderError) else
                f"could not read this image ({type(error).__name__}: {error})")


class Progress:
    """How many images have been read, on one line of a terminal's stderr, shown once reading
    has taken PROGRESS_AFTER seconds; cleared before each line of output."""

    def __init__(self, total, stream=sys.stderr):
        self.total, self.stream, self.shown = total, stream, False
        self.started = time.monotonic()
        self.live = stream.isatty()

    def clear(self):
        if self.shown:
            self.stream.write("\r\033[K")
            self.shown = False

    def show(self, done):
        if self.live and done < self.total and time.monotonic() - self.started >= PROGRESS_AFTER:
            width = 30
            filled = width * done // self.total
            self.stream.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done:,} of {self.total:,} images")
            self.stream.flush()
            self.shown = True


def predict_images(model, paths, as_json=False, annotate=None, save_preprocessed=None):
    """Read the digits in each image (folders: every image inside) and print one line per image;
    return the exit status: 1 if any image could not be read, else 0."""
    status, used_names = 0, set()
    files = decode.expand_paths(paths)
    progress = Progress(len(files))
    for done, (path, problem) in enumerate(files, start=1):
        digits = read_one(model, path, problem)
        progress.clear()
        if isinstance(digits, str):
            print(json.dumps({"file": str(path), "error": digits}) if as_json else f"{path}: error: {digits}",
                  flush=progress.live)
            status = 1
        else:
            print(json.dumps(readings.reading_json(path, digits)) if as_json else
                  readings.describe(path, digits), flush=progress.live)
            name = output_name(path, used_names)
            if annotate:
                save_png(annotated_copy(path, digits), annotate / f"{name}.png")
            if save_preprocessed:
                save_inputs(digits, save_preprocessed, name)
        progress.show(done)
    progress.clear()
    return status


def predict_command(paths, choice, as_json=False, annotate=None, save_preprocessed=None):
    """--predict: check the output folders, load the chosen model (and say which it is), read
    every image; return the exit status."""
    for flag, folder in (("--annotate", annotate), ("--save-preprocessed", save_preprocessed)):
        if folder:
            prepare_output_dir(folder, flag)
    model = readings.load_model(choice.path, choice.not_a_digit)
    print(choice.line(), file=sys.stderr, flush=True)
    return predict_images(model, paths, as_json, annotate, save_preprocessed)
