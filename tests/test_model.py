"""The networks, the recipes and the loader: layers, parameter count, shapes, ranges, labels,
class mapping, temperature, distortions."""

import dataclasses
import signal

import numpy as np
import pytest
from PIL import Image

from digits.tensorflow_setup import keras, tf
from digits.training import augmentation, checks, data, fit, networks
from digits.training.recipes import RECIPES, Distortion, steps_per_call


def test_original_model_is_the_original_network():
    model = networks.build_original()
    layers = [(type(layer).__name__, layer.get_config().get("filters") or
               layer.get_config().get("units")) for layer in model.layers]
    assert layers == [("Conv2D", 32), ("MaxPooling2D", None), ("Conv2D", 64),
                      ("MaxPooling2D", None), ("Flatten", None), ("Dense", 128), ("Dense", 10)]
    assert [layer.get_config().get("kernel_size") for layer in model.layers[::2][:2]] == [(3, 3)] * 2
    assert model.count_params() == 225_034
    assert model.layers[-1].get_config()["activation"] == "softmax"


@pytest.mark.parametrize("recipe", sorted(RECIPES))
def test_every_recipe_compiles_a_network_for_28x28_digits(recipe):
    network = fit.compile_network(RECIPES[recipe], steps=1)
    assert network.input_shape == (None, 28, 28, 1) and network.output_shape == (None, 10)
    assert network.optimizer.__class__.__name__ == "Adam"


def test_a_tempered_network_divides_its_scores_by_the_temperature():
    network = networks.build_compact()
    images = np.random.default_rng(1).random((4, 28, 28, 1)).astype(np.float32)
    scores = networks.scores_model(network).predict(images, verbose=0).astype(np.float64)
    expected = np.exp(scores / 2) / np.exp(scores / 2).sum(axis=1, keepdims=True)
    np.testing.assert_allclose(networks.tempered(network, 2.0).predict(images, verbose=0), expected,
                               atol=1e-6)
    assert networks.tempered(network, 1.0) is network


def test_the_temperature_chosen_is_the_one_with_the_lowest_loss():
    network = networks.build_compact()
    rng = np.random.default_rng(2)
    images = rng.random((64, 28, 28, 1)).astype(np.float32)
    labels = np.eye(10)[rng.integers(10, size=64)]
    chosen = fit.choose_temperature(network, images, labels)

    def loss(temperature):
        probabilities = networks.tempered(network, temperature).predict(images, verbose=0)
        return -np.mean(np.log(probabilities[labels.astype(bool)]))

    assert all(loss(chosen) <= loss(other) + 1e-6 for other in fit.TEMPERATURES[::6])


def test_ctrl_c_during_fitting_stops_it_at_the_end_of_the_call_into_tensorflow():
    # Ctrl-C comes out where the step ends, not where it lands: landing while tf.data made an
    # epoch's iterator had corrupted the heap. Here it lands as the step begins.
    class PressCtrlC(keras.callbacks.Callback):
        def on_train_batch_begin(self, batch, logs=None):
            signal.raise_signal(signal.SIGINT)

    recipe = dataclasses.replace(RECIPES["original"], epochs=2, batch_size=8)
    images, labels = np.zeros((8, 28, 28, 1), np.float32), np.eye(10)[np.arange(8)]
    handler = signal.getsignal(signal.SIGINT)
    with pytest.raises(KeyboardInterrupt) as stopped:
        fit.fit(fit.compile_network(recipe, steps=1), recipe, (images, labels),
                     (images, labels), seed=0, callbacks=[PressCtrlC()])
    assert stopped.traceback[-1].name == "on_train_batch_end"
    assert signal.getsignal(signal.SIGINT) is handler


def test_steps_per_call_divide_an_epoch():
    assert steps_per_call(125) == 25  # the original: 4,000 images in batches of 32
    assert steps_per_call(29) == 29   # the improved: 3,600 images in batches of 128
    assert steps_per_call(60) == 30
    assert steps_per_call(2) == 2


def test_distortions_keep_digits_recognisable():
    images = np.zeros((8, 28, 28, 1), np.float32)
    images[:, 8:20, 12:16] = 1  # a bar, a 1 (which the improved recipe may flag or foot)
    ones = tf.one_hot(tf.fill([8], 1), 10)
    distorted = augmentation.distort(tf.constant(images), tf.constant([1, 2], tf.int64),
                                     RECIPES["improved"].distortion, ones).numpy()
    assert distorted.shape == images.shape and distorted.min() >= 0 and distorted.max() <= 1
    assert not np.allclose(distorted, images)
    # Most of the bar's ink stays, and stays near where it was.
    assert np.all(distorted.sum(axis=(1, 2, 3)) > 0.7 * images[0].sum())
    assert np.all(distorted[:, 4:24, 8:20].sum(axis=(1, 2, 3)) > 0.9 * distorted.sum(axis=(1, 2, 3)))


def test_the_stroke_levers_thicken_thin_soften_and_fade_a_stroke():
    bar = np.zeros((1, 28, 28, 1), np.float32)
    bar[0, 8:20, 12:16] = 1
    thicker = augmentation.restroked(tf.constant(bar), tf.constant([[[[1.0]]]])).numpy()
    thinner = augmentation.restroked(tf.constant(bar), tf.constant([[[[-1.0]]]])).numpy()
    assert thicker.sum() == (14 * 6) and thinner.sum() == (10 * 2)  # a pixel more, a pixel less each side
    still = dict(rotation_degrees=0, shift_pixels=0, zoom=0, elastic_alpha=0, elastic_sigma=1)
    seed = tf.constant([3, 4], tf.int64)
    soft = augmentation.distort(tf.constant(bar), seed, Distortion(**still, blur_sigma=1.5)).numpy()
    assert soft.max() < 1 and soft.sum() == pytest.approx(bar.sum(), rel=0.01)  # spread, not lost
    faint = augmentation.distort(tf.constant(bar), seed, Distortion(**still, faint=0.5)).numpy()
    assert 0.5 <= faint.max() < 1 and np.array_equal(faint > 0, bar > 0)
    slanted = augmentation.distort(tf.constant(bar), seed, Distortion(**still, shear=0.3)).numpy()
    top, bottom = (np.flatnonzero(slanted[0, row, :, 0] > 0.5).mean() for row in (9, 18))
    assert abs(top - bottom) > 0.5  # the bar's top and bottom no longer in one column


def test_writing_styles_add_a_flag_or_foot_to_ones_and_a_bar_to_sevens_only():
    stem = np.zeros((28, 28), np.float32)
    stem[5:23, 13:16] = 1                       # a 1's upright stroke
    images = tf.constant(np.stack([stem, stem, stem])[..., None])
    labels = tf.constant(np.eye(10, dtype=np.float32)[[1, 7, 3]])
    still = dict(rotation_degrees=0, shift_pixels=0, zoom=0, elastic_alpha=0, elastic_sigma=1)
    styled = augmentation.distort(images, tf.constant([5, 6], tf.int64), Distortion(**still, styles=1.0),
                                  labels).numpy()[..., 0]
    one, seven, three = styled
    added = (one > 0.5) & (stem < 0.5)
    assert added.any() and np.array_equal(one >= stem, np.ones_like(stem, bool))  # ink only added
    rows, columns = np.nonzero(added)
    # A flag (left of the stem, near its top) or a foot (either side, on its last rows).
    assert np.all((columns < 13) & (rows < 14) | (rows >= 20)), (rows, columns)
    bar = (seven > 0.5) & (stem < 0.5)
    assert bar.any() and np.all(np.isin(np.nonzero(bar)[0], range(11, 17)))  # across the middle
    np.testing.assert_array_equal(three, stem)   # other digits as they were


def test_validation_split_is_stratified_and_fixed_by_the_seed():
    labels = np.repeat(np.eye(10), 400, axis=0)
    images = np.arange(len(labels))
    (train, _), (validation, validation_labels) = data.split_validation(images, labels, 0.1, 42)
    assert len(validation) == 400 and np.all(validation_labels.sum(axis=0) == 40)
    assert not set(train) & set(validation) and len(train) + len(validation) == 4000
    again = data.split_validation(images, labels, 0.1, 42)[1][0]
    other = data.split_validation(images, labels, 0.1, 43)[1][0]
    assert np.array_equal(validation, again) and not np.array_equal(validation, other)


def load(data_dir, strict=False):
    return data.load_split(checks.check_dataset(data_dir, strict).train)


def test_loader_shapes_range_one_hot_and_class_mapping(tiny_dataset):
    images, labels = load(tiny_dataset)
    assert images.shape == (40, 28, 28, 1) and images.dtype == np.float32
    assert images.min() >= 0 and images.max() <= 1 and images.max() > 0.9
    assert labels.shape == (40, 10) and set(np.unique(labels)) == {0, 1}
    np.testing.assert_array_equal(labels.sum(axis=1), 1)
    # Files are read in folder order, so the labels must follow the folder names 0..9.
    np.testing.assert_array_equal(labels.argmax(axis=1), np.repeat(np.arange(10), 4))
    first = np.asarray(Image.open(sorted((tiny_dataset / "train" / "0").glob("*.png"))[0]))
    np.testing.assert_allclose(images[0, :, :, 0], first / 255, atol=1e-6)


def test_loader_converts_colour_and_other_sizes(tiny_dataset):
    Image.new("RGB", (64, 40), (255, 255, 255)).save(tiny_dataset / "train" / "4" / "big.jpg")
    images, labels = load(tiny_dataset)
    assert images.shape == (41, 28, 28, 1)
    assert labels[:, 4].sum() == 5


def test_loader_skips_unreadable_files_without_touching_the_data(tiny_dataset):
    (tiny_dataset / "train" / "2" / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n broken")
    before = sorted(tiny_dataset.rglob("*"))
    images, labels = load(tiny_dataset)
    assert images.shape[0] == 40 and labels[:, 2].sum() == 4
    assert sorted(tiny_dataset.rglob("*")) == before
