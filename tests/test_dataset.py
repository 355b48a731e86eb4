"""The committed reduced_mnist/ is exactly what reduced_mnist/build_dataset.py builds."""

import numpy as np
import pytest
from PIL import Image

from conftest import DATASET
from reduced_mnist.build_dataset import dataset_images, split_indices, write_dataset


def test_split_is_400_train_100_test_per_digit_and_disjoint():
    labels = np.repeat(np.arange(10), 500)
    split = split_indices(labels)
    for digit in range(10):
        train, test = split["train"][digit], split["test"][digit]
        assert (len(train), len(test)) == (400, 100)
        assert not set(train) & set(test)
        assert set(labels[np.concatenate([train, test])]) == {digit}


@pytest.mark.slow
def test_committed_files_are_the_builders_images():
    expected = {(split, str(digit), name): pixels for split, digit, name, pixels in dataset_images()}
    committed = {path.relative_to(DATASET).parts: path for path in DATASET.glob("*/*/*.png")}
    assert set(committed) == set(expected)
    for split, count in (("train", 4000), ("test", 1000)):
        assert sum(key[0] == split for key in committed) == count
    for key, path in committed.items():
        with Image.open(path) as image:
            assert (image.size, image.mode) == ((28, 28), "L"), path
            np.testing.assert_array_equal(np.asarray(image), expected[key], err_msg=str(path))


@pytest.mark.slow
def test_builder_regenerates_the_folder_byte_for_byte(tmp_path):
    write_dataset(tmp_path)
    built = sorted(path.relative_to(tmp_path) for path in tmp_path.rglob("*.png"))
    assert built == sorted(path.relative_to(DATASET) for path in DATASET.glob("*/*/*.png"))
    for relative in built:
        assert (tmp_path / relative).read_bytes() == (DATASET / relative).read_bytes(), relative


def test_digits_are_white_on_black_as_in_mnist():
    with Image.open(next(DATASET.glob("test/1/*.png"))) as image:
        pixels = np.asarray(image)
    assert pixels[0].max() == 0 and pixels.max() > 200
