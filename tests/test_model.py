"""The network and the loader: layers, parameter count, shapes, ranges, labels, class mapping."""

import numpy as np
import pytest
from PIL import Image

import HandWritten_digit_Classifier as classifier


@pytest.fixture(scope="module")
def keras():
    return classifier.import_keras()


def test_seed_model_is_the_original_network(keras):
    model = classifier.build_seed_model(keras)
    layers = [(type(layer).__name__, layer.get_config().get("filters") or
               layer.get_config().get("units")) for layer in model.layers]
    assert layers == [("Conv2D", 32), ("MaxPooling2D", None), ("Conv2D", 64),
                      ("MaxPooling2D", None), ("Flatten", None), ("Dense", 128), ("Dense", 10)]
    assert [layer.get_config().get("kernel_size") for layer in model.layers[::2][:2]] == [(3, 3)] * 2
    assert model.count_params() == 225_034
    assert model.layers[-1].get_config()["activation"] == "softmax"


def test_both_recipes_give_ten_probabilities(keras):
    for recipe in ("seed", "improved"):
        model = classifier.compile_model(keras, recipe, epochs=1, steps_per_epoch=1)
        probabilities = model.predict(np.random.default_rng(0).random((3, 28, 28, 1)), verbose=0)
        assert probabilities.shape == (3, 10)
        np.testing.assert_allclose(probabilities.sum(axis=1), 1, rtol=1e-5)


def load(keras, data_dir, split="train", strict=False):
    dataset = classifier.check_dataset(data_dir, strict)
    return classifier.load_split(keras, *dataset[split])


def test_loader_shapes_range_one_hot_and_class_mapping(keras, tiny_dataset):
    images, labels = load(keras, tiny_dataset)
    assert images.shape == (40, 28, 28, 1) and images.dtype == np.float32
    assert images.min() >= 0 and images.max() <= 1 and images.max() > 0.9
    assert labels.shape == (40, 10) and set(np.unique(labels)) == {0, 1}
    np.testing.assert_array_equal(labels.sum(axis=1), 1)
    # Files are read in folder order, so the labels must follow the folder names 0..9.
    np.testing.assert_array_equal(labels.argmax(axis=1), np.repeat(np.arange(10), 4))
    first = np.asarray(Image.open(sorted((tiny_dataset / "train" / "0").glob("*.png"))[0]))
    np.testing.assert_allclose(images[0, :, :, 0], first / 255, atol=1e-6)


def test_loader_converts_colour_and_other_sizes(keras, tiny_dataset):
    Image.new("RGB", (64, 40), (255, 255, 255)).save(tiny_dataset / "train" / "4" / "big.jpg")
    images, labels = load(keras, tiny_dataset)
    assert images.shape == (41, 28, 28, 1)
    assert labels[:, 4].sum() == 5


def test_loader_skips_unreadable_files_without_touching_the_data(keras, tiny_dataset):
    (tiny_dataset / "train" / "2" / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n broken")
    before = sorted(tiny_dataset.rglob("*"))
    images, labels = load(keras, tiny_dataset)
    assert images.shape[0] == 40 and labels[:, 2].sum() == 4
    assert sorted(tiny_dataset.rglob("*")) == before
