"""Random distortions of training digits (turns, zooms, shifts, slants, elastic; thicker or
thinner, softer and fainter strokes), drawn afresh for every batch inside a tf.data pipeline that
runs beside the training steps.

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


def distort(images, seed, distortion):
    """Turn, zoom, shift, slant and elastically distort a batch of digits at random (seeded);
    thicken or thin, soften and fade their strokes where the distortion asks for it."""
    count, (height, width) = tf.shape(images)[0], IMAGE_SIZE
    seeds = tf.random.experimental.stateless_split(seed, 4)
    # The stroke levers draw from seeds of their own, so that the geometry's draws stay as they were.
    stroke_seeds = tf.random.experimental.stateless_split(
        tf.random.experimental.stateless_fold_in(seed, 1), 4)

    def uniform(shape, bound, draw, seeds=seeds):
        return tf.random.stateless_uniform(shape, seeds[draw], -bound, bound)

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
        return distort(batch[0], tf.stack([tf.constant(seed, tf.int64), index]), distortion), batch[1]

    return batches.map(distort_batch, num_parallel_calls=tf.data.AUTOTUNE).prefetch(tf.data.AUTOTUNE)
