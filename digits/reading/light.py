"""Step 2 of reading an image: the paper and its light.

Decide whether the paper is lighter than the ink (photos, scans, drawings) or darker (MNIST
itself), split the pixels into paper and ink with Otsu's threshold, and fit a plane to each
colour channel of the paper pixels alone, leaving out the soft edges of strokes (a quadratic
surface instead where it fits the paper clearly better: light falling off towards a photo's
corners). However much of the image the ink covers (a tight crop), it cannot pull that
estimate, and light falling off to one side and coloured paper drop out with it. In an image
that is mostly paper, the surface is darkened where the paper's own local level (a closing
wider than any stroke) shows a shadow over part of it.
"""

import numpy as np
from scipy import ndimage

DARK_PAPER_BORDER_SHARE = 0.97  # dark paper must fill this share of the border (MNIST: all)
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
