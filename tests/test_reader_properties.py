"""digit_reader on any image at all: it returns its documented result or raises ReaderError.

Property-based (hypothesis): sizes from 1x1 to 3000x3000, every Pillow mode the module accepts,
constant images, pure noise, a single pixel of ink, ink along every border, random strokes,
and files that are not images or are cut short. Nothing else may escape: no IndexError, no
division by zero, no warning turned into a crash.
"""

import io

import numpy as np
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from PIL import Image

from digits import errors
from digits.reading import decode, reader

MODES = sorted(decode.ACCEPTED_MODES)
CONTENTS = ("constant", "noise", "one pixel", "border", "strokes")
SIXTEEN_BIT_ORDER = {"I;16": "<u2", "I;16L": "<u2", "I;16N": "=u2", "I;16B": ">u2"}
# The same examples on every run (derandomize), so that the suite's time does not depend on how
# many huge images one run happens to draw; 40 examples a property.
PROPERTY_SETTINGS = settings(max_examples=40, deadline=None, derandomize=True, database=None,
                             suppress_health_check=[HealthCheck.too_slow])


def draw_content(kind, width, height, rng):
    """A gray-level picture (uint8, height x width) of the given kind."""
    paper, ink = rng.integers(0, 256, size=2)
    picture = np.full((height, width), paper, dtype=np.uint8)
    if kind == "noise":
        picture = rng.integers(0, 256, size=(height, width), dtype=np.uint8)
    elif kind == "one pixel":
        picture[rng.integers(height), rng.integers(width)] = ink
    elif kind == "border":
        picture[[0, -1], :] = ink
        picture[:, [0, -1]] = ink
    elif kind == "strokes":
        for _ in range(rng.integers(1, 6)):
            top, left = rng.integers(height), rng.integers(width)
            picture[top:top + rng.integers(1, height + 1), left:left + rng.integers(1, max(2, width // 8))] = ink
    return picture


def in_mode(picture, mode, rng):
    """The picture as a Pillow image in the given mode, with made-up colour or alpha where the mode has them."""
    if mode in SIXTEEN_BIT_ORDER:
        sixteen_bit = (picture.astype(np.uint16) * 257).astype(SIXTEEN_BIT_ORDER[mode])
        return Image.frombytes(mode, picture.shape[::-1], sixteen_bit.tobytes())
    if mode == "I":
        return Image.fromarray(picture.astype(np.int32) * 257, "I")
    if mode == "F":
        return Image.fromarray(picture.astype(np.float32), "F")
    gray = Image.fromarray(picture, "L")
    if mode in ("1", "L", "P"):
        return gray.convert(mode)
    tint = rng.integers(0, 256, size=3, dtype=np.uint8)
    colour = Image.fromarray(np.stack([picture, picture ^ tint[1], picture ^ tint[2]], axis=-1), "RGB")
    if mode in ("RGBA", "RGBa", "LA", "PA"):
        alpha = Image.fromarray(rng.integers(0, 256, size=picture.shape, dtype=np.uint8), "L")
        with_alpha = colour.convert("RGBA")
        with_alpha.putalpha(alpha)
        return with_alpha if mode == "RGBA" else with_alpha.convert(mode)
    return colour.convert(mode)


def check_result(found, size):
    """The documented result: lines top to bottom, digits left to right in each, each digit 28x28
    float32 in [0, 1], boxes inside."""
    assert isinstance(found, list) and found
    width, height = size
    for digit in found:
        assert digit.pixels.shape == (28, 28) and digit.pixels.dtype == np.float32
        assert np.all(np.isfinite(digit.pixels))
        assert digit.pixels.min() >= 0 and digit.pixels.max() <= 1 and digit.pixels.max() > 0
        box = digit.box
        assert 0 <= box.x and 0 <= box.y and box.width >= 1 and box.height >= 1
        assert box.x + box.width <= width and box.y + box.height <= height
    # Lines of writing top to bottom, each left to right.
    assert [digit.line for digit in found] == sorted(digit.line for digit in found)
    for line in {digit.line for digit in found}:
        lefts = [digit.box.x for digit in found if digit.line == line]
        assert lefts == sorted(lefts)


# Mostly small, sometimes anything up to 3000: a 3000x3000 image takes seconds to make and read.
sides = st.one_of(st.integers(1, 64), st.integers(1, 64), st.integers(1, 64), st.integers(1, 3000))


# The one documented failure of an image that decodes (README, "When something is wrong").
NO_DIGIT = "no digit found: "


@PROPERTY_SETTINGS
@given(width=sides, height=sides, mode=st.sampled_from(MODES), kind=st.sampled_from(CONTENTS),
       seed=st.integers(0, 2 ** 32 - 1))
def test_any_image_gives_digits_or_a_reader_error(width, height, mode, kind, seed):
    rng = np.random.default_rng(seed)
    event("a side over 1,000 pixels" if max(width, height) > 1000 else "both sides 1,000 pixels or less")
    image = in_mode(draw_content(kind, width, height, rng), mode, rng)
    try:
        found = reader.read_digits(image)
    except errors.ReaderError as error:
        event(f"ReaderError: {str(error).split(':')[0]}")
        assert str(error).startswith(NO_DIGIT), error  # a decodable image: the only failure
        return
    event(f"{len(found)} digit(s) found")
    check_result(found, (width, height))


@PROPERTY_SETTINGS
@given(width=sides, height=sides, kind=st.sampled_from(CONTENTS), seed=st.integers(0, 2 ** 32 - 1),
       image_format=st.sampled_from(["PNG", "JPEG", "BMP", "GIF", "TIFF", "WEBP"]))
def test_any_image_file_gives_digits_or_a_reader_error(width, height, kind, seed, image_format):
    rng = np.random.default_rng(seed)
    buffer = io.BytesIO()
    Image.fromarray(draw_content(kind, width, height, rng), "L").save(buffer, image_format)
    buffer.seek(0)
    try:
        found = reader.read_digits(buffer)
    except errors.ReaderError as error:
        assert str(error).startswith(NO_DIGIT), error
        return
    check_result(found, (width, height))


@PROPERTY_SETTINGS
@given(data=st.binary(max_size=4096), keep=st.floats(0, 0.95))
def test_damaged_or_foreign_files_raise_reader_error(data, keep):
    buffer = io.BytesIO()
    Image.fromarray(np.random.default_rng(len(data)).integers(0, 256, (40, 30), dtype=np.uint8)).save(
        buffer, "PNG")
    for damaged in (data, buffer.getvalue()[:int(keep * len(buffer.getvalue()))]):
        with pytest.raises(errors.ReaderError, match="^(not an image file|image is truncated or corrupt)"):
            reader.read_digits(io.BytesIO(damaged))


def test_an_unaccepted_mode_is_a_reader_error():
    with pytest.raises(errors.ReaderError, match="unsupported image mode"):
        reader.read_digits(Image.new("La", (20, 20)))


def test_a_constant_image_has_no_digit():
    with pytest.raises(errors.ReaderError, match="no digit found"):
        reader.read_digits(Image.new("RGB", (300, 200), (200, 180, 150)))


def test_pixels_over_the_limit_are_refused_before_decoding():
    buffer = io.BytesIO()
    Image.new("L", (5000, 4000)).save(buffer, "PNG")
    with pytest.raises(errors.ImageTooLargeError, match="too large"):
        reader.read_digits(io.BytesIO(buffer.getvalue()), max_pixels=10_000_000)
