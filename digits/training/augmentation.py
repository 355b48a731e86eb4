"""Random distortions of training digits (turns, zooms, shifts, slants, elastic; thicker or
thinner, softer and fainter strokes; 1s and 7s in other writers' styles), drawn afresh for every
batch inside a tf.data pipeline that runs beside the training steps; and the 0s, 1s and 7s in
those styles once, for the not-a-digit check (other_writers).

    batches = distorted_batches(images, labels, 128, 90, RECIPES["improved"].distortion, seed=4201)
"""

import math

from digits.constants import IMAGE_SIZE
from digits.tensorflow_setup import tf


def gaussian_kernel(sigma):
    """A normalised 1-D Gaussian kernel reaching 3 sigma either side."""
    radius = int(3 * sigma + 0.5)
    offsets = tf.range(-radius, radius + 1, dtype=tf.float32)
    kernel = tf.exp(-offsets ** 2 / (2 * sigma ** 2))
    return kernel / tf.reduce_sum(kernel)


def sample_bilinear(images, source):
    """Read images (N, H, W, 1) at fractional source positions (N, H, W, 2 as x, y); 0 outside."""
    count, (height, width) = tf.shape(images)[0], IMAGE_SIZE
    flat = tf.reshape(images, [count, height * width])
    left, top = tf.floor(source[..., 0]), tf.floor(source[..., 1])
    across, down = source[..., 0] - left, source[..., 1] - top

    def pixel(x, y):
        inside = tf.cast((x >= 0) & (x <= width - 1) & (y >= 0) & (y <= height - 1), tf.float32)
        index = tf.cast(tf.clip_by_value(y, 0, height - 1) * width + tf.clip_by_value(x, 0, width - 1),
                        tf.int32)
        values = tf.gather(flat, tf.reshape(index, [count, -1]), batch_dims=1)
        return tf.reshape(values, [count, height, width]) * inside

    blended = (pixel(left, top) * (1 - across) * (1 - down) + pixel(left + 1, top) * across * (1 - down)
               + pixel(left, top + 1) * (1 - across) * down + pixel(left + 1, top + 1) * across * down)
    return blended[..., None]


def smoothed(images, sigma):
    """Images (N, H, W, C) blurred by a Gaussian of sigma pixels, channel by channel."""
    kernel = gaussian_kernel(sigma)
    channels = images.shape[-1]
    for kernel_shape in ([-1, 1, 1, 1], [1, -1, 1, 1]):  # separable: down, then across
        smooth = tf.tile(tf.reshape(kernel, kernel_shape), [1, 1, channels, 1])
        images = tf.nn.depthwise_conv2d(images, smooth, [1, 1, 1, 1], "SAME")
    return images


def restroked(images, amounts):
    """Each image's strokes thickened (amount > 0) or thinned (< 0) by that share of a 3x3
    grey-level dilation or erosion; amounts has shape (N, 1, 1, 1)."""
    thicker = tf.nn.max_pool2d(images, 3, 1, "SAME")
    thinner = -tf.nn.max_pool2d(-images, 3, 1, "SAME")
    return images + tf.nn.relu(amounts) * (thicker - images) + tf.nn.relu(-amounts) * (thinner - images)


def pen_line(start, end, width):
    """The ink of a straight pen stroke of the given width (pixels) from start to end, (N, 2) as
    (x, y) each, in every image of the field: (N, H, W, 1), anti-aliased over a pixel."""
    (height, field_width) = IMAGE_SIZE
    rows, columns = tf.meshgrid(tf.range(height, dtype=tf.float32), tf.range(field_width, dtype=tf.float32),
                                indexing="ij")
    start_x, start_y = start[:, 0, None, None], start[:, 1, None, None]
    along_x, along_y = end[:, 0, None, None] - start_x, end[:, 1, None, None] - start_y
    # The nearest point of the segment to each pixel, then the distance to it.
    t = tf.clip_by_value(((columns - start_x) * along_x + (rows - start_y) * along_y)
                         / tf.maximum(along_x ** 2 + along_y ** 2, 1e-6), 0, 1)
    distance = tf.sqrt((columns - start_x - t * along_x) ** 2 + (rows - start_y - t * along_y) ** 2)
    return tf.clip_by_value(width[:, None, None] / 2 + 0.5 - distance, 0, 1)[..., None]


def ink_rows(images):
    """The first and the last row holding ink in each image: two (N,) floats."""
    inked = tf.reduce_max(images[..., 0], axis=2) > 0.5            # (N, H): rows holding ink
    top = tf.cast(tf.argmax(tf.cast(inked, tf.int32), axis=1), tf.float32)
    bottom = float(IMAGE_SIZE[0] - 1) - tf.cast(tf.argmax(tf.cast(inked[:, ::-1], tf.int32), axis=1), tf.float32)
    return top, bottom


def ink_at(images, row):
    """The mean column of each image's ink in a row ((N,) row numbers): where a stroke crosses it."""
    line = tf.gather(images[..., 0], tf.cast(row, tf.int32), axis=1, batch_dims=1)
    columns = tf.range(IMAGE_SIZE[1], dtype=tf.float32)
    return tf.reduce_sum(line * columns, axis=1) / tf.maximum(tf.reduce_sum(line, axis=1), 1e-6)


def in_styles(images, digits, share, seeds):
    """Write a share of the 1s with a flag at the top, a foot at the bottom or both, and of the
    7s with a bar across their stem, as many writers (and most type) make them and few of
    MNIST's writers did: a pen line of MNIST's stroke width, placed by each digit's own ink."""
    count = tf.shape(images)[0]

    def uniform(draw, low=0.0, high=1.0):
        return tf.random.stateless_uniform([count], seeds[draw], low, high)

    top, bottom = ink_rows(images)
    tall = tf.maximum(bottom - top, 1.0)
    width = uniform(0, 2.2, 3.2)
    top_x, bottom_x = ink_at(images, top + 1), ink_at(images, bottom - 1)
    chosen = uniform(1)
    one, seven = tf.cast(tf.equal(digits, 1), tf.float32), tf.cast(tf.equal(digits, 7), tf.float32)
    flag = one * tf.cast(chosen < share * 2 / 3, tf.float32)      # a flag, or a flag and a foot
    foot = one * tf.cast((chosen > share / 3) & (chosen < share), tf.float32)
    bar = seven * tf.cast(chosen < share, tf.float32)
    # The flag leaves the top down and to the left, 40 degrees off the vertical: steeper than
    # the bar of a 7.
    reach = uniform(2, 0.15, 0.35) * tall
    flag_end = tf.stack([top_x - 0.64 * reach, top + 1 + 0.77 * reach], 1)
    flag_ink = pen_line(tf.stack([top_x, top + 1], 1), flag_end, width)
    half_foot = uniform(3, 0.15, 0.3) * tall
    foot_ink = pen_line(tf.stack([bottom_x - half_foot, bottom - 1], 1),
                        tf.stack([bottom_x + half_foot, bottom - 1], 1), width)
    middle = top + uniform(4, 0.45, 0.6) * tall
    stem_x = ink_at(images, middle)
    half_bar = uniform(5, 0.15, 0.25) * tall
    bar_ink = pen_line(tf.stack([stem_x - half_bar, middle], 1), tf.stack([stem_x + half_bar, middle], 1), width)
    added = tf.maximum(tf.maximum(flag[:, None, None, None] * flag_ink, foot[:, None, None, None] * foot_ink),
                       bar[:, None, None, None] * bar_ink)
    return tf.maximum(images, added)


def marked_zeros(images, seeds):
    """Every image (a 0) written again with a mark inside, from a dot to a slash leaning right,
    as some writers (and monospaced type) mark a zero against the letter O; a pen line of MNIST's
    stroke width across the middle of the digit's own ink. seeds: 3 stateless seeds."""
    count = tf.shape(images)[0]

    def uniform(draw, low, high):
        return tf.random.stateless_uniform([count], seeds[draw], low, high)

    top, bottom = ink_rows(images)
    middle = (top + bottom) / 2
    centre = tf.stack([ink_at(images, middle), middle], 1)
    # Upright (a dot drawn down) to 45 degrees (a slash), a dot to most of the way across.
    lean, reach = uniform(0, 0.0, math.pi / 4), uniform(1, 0.05, 0.35) * (bottom - top)
    half = tf.stack([tf.sin(lean) * reach, -tf.cos(lean) * reach], 1)
    return tf.maximum(images, pen_line(centre - half, centre + half, uniform(2, 2.2, 3.2)))


def other_writers(images, digits, seed):
    """The 0s, 1s and 7s among images (N, 28, 28, 1 floats; digits (N,) ints) written again in
    the styles other writers use: every 1 flagged, footed or both and every 7 barred, as in_styles
    writes a share of them, and every 0 marked; returns those new images only, and their digits."""
    seeds = tf.random.experimental.stateless_split(tf.constant([seed, 0], tf.int64), 9)
    ones_and_sevens = (digits == 1) | (digits == 7)
    styled = in_styles(images[ones_and_sevens], digits[ones_and_sevens], 1.0, seeds[:6])
    return (tf.concat([styled, marked_zeros(images[digits == 0], seeds[6:])], 0),
            tf.concat([digits[ones_and_sevens], digits[digits == 0]], 0))


def distort(images, seed, distortion, labels=None):
    """Turn, zoom, shift, slant and elastically distort a batch of digits at random (seeded);
    thicken or thin, soften and fade their strokes, and write some 1s and 7s in other writers'
    styles (labels: one-hot, needed for that), where the distortion asks for it."""
    count, (height, width) = tf.shape(images)[0], IMAGE_SIZE
    seeds = tf.random.experimental.stateless_split(seed, 4)
    # The stroke levers draw from seeds of their own, so that the geometry's draws stay as they were.
    stroke_seeds = tf.random.experimental.stateless_split(
        tf.random.experimental.stateless_fold_in(seed, 1), 4)

    def uniform(shape, bound, draw, seeds=seeds):
        return tf.random.stateless_uniform(shape, seeds[draw], -bound, bound)

    if distortion.styles:
        style_seeds = tf.random.experimental.stateless_split(tf.random.experimental.stateless_fold_in(seed, 2), 6)
        images = in_styles(images, tf.argmax(labels, axis=1), distortion.styles, style_seeds)
    if distortion.stroke:
        images = restroked(images, uniform([count, 1, 1, 1], distortion.stroke, 0, stroke_seeds))
    angle = uniform([count, 1, 1], distortion.rotation_degrees * math.pi / 180, 0)
    scale = 1 + uniform([count, 1, 1], distortion.zoom, 1)
    shift = uniform([count, 1, 1, 2], distortion.shift_pixels, 2)
    rows, columns = tf.meshgrid(tf.range(height, dtype=tf.float32), tf.range(width, dtype=tf.float32),
                                indexing="ij")
    x, y = columns - (width - 1) / 2, rows - (height - 1) / 2
    if distortion.shear:
        x = x + uniform([count, 1, 1], distortion.shear, 1, stroke_seeds) * y
    # Each output pixel reads from where the inverse turn and zoom put it, about the centre.
    cos, sin = tf.cos(angle) / scale, tf.sin(angle) / scale
    source = tf.stack([cos * x + sin * y, cos * y - sin * x], axis=-1) - shift
    if distortion.elastic_alpha:
        field = smoothed(uniform([count, height, width, 2], 1.0, 3), distortion.elastic_sigma)
        source += distortion.elastic_alpha * field
    images = sample_bilinear(images, source + [(width - 1) / 2, (height - 1) / 2])
    if distortion.blur_sigma:
        softness = (1 + uniform([count, 1, 1, 1], 1.0, 2, stroke_seeds)) / 2
        images += softness * (smoothed(images, distortion.blur_sigma) - images)
    if distortion.faint:
        images *= 1 - distortion.faint * (1 + uniform([count, 1, 1, 1], 1.0, 3, stroke_seeds)) / 2
    return images


def distorted_batches(images, labels, batch_size, epochs, distortion, seed):
    """The training stream for all epochs: reshuffled each epoch, every batch distorted afresh,
    prepared in parallel with the training steps."""
    batches = (tf.data.Dataset.from_tensor_slices((images, labels))
               .shuffle(len(images), seed=seed, reshuffle_each_iteration=True)
               .batch(batch_size).repeat(epochs).enumerate())

    def distort_batch(index, batch):
        return distort(batch[0], tf.stack([tf.constant(seed, tf.int64), index]), distortion, batch[1]), batch[1]

    return batches.map(distort_batch, num_parallel_calls=tf.data.AUTOTUNE).prefetch(tf.data.AUTOTUNE)
