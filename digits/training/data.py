"""The dataset as arrays: each split read through Keras' ImageDataGenerator, as the original
project reads it, and a validation split held out of the training images.

    train_images, train_labels = load_split(dataset.train)   # (N, 28, 28, 1) in [0, 1], one-hot
"""

import contextlib
import io
import tempfile
from pathlib import Path

import numpy as np

from digits.constants import CLASS_NAMES, IMAGE_SIZE, NUM_CLASSES
from digits.errors import UserError
from digits.tensorflow_setup import keras

LOADER_BATCH_SIZE = 32    # batches ImageDataGenerator reads the folders in; not a training choice


def readable_view(split):
    """Return the split's folder, or a temporary mirror of it without the unreadable files."""
    if not split.unreadable:
        return split.folder, None
    mirror = tempfile.TemporaryDirectory(prefix="reduced_mnist-")
    for digit, paths in split.images.items():
        (Path(mirror.name) / digit).mkdir()
        for path in paths:
            (Path(mirror.name) / digit / path.name).symlink_to(path.resolve())
    return Path(mirror.name), mirror


def load_split(split, quiet=False):
    """Read one checked split into arrays: images (N, 28, 28, 1) in [0, 1] and one-hot labels.
    Keras prints how many images it found, unless quiet."""
    folder, mirror = readable_view(split)
    try:
        generator = keras.preprocessing.image.ImageDataGenerator(rescale=1.0 / 255)
        with contextlib.redirect_stdout(io.StringIO()) if quiet else contextlib.nullcontext():
            batches = generator.flow_from_directory(
                folder, target_size=IMAGE_SIZE, color_mode="grayscale", class_mode="categorical",
                batch_size=LOADER_BATCH_SIZE, shuffle=False)
        expected = {name: index for index, name in enumerate(CLASS_NAMES)}
        if batches.class_indices != expected:
            raise UserError(f"{split.folder}: the loader mapped classes as {batches.class_indices}, "
                            f"expected {expected}")
        arrays = [batches[index] for index in range(len(batches))]
    finally:
        if mirror is not None:
            mirror.cleanup()
    return (np.concatenate([batch_images for batch_images, _ in arrays]),
            np.concatenate([batch_labels for _, batch_labels in arrays]))


def split_validation(images, labels, share, seed):
    """Hold out a stratified share of the training images; return (training, validation)."""
    rng = np.random.default_rng(seed)
    digits = labels.argmax(axis=1)
    # At least one of each digit, so that a tiny dataset still has a validation split.
    held_out = np.concatenate([
        rng.permutation(np.flatnonzero(digits == digit))[:max(1, round(share * np.sum(digits == digit)))]
        for digit in range(NUM_CLASSES) if np.sum(digits == digit) > 1])
    kept = np.setdiff1d(np.arange(len(images)), held_out)
    return (images[kept], labels[kept]), (images[np.sort(held_out)], labels[np.sort(held_out)])


def every_digit_first(images, labels, count):
    """The first count images taken in turn from each digit, so that a dry run sees all ten."""
    digits = labels.argmax(axis=1)
    rank_in_digit = np.zeros(len(digits), dtype=int)
    for digit in range(NUM_CLASSES):
        rank_in_digit[digits == digit] = np.arange(np.sum(digits == digit))
    chosen = np.sort(np.argsort(rank_in_digit, kind="stable")[:count])
    return images[chosen], labels[chosen]
