"""Step 1 of reading an image: decode the file, turn it upright (EXIF), flatten transparency onto
white, and shrink it so that its shorter side is at most WORKING_SIDE pixels (a row of digits
keeps its length). Also: which files a list of paths and folders holds."""

import warnings

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from digits.constants import IMAGE_EXTENSIONS
from digits.errors import ImageTooLargeError, ReaderError

WORKING_SIDE = 128          # images are shrunk so their shorter side is at most this: a digit
MAX_WORKING_LENGTH = 768    # needs far fewer pixels; the longer side is kept to this at most
DENOISE_MIN_SIDE = 56       # denoise only images large enough to keep their strokes
# Modes whose values are not 8-bit: scaled to 0-255 before anything else.
WIDE_MODES = {"I": 257.0, "I;16": 257.0, "I;16B": 257.0, "I;16L": 257.0, "I;16N": 257.0, "F": 1.0}
ACCEPTED_MODES = {"1", "L", "P", "RGB", "RGBA", "RGBX", "RGBa", "LA", "PA", "CMYK", "YCbCr",
                  "LAB", "HSV", *WIDE_MODES}
ORIENTATION_TAG = 0x0112
TRANSPOSED_ORIENTATIONS = {5, 6, 7, 8}  # EXIF orientations that swap width and height


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
