"""The reader most OpenCV tutorials give, as a baseline for digits/reading/ on real photos.

Gray, a 5x5 Gaussian blur, an adaptive threshold (Gaussian-weighted 11x11 neighbourhood, 2 gray
levels below its mean), the outer contours, each contour's bounding box if it is at least
MIN_HEIGHT pixels tall, the box's ink padded to a square, shrunk to 20x20 and centred in 28x28.
Large images are first shrunk to WIDTH pixels across, as those tutorials do with
imutils.resize. Boxes are put in lines with the project's own line finder, so that only the
finding of ink and digits differs between the two readers.

    python -m benchmarks.real_photos FOLDER --tutorial

opencv-python-headless is needed for this file only (pip install opencv-python-headless).
"""

import cv2
import numpy as np

from digits import errors
from digits.constants import FIELD_SIZE
from digits.reading import reader
from digits.reading.pieces import Piece, in_lines

WIDTH = 800
BLUR = (5, 5)
BLOCK = 11
OFFSET = 2
MIN_HEIGHT = 20


def read_digits(path):
    """The digits of an image file as reader.FoundDigit, lines top to bottom, each left to right."""
    image = cv2.imread(str(path), cv2.IMREAD_GRAYSCALE)
    if image is None:
        raise errors.ReaderError("not an image file")
    scale = min(1.0, WIDTH / image.shape[1])
    if scale < 1:
        image = cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    blurred = cv2.GaussianBlur(image, BLUR, 0)
    ink = cv2.adaptiveThreshold(blurred, 255, cv2.ADAPTIVE_THRESH_GAUSSIAN_C, cv2.THRESH_BINARY_INV,
                                BLOCK, OFFSET)
    contours, _ = cv2.findContours(ink, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    pieces = []
    for contour in contours:
        x, y, width, height = cv2.boundingRect(contour)
        if height >= MIN_HEIGHT:
            pieces.append(Piece([], 0, y, y + height, x, x + width))
    if not pieces:
        raise errors.ReaderError("no digit found")
    found = []
    for piece in in_lines(pieces):
        crop = ink[piece.top:piece.bottom, piece.left:piece.right]
        side = max(crop.shape)
        square = np.zeros((side, side), np.uint8)
        top, left = (side - crop.shape[0]) // 2, (side - crop.shape[1]) // 2
        square[top:top + crop.shape[0], left:left + crop.shape[1]] = crop
        digit = cv2.resize(square, (20, 20), interpolation=cv2.INTER_AREA)
        field = np.zeros((FIELD_SIZE, FIELD_SIZE), np.float32)
        field[4:24, 4:24] = digit / 255.0
        box = reader.Box(int(piece.left / scale), int(piece.top / scale), int(piece.width / scale),
                         int(piece.height / scale))
        found.append(reader.FoundDigit(field, box, piece.line))
    return found
