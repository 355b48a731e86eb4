"""Handwritten digit classifier: a small convolutional network trained on Reduced MNIST.

Loads reduced_mnist/train/<digit>/ and reduced_mnist/test/<digit>/ with Keras'
ImageDataGenerator (28x28 grayscale, pixels rescaled to [0, 1], one-hot labels), trains
Conv2D(32) > MaxPool > Conv2D(64) > MaxPool > Flatten > Dense(128) > Dense(10) for 20 epochs
with Adam, validating on the test folder, then prints the test accuracy and loss and writes
into outputs/: the model (mnist_cnn_model.h5, .keras and .onnx), a confusion matrix, sample
predictions, the training history, metrics.json, history.csv and a classification report.

    python HandWritten_digit_Classifier.py                      # the original recipe
    python HandWritten_digit_Classifier.py --recipe improved    # distortions, validation split
    python HandWritten_digit_Classifier.py --predict my_digit.jpg [more images or folders]
    python HandWritten_digit_Classifier.py --serve              # a page to draw digits on
    python HandWritten_digit_Classifier.py --export litert      # the model for phones
    python HandWritten_digit_Classifier.py --help               # every flag and its default

Works offline: the dataset is committed beside this script. Reading people's images lives in
digit_reader.py and digit_model.py, the page in webapp/.
"""

import argparse
import contextlib
import csv
import importlib.util
import io
import json
import logging
import os
import signal
import sys
import tempfile
import time
import warnings
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable, NamedTuple, Optional

SCRIPT_DIR = Path(__file__).resolve().parent
DEFAULT_DATA_DIR = SCRIPT_DIR / "reduced_mnist"
DEFAULT_OUTPUT_DIR = Path("outputs")
MODEL_FILE = "mnist_cnn_model.h5"
NATIVE_MODEL_FILE = "mnist_cnn_model.keras"
ONNX_MODEL_FILE = "mnist_cnn_model.onnx"
FIGURES = ("confusion_matrix.png", "sample_predictions.png", "training_history.png")
REPORTS = ("metrics.json", "history.csv", "classification_report.txt")

IMAGE_SIZE = (28, 28)
NUM_CLASSES = 10
CLASS_NAMES = [str(digit) for digit in range(NUM_CLASSES)]
LOADER_BATCH_SIZE = 32    # batches ImageDataGenerator reads the folders in; not a training choice
DEFAULT_SEED = 42
# Training steps per call into TensorFlow (Keras' default is 1): fewer round trips through
# Python. A small gain on this CPU; reading the images once is the big one (README, Performance).
STEPS_PER_EXECUTION = 25
DRY_RUN_BATCHES = 4
SAMPLE_GRID = (4, 6)
MAX_WRONG_SAMPLES = 8
REPORT_OPTIONS = dict(labels=range(NUM_CLASSES), target_names=CLASS_NAMES, zero_division=0)
# An exported model must give the Keras model's probabilities to within this, for every test image.
EXPORT_TOLERANCE = 1e-5
EXPORT_FORMATS = {"onnx": ("onnx", ".onnx"), "litert": ("litert", ".tflite"),
                  "saved_model": ("tf_saved_model", "_saved_model")}  # Keras' name, output suffix
DEFAULT_PORT = 8000
DEFAULT_HOST = "127.0.0.1"
SERVER_PROCESSES = 2      # --serve with an .onnx model: one process per core of a small machine

# The extensions flow_from_directory reads; other files in a class folder are ignored.
TRAINING_EXTENSIONS = (".png", ".jpg", ".jpeg", ".bmp", ".ppm", ".tif", ".tiff")
# Also accept the folder names of the Kaggle "Reduced MNIST" download (sic).
SPLIT_FOLDERS = {"train": ("train", "Reduced Trainging data"),
                 "test": ("test", "Reduced Testing data")}
MAX_NAMED_FILES = 5


class UserError(Exception):
    """A problem the user can fix; reported as one line, without a traceback."""


# ---------------------------------------------------------------- command line

def whole_number(minimum, maximum=None):
    """Return an argparse type that accepts whole numbers from minimum (to maximum)."""
    def parse(text):
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be at least {minimum}, got {value}")
        if maximum is not None and value > maximum:
            raise argparse.ArgumentTypeError(f"must be at most {maximum}, got {value}")
        return value
    return parse


# The flags that belong to one mode only, refused without it.
MODE_FLAGS = {"predict": ("json", "save_preprocessed", "annotate"), "serve": ("port", "host"),
              "export": ("output",)}


def build_parser():
    """Describe every flag, with its default."""
    parser = argparse.ArgumentParser(
        description="Train a CNN on Reduced MNIST, or read the digits in your own images.")
    parser.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR,
                        help="dataset folder holding train/<digit>/ and test/<digit>/ "
                             "(default: reduced_mnist/ beside this script)")
    def per_recipe(field):
        return ", ".join(f"{getattr(recipe, field)} for {name}" for name, recipe in RECIPES.items())

    parser.add_argument("--recipe", choices=sorted(RECIPES), default="original",
                        help="'original' is the original model and training; 'improved' trains "
                             "a smaller network longer on elastically distorted digits, judged on "
                             "a validation split held out of the training images "
                             "(default: %(default)s)")
    parser.add_argument("--epochs", type=whole_number(1), default=None,
                        help=f"training epochs (default: {per_recipe('epochs')})")
    parser.add_argument("--batch-size", type=whole_number(1), default=None,
                        help=f"images per training step (default: {per_recipe('batch_size')})")
    parser.add_argument("--seed", type=whole_number(0), default=DEFAULT_SEED,
                        help="random seed; the same seed on the same machine gives the same "
                             "results (default: %(default)s)")
    parser.add_argument("--output-dir", type=Path, default=DEFAULT_OUTPUT_DIR,
                        help="where the model, figures and metrics are written "
                             "(default: %(default)s/)")
    parser.add_argument("--strict", action="store_true",
                        help="refuse to train when an image is unreadable, instead of skipping it")
    parser.add_argument("--tensorboard", action="store_true",
                        help="also write TensorBoard logs to <output-dir>/tensorboard/")
    parser.add_argument("--show", action="store_true",
                        help="also open the figures on screen (they are always saved)")
    parser.add_argument("--dry-run", action="store_true",
                        help=f"train one epoch on {DRY_RUN_BATCHES} batches to check the set-up; "
                             "writes nothing")
    modes = parser.add_mutually_exclusive_group()
    modes.add_argument("--predict", nargs="+", metavar="PATH", type=Path,
                       help="read the digits in each image file (or every image in a folder) "
                            "instead of training")
    modes.add_argument("--serve", action="store_true",
                       help="serve a local web page to draw or upload digits, instead of training")
    modes.add_argument("--export", choices=sorted(EXPORT_FORMATS),
                       help="convert a saved model to ONNX, LiteRT (.tflite) or a TensorFlow "
                            "SavedModel, checked on the test split, instead of training")
    parser.add_argument("--model", type=Path, default=None,
                        help=f"with --predict or --serve: the .onnx, .h5 or .keras model (default: "
                             f"<output-dir>/{ONNX_MODEL_FILE} if there is one, else {MODEL_FILE}); "
                             f"with --export: the .h5 or .keras model (default: <output-dir>/{MODEL_FILE})")
    parser.add_argument("--json", action="store_true",
                        help="with --predict: print one JSON object per image")
    parser.add_argument("--save-preprocessed", type=Path, metavar="DIR", default=None,
                        help="with --predict: also write each digit's 28x28 input to DIR")
    parser.add_argument("--annotate", type=Path, metavar="DIR", default=None,
                        help="with --predict: also write a copy of each image to DIR with a box "
                             "around each digit found and the digit read")
    parser.add_argument("--port", type=whole_number(0, 65535), default=None,
                        help=f"with --serve: the port (default: {DEFAULT_PORT}; 0 picks a free one)")
    parser.add_argument("--host", default=None,
                        help=f"with --serve: the address to listen on (default: {DEFAULT_HOST}, "
                             "this machine only)")
    parser.add_argument("--output", type=Path, default=None,
                        help="with --export: where to write (default: the model's path with "
                             ".onnx, .tflite or _saved_model/)")
    return parser


def parse_arguments(parser, argv):
    """Parse the flags and refuse the ones that do not go with the chosen mode."""
    args = parser.parse_args(argv)
    for mode, flags in MODE_FLAGS.items():
        used = [flag for flag in flags if getattr(args, flag) not in (None, False)]
        if used and not getattr(args, mode):
            names = ", ".join("--" + flag.replace("_", "-") for flag in used)
            parser.error(f"{names} can only be used with --{mode}")
    if args.model and not (args.predict or args.serve or args.export):
        parser.error("--model can only be used with --predict, --serve or --export")
    return args


# ---------------------------------------------------------------- dataset checks (no TensorFlow)

def find_splits(data_dir):
    """Return the train and test folders of data_dir, or say which is missing."""
    if not data_dir.is_dir():
        raise UserError(f"dataset folder {data_dir} does not exist; pass --data-dir with a folder "
                        "holding train/ and test/")
    found = {}
    for split, names in SPLIT_FOLDERS.items():
        found[split] = next((data_dir / name for name in names if (data_dir / name).is_dir()), None)
        if found[split] is None:
            raise UserError(f"{data_dir} has no {split}/ folder; expected {data_dir / split}/"
                            "<digit>/ with one folder per digit 0-9")
    return found["train"], found["test"]


def list_images(folder, extensions):
    """Return the image files directly inside folder, sorted; other files are ignored."""
    return sorted(path for path in folder.iterdir()
                  if path.is_file() and path.suffix.lower() in extensions)


def inspect_image(path):
    """Return (unreadable, needs_conversion) for one training image, decoding it fully."""
    from PIL import Image

    try:
        with Image.open(path) as image:
            image.load()
            return False, image.size != IMAGE_SIZE or image.mode != "L"
    except Exception:  # PIL raises many types for bad files; any of them means unreadable
        return True, False


def scan_split(split_dir):
    """Check one split's class folders; return {digit: [image paths]} and the unreadable files."""
    class_dirs = sorted(path for path in split_dir.iterdir() if path.is_dir())
    names = [path.name for path in class_dirs]
    unexpected = [name for name in names if name not in CLASS_NAMES]
    if unexpected:
        raise UserError(f"{split_dir} has class folders {', '.join(map(repr, unexpected))}; "
                        "expected exactly one folder per digit, named 0 to 9")
    missing = [name for name in CLASS_NAMES if name not in names]
    if missing:
        raise UserError(f"{split_dir} has no folder for digit(s) {', '.join(missing)}; "
                        "expected one folder per digit, named 0 to 9")
    images, unreadable, converted = {}, [], 0
    for class_dir in class_dirs:
        images[class_dir.name] = []
        for path in list_images(class_dir, TRAINING_EXTENSIONS):
            bad, needs_conversion = inspect_image(path)
            (unreadable if bad else images[class_dir.name]).append(path)
            converted += needs_conversion
    return images, unreadable, converted


def name_files(paths):
    """Name the first few paths, and count the rest."""
    named = ", ".join(str(path) for path in paths[:MAX_NAMED_FILES])
    extra = len(paths) - MAX_NAMED_FILES
    return named + (f" and {extra} more" if extra > 0 else "")


def check_dataset(data_dir, strict):
    """Check the whole dataset before training; return {split: (folder, images, unreadable)}."""
    dataset, all_unreadable, all_converted = {}, [], 0
    for split, split_dir in zip(SPLIT_FOLDERS, find_splits(data_dir)):
        images, unreadable, converted = scan_split(split_dir)
        dataset[split] = (split_dir, images, unreadable)
        all_unreadable += unreadable
        all_converted += converted
    if all_unreadable and strict:
        raise UserError(f"{len(all_unreadable)} unreadable image(s): {name_files(all_unreadable)}; "
                        "remove or replace them (or run without --strict to skip them)")
    for split, (split_dir, images, _) in dataset.items():
        empty = [digit for digit, paths in images.items() if not paths]
        if empty:
            raise UserError(f"{split_dir} has no readable images for digit(s) {', '.join(empty)}; "
                            "every class folder needs at least one image")
    if all_unreadable:
        print(f"warning: skipping {len(all_unreadable)} unreadable image(s): "
              f"{name_files(all_unreadable)}", file=sys.stderr)
    if all_converted:
        print(f"note: {all_converted} image(s) are not 28x28 grayscale; they are converted "
              "and resized to 28x28 on loading", file=sys.stderr)
    return dataset


def prepare_output_dir(output_dir, create=True):
    """Create the output folder if needed and prove it is writable, before any training. With
    create=False (a dry run) only prove that it could be created, and leave nothing behind."""
    try:
        if create:
            output_dir.mkdir(parents=True, exist_ok=True)
        nearest = next(folder for folder in (output_dir, *output_dir.parents) if folder.exists())
        with tempfile.TemporaryFile(dir=nearest):
            pass
    except OSError as error:
        raise UserError(f"cannot write to output folder {output_dir}: {error.strerror}; "
                        "pass --output-dir with a folder you can write to") from None
    return output_dir


# ---------------------------------------------------------------- TensorFlow set-up

def import_keras():
    """Import TensorFlow and Keras without TensorFlow's C++ start-up chatter."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    # Some notices (oneDNN, CUDA) are printed before TensorFlow's log level applies, so
    # stderr is muted while TensorFlow starts and finds its devices.
    sys.stderr.flush()
    saved_stderr = os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    try:
        import tensorflow as tf
        tf.config.list_physical_devices()
    finally:
        os.dup2(saved_stderr, 2)
        os.close(saved_stderr)
        os.close(devnull)
    # Keras warns that .h5 is a legacy format on every save; the README explains why we keep it.
    # TensorFlow warns when averaging networks traces a function once per network.
    for logger in ("absl", "tensorflow"):
        logging.getLogger(logger).setLevel(logging.ERROR)
    return tf.keras


def seed_everything(keras, seed):
    """Make a run repeatable: Python, NumPy and TensorFlow seeds, deterministic ops."""
    import tensorflow as tf

    keras.utils.set_random_seed(seed)
    tf.config.experimental.enable_op_determinism()


# ---------------------------------------------------------------- data

def readable_view(split_dir, images, unreadable):
    """Return split_dir, or a temporary mirror of it without the unreadable files."""
    if not unreadable:
        return split_dir, None
    mirror = tempfile.TemporaryDirectory(prefix="reduced_mnist-")
    for digit, paths in images.items():
        (Path(mirror.name) / digit).mkdir()
        for path in paths:
            (Path(mirror.name) / digit / path.name).symlink_to(path.resolve())
    return Path(mirror.name), mirror


def load_split(keras, split_dir, images, unreadable):
    """Read one split through ImageDataGenerator into arrays: images in [0, 1], one-hot labels."""
    import numpy as np

    folder, mirror = readable_view(split_dir, images, unreadable)
    try:
        generator = keras.preprocessing.image.ImageDataGenerator(rescale=1.0 / 255)
        batches = generator.flow_from_directory(
            folder, target_size=IMAGE_SIZE, color_mode="grayscale", class_mode="categorical",
            batch_size=LOADER_BATCH_SIZE, shuffle=False)
        expected = {name: index for index, name in enumerate(CLASS_NAMES)}
        if batches.class_indices != expected:
            raise UserError(f"{split_dir}: the loader mapped classes as {batches.class_indices}, "
                            f"expected {expected}")
        arrays = [batches[index] for index in range(len(batches))]
    finally:
        if mirror is not None:
            mirror.cleanup()
    return (np.concatenate([batch_images for batch_images, _ in arrays]),
            np.concatenate([batch_labels for _, batch_labels in arrays]))


def split_validation(images, labels, share, seed):
    """Hold out a stratified share of the training images; return (training, validation)."""
    import numpy as np

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
    import numpy as np

    digits = labels.argmax(axis=1)
    rank_in_digit = np.zeros(len(digits), dtype=int)
    for digit in range(NUM_CLASSES):
        rank_in_digit[digits == digit] = np.arange(np.sum(digits == digit))
    chosen = np.sort(np.argsort(rank_in_digit, kind="stable")[:count])
    return images[chosen], labels[chosen]


@dataclass(frozen=True)
class Distortion:
    """Random distortions of training digits, drawn afresh for every batch."""
    rotation_degrees: float   # turned by up to this much either way
    shift_pixels: float       # moved by up to this much in x and y
    zoom: float               # scaled by up to this fraction
    elastic_alpha: float      # elastic displacement strength (Simard et al. 2003), pixels
    elastic_sigma: float      # smoothness of the displacement field (Gaussian sigma), pixels


def gaussian_kernel(tf, sigma):
    """A normalised 1-D Gaussian kernel reaching 3 sigma either side."""
    radius = int(3 * sigma + 0.5)
    offsets = tf.range(-radius, radius + 1, dtype=tf.float32)
    kernel = tf.exp(-offsets ** 2 / (2 * sigma ** 2))
    return kernel / tf.reduce_sum(kernel)


def sample_bilinear(tf, images, source):
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


def distort(tf, images, seed, distortion):
    """Turn, zoom, shift and elastically distort a batch of digits at random (seeded)."""
    count, (height, width) = tf.shape(images)[0], IMAGE_SIZE
    seeds = tf.random.experimental.stateless_split(seed, 4)

    def uniform(shape, bound, draw):
        return tf.random.stateless_uniform(shape, seeds[draw], -bound, bound)

    angle = uniform([count, 1, 1], distortion.rotation_degrees * 3.141592653589793 / 180, 0)
    scale = 1 + uniform([count, 1, 1], distortion.zoom, 1)
    shift = uniform([count, 1, 1, 2], distortion.shift_pixels, 2)
    rows, columns = tf.meshgrid(tf.range(height, dtype=tf.float32), tf.range(width, dtype=tf.float32),
                                indexing="ij")
    x, y = columns - (width - 1) / 2, rows - (height - 1) / 2
    # Each output pixel reads from where the inverse turn and zoom put it, about the centre.
    cos, sin = tf.cos(angle) / scale, tf.sin(angle) / scale
    source = tf.stack([cos * x + sin * y, cos * y - sin * x], axis=-1) - shift
    if distortion.elastic_alpha:
        field = uniform([count, height, width, 2], 1.0, 3)
        kernel = gaussian_kernel(tf, distortion.elastic_sigma)
        for kernel_shape in ([-1, 1, 1, 1], [1, -1, 1, 1]):  # separable: down, then across
            smooth = tf.tile(tf.reshape(kernel, kernel_shape), [1, 1, 2, 1])
            field = tf.nn.depthwise_conv2d(field, smooth, [1, 1, 1, 1], "SAME")
        source += distortion.elastic_alpha * field
    return sample_bilinear(tf, images, source + [(width - 1) / 2, (height - 1) / 2])


def distorted_batches(tf, images, labels, batch_size, epochs, distortion, seed):
    """The training stream for all epochs: reshuffled each epoch, every batch distorted afresh,
    prepared in parallel with the training steps."""
    batches = (tf.data.Dataset.from_tensor_slices((images, labels))
               .shuffle(len(images), seed=seed, reshuffle_each_iteration=True)
               .batch(batch_size).repeat(epochs).enumerate())

    def distort_batch(index, batch):
        return distort(tf, batch[0], tf.stack([tf.constant(seed, tf.int64), index]), distortion), batch[1]

    return batches.map(distort_batch, num_parallel_calls=tf.data.AUTOTUNE).prefetch(tf.data.AUTOTUNE)


# ---------------------------------------------------------------- models and recipes

def build_original_model(keras, name="original_cnn"):
    """The original network: two convolution + pooling stages and a dense classifier."""
    layers = keras.layers
    return keras.Sequential([
        keras.Input(shape=(*IMAGE_SIZE, 1)),
        layers.Conv2D(32, (3, 3), activation="relu"),
        layers.MaxPooling2D((2, 2)),
        layers.Conv2D(64, (3, 3), activation="relu"),
        layers.MaxPooling2D((2, 2)),
        layers.Flatten(),
        layers.Dense(128, activation="relu"),
        layers.Dense(NUM_CLASSES, activation="softmax"),
    ], name=name)


COMPACT_DROPOUT = 0.4


def build_compact_model(keras, name="compact_cnn"):
    """The improved recipe's network: two unpadded 3x3 convolutions per stage, and dropout."""
    layers = keras.layers
    return keras.Sequential([
        keras.Input(shape=(*IMAGE_SIZE, 1)),
        layers.Conv2D(16, (3, 3), activation="relu"),
        layers.Conv2D(16, (3, 3), activation="relu"),
        layers.MaxPooling2D((2, 2)),
        layers.Conv2D(32, (3, 3), activation="relu"),
        layers.Conv2D(32, (3, 3), activation="relu"),
        layers.MaxPooling2D((2, 2)),
        layers.Flatten(),
        layers.Dropout(COMPACT_DROPOUT),
        layers.Dense(128, activation="relu"),
        layers.Dropout(COMPACT_DROPOUT),
        layers.Dense(NUM_CLASSES),
        layers.Softmax(),  # its own layer, so that averaging can reach the scores before it
    ], name=name)


@dataclass(frozen=True)
class Recipe:
    """Everything one way of training decides. README.md ("Two recipes") explains each choice."""
    build: Callable               # (keras, name) -> an untrained network
    epochs: int
    batch_size: int
    learning_rate: float          # Adam's; the peak of the schedule when warm_up_epochs > 0
    warm_up_epochs: int           # 0: a constant rate; else a linear warm-up, then cosine decay to 0
    distortion: Optional[Distortion]
    networks: int                 # trained independently, their probabilities averaged
    validation_share: float       # 0: watch the test split (the original); else hold out this share
    calibrate: bool               # choose the average's temperature on the validation split


RECIPES = {
    "original": Recipe(build=build_original_model, epochs=20, batch_size=32, learning_rate=0.001,
                       warm_up_epochs=0, distortion=None, networks=1, validation_share=0,
                       calibrate=False),
    "improved": Recipe(build=build_compact_model, epochs=90, batch_size=128, learning_rate=0.003,
                       warm_up_epochs=1,
                       distortion=Distortion(rotation_degrees=10, shift_pixels=2, zoom=0.1,
                                             elastic_alpha=20, elastic_sigma=4),
                       networks=1, validation_share=0.1, calibrate=True),
}
# Temperatures tried when calibrating: the averaged scores are divided by one of these.
TEMPERATURES = [round(0.5 * 1.05 ** step, 4) for step in range(48)]  # 0.5 to 4.9


def steps_per_call(steps_per_epoch):
    """Training steps per call into TensorFlow: at least STEPS_PER_EXECUTION (or the whole epoch),
    and a divisor of the epoch's steps, so that no call runs past the end of an epoch."""
    return min(divisor for divisor in range(min(STEPS_PER_EXECUTION, steps_per_epoch),
                                            steps_per_epoch + 1) if steps_per_epoch % divisor == 0)


def compile_network(keras, recipe, steps_per_epoch, name=None):
    """Build one of the recipe's networks with Adam and categorical cross-entropy."""
    model = recipe.build(keras, name) if name else recipe.build(keras)
    learning_rate = recipe.learning_rate
    if recipe.warm_up_epochs:
        warm_up_steps = recipe.warm_up_epochs * steps_per_epoch
        learning_rate = keras.optimizers.schedules.CosineDecay(
            0.0, decay_steps=max(1, recipe.epochs * steps_per_epoch - warm_up_steps),
            warmup_target=recipe.learning_rate, warmup_steps=warm_up_steps)
    model.compile(optimizer=keras.optimizers.Adam(learning_rate), loss="categorical_crossentropy",
                  metrics=["accuracy"], steps_per_execution=steps_per_call(steps_per_epoch))
    return model


def scores_model(keras, network):
    """The network up to its softmax: the scores whose softmax are its probabilities."""
    return keras.Model(network.inputs, network.layers[-2].output)


def choose_temperature(keras, networks, images, labels):
    """The temperature whose tempered, averaged probabilities have the lowest loss on images."""
    import numpy as np

    scores = [scores_model(keras, network).predict(images, verbose=0) for network in networks]
    truth = labels.argmax(axis=1)

    def loss(temperature):
        tempered = [np.exp(score / temperature - (score / temperature).max(axis=1, keepdims=True))
                    for score in scores]
        average = np.mean([each / each.sum(axis=1, keepdims=True) for each in tempered], axis=0)
        return -np.mean(np.log(np.maximum(average[np.arange(len(truth)), truth], 1e-12)))

    return min(TEMPERATURES, key=loss)


def average_networks(keras, networks, temperature=1.0):
    """One model whose answer is the average of the networks' probabilities, each network's
    scores divided by the temperature first. One network without a temperature is itself."""
    if len(networks) == 1 and temperature == 1.0:
        return networks[0]
    inputs = keras.Input(shape=(*IMAGE_SIZE, 1))
    probabilities = [keras.layers.Softmax()(keras.layers.Rescaling(1 / temperature)(
                         scores_model(keras, network)(inputs))) for network in networks]
    outputs = probabilities[0] if len(networks) == 1 else keras.layers.Average()(probabilities)
    model = keras.Model(inputs, outputs, name=f"average_of_{len(networks)}" if len(networks) > 1
                        else f"{networks[0].name}_tempered")
    model.compile(loss="categorical_crossentropy", metrics=["accuracy"])
    return model


# ---------------------------------------------------------------- training and evaluation

class Evaluation(NamedTuple):
    """A model's figures on one split, with every image's probabilities and digits."""
    loss: float
    accuracy: float
    probabilities: object
    true_digits: object
    predicted_digits: object


def train_network(tf, model, recipe, train, validation, seed, callbacks):
    """Fit one network, validating each epoch; return its history (a dict of lists) and seconds."""
    started = time.perf_counter()
    verbose = "auto" if sys.stdout.isatty() else 2
    if recipe.distortion is None:
        history = model.fit(*train, batch_size=recipe.batch_size, epochs=recipe.epochs,
                            validation_data=validation, shuffle=True, callbacks=callbacks,
                            verbose=verbose)
    else:
        steps_per_epoch = -(-len(train[0]) // recipe.batch_size)
        batches = distorted_batches(tf, *train, recipe.batch_size, recipe.epochs, recipe.distortion,
                                    seed)
        history = model.fit(batches, epochs=recipe.epochs, steps_per_epoch=steps_per_epoch,
                            validation_data=validation, shuffle=False, callbacks=callbacks,
                            verbose=verbose)
    return history.history, time.perf_counter() - started


@dataclass(frozen=True)
class Trained:
    """What training a recipe produced."""
    model: object          # the Keras model: one network, or the average of several
    histories: list        # each network's metrics per epoch
    seconds: float         # time spent fitting, all networks together
    temperature: float     # what the networks' scores were divided by before averaging


def train_recipe(keras, recipe, train, validation, seed, log_dir=None):
    """Train the recipe's networks one after another, then average them (at the temperature the
    validation split prefers, if the recipe calibrates)."""
    import tensorflow as tf

    steps_per_epoch = -(-len(train[0]) // recipe.batch_size)
    networks, histories, seconds = [], [], 0.0
    for number in range(1, recipe.networks + 1):
        name = f"network_{number}" if recipe.networks > 1 else None
        if name:
            print(f"Network {number} of {recipe.networks}")
        network = compile_network(keras, recipe, steps_per_epoch, name)
        if number == 1:
            network.summary()
        callbacks = []
        if log_dir is not None:
            callbacks.append(keras.callbacks.TensorBoard(log_dir=str(log_dir / (name or ""))))
        history, network_seconds = train_network(tf, network, recipe, train, validation,
                                                 seed * 100 + number, callbacks)
        networks.append(network)
        histories.append(history)
        seconds += network_seconds
    temperature = choose_temperature(keras, networks, *validation) if recipe.calibrate else 1.0
    return Trained(average_networks(keras, networks, temperature), histories, seconds, temperature)


def evaluate_model(model, images, labels):
    """Return the loss and accuracy on one split, and every image's probabilities and digits."""
    import numpy as np

    loss, accuracy = model.evaluate(images, labels, verbose=0)
    probabilities = model.predict(images, verbose=0)
    return Evaluation(loss, accuracy, probabilities, np.argmax(labels, axis=1),
                      np.argmax(probabilities, axis=1))


# ---------------------------------------------------------------- outputs

def write_atomically(path, write):
    """Call write(temporary path) and move the result onto path only once it is complete."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}-", suffix=path.suffix)
    os.close(handle)
    try:
        write(temporary)
        os.chmod(temporary, 0o644)  # mkstemp makes files private; outputs are ordinary files
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def save_model_checked(keras, model, path, test_images, expected):
    """Save the model, reload the file and check that it predicts `expected`."""
    import numpy as np

    model.save(path)
    reloaded = keras.models.load_model(path, compile=False)
    if not np.allclose(reloaded.predict(test_images, verbose=0), expected, atol=EXPORT_TOLERANCE):
        raise UserError(f"{path.name}: the reloaded model predicts differently; nothing was written")


def exported_probabilities(path, export_format, images):
    """Run an exported model on images the way its users would: ONNX Runtime, LiteRT, TensorFlow."""
    import numpy as np
    import tensorflow as tf

    if export_format == "onnx":
        import digit_model
        return digit_model.load_onnx_model(path).probabilities(images[..., 0])
    if export_format == "litert":
        with warnings.catch_warnings():  # it points to a package that is not TensorFlow's own
            warnings.filterwarnings("ignore", "\\s*Warning: tf.lite.Interpreter is deprecated")
            interpreter = tf.lite.Interpreter(model_path=str(path))
        input_index = interpreter.get_input_details()[0]["index"]
        interpreter.resize_tensor_input(input_index, images.shape)
        interpreter.allocate_tensors()
        interpreter.set_tensor(input_index, images.astype(np.float32))
        interpreter.invoke()
        return interpreter.get_tensor(interpreter.get_output_details()[0]["index"])
    saved_model = tf.saved_model.load(str(path))  # kept: serve() needs its variables alive
    return saved_model.serve(tf.constant(images, tf.float32)).numpy()


def export_checked(model, path, export_format, test_images, expected):
    """Export the model to path, then check that the copy gives the same digit for every test
    image and probabilities within EXPORT_TOLERANCE; return the largest difference."""
    import numpy as np

    model(test_images[:1])  # Keras exports only a model that has been called
    with contextlib.redirect_stdout(io.StringIO()), warnings.catch_warnings():
        # Keras prints where it saved; its ONNX converter warns about a numpy change, not ours.
        warnings.filterwarnings("ignore", "In the future `np.object`", FutureWarning)
        model.export(str(path), format=EXPORT_FORMATS[export_format][0], verbose=False)
    got = exported_probabilities(path, export_format, test_images)
    difference = float(np.abs(got - expected).max())
    same_digits = np.array_equal(got.argmax(axis=1), expected.argmax(axis=1))
    if not same_digits or difference > EXPORT_TOLERANCE:
        raise UserError(f"the {export_format} copy of the model answers differently on the test "
                        f"split (largest probability difference {difference:.1e}, same digit for "
                        f"every image: {'yes' if same_digits else 'no'}); nothing was written")
    return difference


def save_figure(figure, path):
    """Lay out a figure and save it as a PNG."""
    figure.tight_layout()
    figure.savefig(path, dpi=110, format="png")


def plot_confusion_matrix(true_digits, predicted_digits, test_accuracy, path):
    """Draw scikit-learn's confusion matrix as an annotated seaborn heatmap."""
    import matplotlib.pyplot as plt
    import seaborn as sns
    from sklearn.metrics import confusion_matrix

    matrix = confusion_matrix(true_digits, predicted_digits, labels=range(NUM_CLASSES))
    figure, axes = plt.subplots(figsize=(8, 6.5))
    sns.heatmap(matrix, annot=True, fmt="d", cmap="Blues", square=True, cbar_kws={"label": "images"},
                xticklabels=CLASS_NAMES, yticklabels=CLASS_NAMES, ax=axes)
    axes.set_xlabel("Predicted digit")
    axes.set_ylabel("True digit")
    axes.set_title(f"Confusion matrix: test accuracy {test_accuracy:.4f} "
                   f"({len(true_digits):,} test images)")
    save_figure(figure, path)


def choose_samples(true_digits, predicted_digits, count, seed):
    """Pick test images to show: up to MAX_WRONG_SAMPLES wrong ones, then correct ones of each digit."""
    import numpy as np

    rng = np.random.default_rng(seed)
    wrong = rng.permutation(np.flatnonzero(true_digits != predicted_digits))[:MAX_WRONG_SAMPLES]
    right = rng.permutation(np.flatnonzero(true_digits == predicted_digits))
    # Rank each correct image within its digit, so the grid shows every digit before repeating one.
    rank_in_digit = np.zeros(len(right), dtype=int)
    for digit in range(NUM_CLASSES):
        of_digit = true_digits[right] == digit
        rank_in_digit[of_digit] = np.arange(of_digit.sum())
    right = right[np.argsort(rank_in_digit, kind="stable")][:count - len(wrong)]
    return np.concatenate([wrong, right[np.argsort(true_digits[right], kind="stable")]]).astype(int)


def plot_sample_predictions(test_images, evaluation, seed, path):
    """Draw a grid of test images titled with true and predicted digit; mistakes first, in red."""
    import matplotlib.pyplot as plt
    import numpy as np
    from digit_model import percent

    true_digits, predicted_digits = evaluation.true_digits, evaluation.predicted_digits
    probabilities = evaluation.probabilities
    rows, columns = SAMPLE_GRID
    chosen = choose_samples(true_digits, predicted_digits, rows * columns, seed)
    figure, grid = plt.subplots(rows, columns, figsize=(columns * 1.7, rows * 1.9))
    for axes, index in zip(grid.flat, chosen):
        wrong = true_digits[index] != predicted_digits[index]
        axes.imshow(test_images[index].squeeze(), cmap="gray", vmin=0, vmax=1)
        axes.set_title(f"true {true_digits[index]}, pred {predicted_digits[index]}\n"
                       f"({percent(probabilities[index].max())})",
                       color="red" if wrong else "black", fontsize=9,
                       fontweight="bold" if wrong else "normal")
        for spine in axes.spines.values():
            spine.set_color("red" if wrong else "none")
            spine.set_linewidth(2.5)
        axes.set_xticks([])
        axes.set_yticks([])
    for axes in list(grid.flat)[len(chosen):]:
        axes.axis("off")
    errors = int(np.sum(true_digits != predicted_digits))
    shown_wrong = int(np.sum(true_digits[chosen] != predicted_digits[chosen]))
    figure.suptitle(f"Sample test predictions, mistakes first: {shown_wrong} of the "
                    f"{errors} wrong answers (red) in {len(true_digits):,} test images, then "
                    "right ones")
    save_figure(figure, path)


def mean_history(histories):
    """Each metric per epoch, averaged over the networks of a recipe."""
    import numpy as np

    return {metric: np.mean([history[metric] for history in histories], axis=0)
            for metric in histories[0]}


def plot_training_history(histories, validation_label, path):
    """Draw accuracy and loss per epoch (loss on a log scale), training against validation."""
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    history = mean_history(histories)
    averaged = f" (mean of {len(histories)} networks)" if len(histories) > 1 else ""
    epochs = range(1, len(history["loss"]) + 1)
    figure, (accuracy_axes, loss_axes) = plt.subplots(1, 2, figsize=(11, 4.2))
    for axes, metric, label in ((accuracy_axes, "accuracy", "Accuracy"),
                                (loss_axes, "loss", "Cross-entropy loss")):
        axes.plot(epochs, history[metric], marker="o", markersize=3, label="training" + averaged)
        axes.plot(epochs, history[f"val_{metric}"], marker="o", markersize=3,
                  label=validation_label + averaged)
        axes.set_xlabel("Epoch")
        axes.xaxis.set_major_locator(MaxNLocator(integer=True))
        axes.set_ylabel(label + (" (log scale)" if metric == "loss" else ""))
        axes.set_title(f"{label} per epoch")
        axes.grid(alpha=0.3, which="both")
        axes.legend()
    loss_axes.set_yscale("log")
    save_figure(figure, path)


def write_history_csv(histories, path):
    """Write every network's metrics per epoch, one row per network and epoch."""
    metrics = list(histories[0])
    with open(path, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["network", "epoch", *metrics])
        for network, history in enumerate(histories, start=1):
            for epoch in range(len(history[metrics[0]])):
                writer.writerow([network, epoch, *(repr(float(history[metric][epoch]))
                                                   for metric in metrics)])


def build_metrics(args, recipe, counts, trained, evaluation, validation):
    """Collect what a run measured, for metrics.json."""
    import keras
    import tensorflow as tf
    from sklearn.metrics import classification_report

    report = classification_report(evaluation.true_digits, evaluation.predicted_digits,
                                   output_dict=True, **REPORT_OPTIONS)
    metrics = {
        "recipe": args.recipe, "test_accuracy": float(evaluation.accuracy),
        "test_loss": float(evaluation.loss),
        "epochs": recipe.epochs, "batch_size": recipe.batch_size, "seed": args.seed,
        "networks": recipe.networks,
        "train_images": counts[0], "validation_images": counts[1], "test_images": counts[2],
        "validated_on": "test split" if validation is None else "validation split",
        "train_seconds": round(trained.seconds, 2), "temperature": trained.temperature,
        "per_class": {digit: {"precision": report[digit]["precision"],
                              "recall": report[digit]["recall"],
                              "f1": report[digit]["f1-score"],
                              "support": int(report[digit]["support"])} for digit in CLASS_NAMES},
        "data_dir": str(args.data_dir), "tensorflow_version": tf.__version__,
        "keras_version": keras.__version__,
    }
    if validation is not None:
        metrics.update(validation_accuracy=float(validation.accuracy),
                       validation_loss=float(validation.loss))
    return metrics


@contextlib.contextmanager
def ctrl_c_held():
    """Hold Ctrl-C until the block has finished; yield a list that records any press."""
    pressed = []
    previous = signal.signal(signal.SIGINT, lambda number, frame: pressed.append(number))
    try:
        yield pressed
    finally:
        signal.signal(signal.SIGINT, previous)


def publish(stage, output_dir):
    """Move every staged output into output_dir in one step that Ctrl-C cannot cut short;
    return whether Ctrl-C was pressed meanwhile."""
    with ctrl_c_held() as pressed:
        for path in sorted(stage.iterdir()):
            if path.name == "tensorboard":  # each run's logs sit beside earlier runs' logs
                (output_dir / "tensorboard").mkdir(exist_ok=True)
                for run in path.iterdir():
                    os.replace(run, output_dir / "tensorboard" / run.name)
            else:
                os.replace(path, output_dir / path.name)
    return bool(pressed)


def write_outputs(keras, args, recipe, stage, trained, test_images, evaluation, metrics):
    """Write the models, figures, metrics and reports into the stage folder, each checked."""
    import matplotlib
    from sklearn.metrics import classification_report

    if not args.show:
        matplotlib.use("Agg")
    import matplotlib.pyplot as plt  # only once the backend is chosen
    model = trained.model
    save_model_checked(keras, model, stage / MODEL_FILE, test_images, evaluation.probabilities)
    model.save(stage / NATIVE_MODEL_FILE)
    export_checked(model, stage / ONNX_MODEL_FILE, "onnx", test_images, evaluation.probabilities)
    plot_confusion_matrix(evaluation.true_digits, evaluation.predicted_digits, evaluation.accuracy,
                          stage / "confusion_matrix.png")
    plot_sample_predictions(test_images, evaluation, args.seed, stage / "sample_predictions.png")
    validation_label = ("validation (test split)" if not recipe.validation_share else
                        f"validation split ({metrics['validation_images']:,} training images)")
    plot_training_history(trained.histories, validation_label, stage / "training_history.png")
    (stage / "classification_report.txt").write_text(
        classification_report(evaluation.true_digits, evaluation.predicted_digits, digits=4,
                              **REPORT_OPTIONS))
    (stage / "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n")
    write_history_csv(trained.histories, stage / "history.csv")
    if args.show:
        plt.show()
    plt.close("all")


# ---------------------------------------------------------------- using a trained model

def default_model_path(output_dir):
    """The model --predict and --serve use by default: the .onnx if training wrote one, else .h5."""
    onnx_path = output_dir / ONNX_MODEL_FILE
    return onnx_path if onnx_path.is_file() else output_dir / MODEL_FILE


def check_model_file(model_path):
    """Say in one line that the model file is missing, before anything slow starts."""
    if not model_path.is_file():
        raise UserError(f"model file {model_path} not found; train one first with "
                        "`python HandWritten_digit_Classifier.py` or pass --model FILE")


def load_keras_model(keras, model_path):
    """Load a saved .h5 or .keras model and check that it reads 28x28 digits."""
    import digit_model

    try:
        model = keras.models.load_model(model_path, compile=False)
    except Exception:  # Keras raises many types, with long messages, for a file it cannot read
        raise UserError(f"{model_path} is not a Keras .h5/.keras model") from None
    try:
        digit_model.check_shapes(model_path, model.input_shape, model.output_shape)
    except digit_model.ModelError as error:
        raise UserError(str(error)) from None
    return model


def load_digit_model(model_path):
    """Load a model to read images with: .onnx through ONNX Runtime (no TensorFlow), else Keras.
    The callers have checked that the file exists (check_model_file)."""
    import digit_model

    if model_path.suffix.lower() == ".onnx":
        try:
            return digit_model.load_onnx_model(model_path)
        except digit_model.ModelError as error:
            raise UserError(str(error)) from None
    model = load_keras_model(import_keras(), model_path)
    return digit_model.DigitModel(model_path, lambda images: model.predict_on_batch(images[..., None]))


def unique_stem(path, used_stems):
    """The file's name without extension, numbered if another input already had it."""
    stem, copy = path.stem, 1
    while stem in used_stems:
        copy += 1
        stem = f"{path.stem}-{copy}"
    used_stems.add(stem)
    return stem


def save_annotated(path, digits, target):
    """Write a copy of the image with a box around each digit found and the digit read above it."""
    import digit_reader
    from PIL import ImageDraw, ImageFont, ImageOps

    image, _ = digit_reader.open_image(path, shorter_side=None)  # the boxes are in full-size pixels
    image = ImageOps.exif_transpose(image).convert("RGB")
    draw = ImageDraw.Draw(image)
    line = max(2, round(max(image.size) / 250))
    for digit in digits:
        box = digit.box
        colour = (230, 140, 0) if digit.unsure else (220, 30, 30)
        draw.rectangle((box.x, box.y, box.x + box.width - 1, box.y + box.height - 1), outline=colour,
                       width=line)
        font_size = max(12, round(box.height * 0.35))
        font = ImageFont.load_default(size=font_size)
        label = f"{digit.digit}?" if digit.unsure else str(digit.digit)
        # Above the box where there is room; inside its top corner when the digit touches the top.
        above = box.y - line >= font_size
        draw.text((box.x, box.y - line) if above else (box.x + 2 * line, box.y + 2 * line), label,
                  fill=colour, font=font, anchor="lb" if above else "lt",
                  stroke_width=max(1, line // 2), stroke_fill="white")
    write_atomically(target, lambda temporary: image.save(temporary, format="PNG"))


def save_inputs(digits, folder, stem):
    """Write each digit's 28x28 input, named after its file and its place from the left."""
    import numpy as np
    from PIL import Image

    for position, digit in enumerate(digits, start=1):
        pixels = Image.fromarray(np.round(digit.pixels * 255).astype(np.uint8), mode="L")
        write_atomically(folder / f"{stem}-{position}.png",
                         lambda temporary: pixels.save(temporary, format="PNG"))


def predict_images(args):
    """Read the digits in each given image and print one line per image; return the exit status."""
    import digit_model
    import digit_reader

    model_path = args.model or default_model_path(args.output_dir)
    check_model_file(model_path)
    for folder in (args.annotate, args.save_preprocessed):
        if folder:
            prepare_output_dir(folder)
    model = load_digit_model(model_path)
    status, used_stems = 0, set()
    for path, problem in digit_reader.expand_paths(args.predict):
        try:
            if problem:
                raise digit_reader.ReaderError(problem)
            digits = digit_model.read_image(model, path)
        except Exception as error:  # one image's failure is its own line; the others are still read
            reason = (str(error) if isinstance(error, digit_reader.ReaderError) else
                      f"could not read this image ({type(error).__name__}: {error})")
            print(json.dumps({"file": str(path), "error": reason}) if args.json else
                  f"{path}: error: {reason}")
            status = 1
            continue
        print(json.dumps(digit_model.reading_json(path, digits)) if args.json else
              digit_model.describe(path, digits))
        stem = unique_stem(path, used_stems)
        if args.annotate:
            save_annotated(path, digits, args.annotate / f"{stem}.png")
        if args.save_preprocessed:
            save_inputs(digits, args.save_preprocessed, stem)
    return status


def serve_page(args):
    """Serve the drawing page and its API with the model until Ctrl-C; return the exit status."""
    model_path = args.model or default_model_path(args.output_dir)
    check_model_file(model_path)
    host, port = args.host or DEFAULT_HOST, DEFAULT_PORT if args.port is None else args.port
    model = load_digit_model(model_path)
    from webapp import server

    if host not in ("127.0.0.1", "localhost", "::1"):
        print(f"warning: listening on {host}: other machines on your network can open the page "
              "and send it images", file=sys.stderr)
    # ONNX Runtime survives fork(), so an .onnx model is served by one process per core;
    # TensorFlow does not, so a Keras model is served by one process.
    processes = SERVER_PROCESSES if model_path.suffix.lower() == ".onnx" and hasattr(os, "fork") else 1
    try:
        server.serve(model, host, port, processes)
    except OSError as error:
        reason = os.strerror(error.errno) if error.errno else str(error)
        raise UserError(f"cannot serve on {host}:{port}: {reason}; pass --port with a free port (or "
                        "--host with an address of this machine)") from None
    return 0


def export_model(args):
    """Convert a saved model to another format, checked on the test split; return exit status."""
    export_format = args.export
    model_path = args.model or args.output_dir / MODEL_FILE
    check_model_file(model_path)
    output = args.output or model_path.with_name(model_path.stem + EXPORT_FORMATS[export_format][1])
    dataset = check_dataset(args.data_dir, strict=False)
    prepare_output_dir(output.parent)
    keras = import_keras()
    model = load_keras_model(keras, model_path)
    test_images, _ = load_split(keras, *dataset["test"])
    expected = model.predict(test_images, verbose=0)
    with tempfile.TemporaryDirectory(dir=output.parent, prefix=".export-") as scratch:
        staged = Path(scratch) / output.name
        difference = export_checked(model, staged, export_format, test_images, expected)
        with ctrl_c_held():
            if output.is_dir() and not output.is_symlink():
                os.replace(output, Path(scratch) / "earlier")  # removed with the scratch folder
            os.replace(staged, output)
    print(f"Wrote {output} ({export_format}): same digit as {model_path} for all {len(test_images):,} "
          f"test images, probabilities within {difference:.1e}")
    return 0


# ---------------------------------------------------------------- main

def main(argv=None):
    """Check the inputs, then train and report (or --predict, --serve, --export); return exit status."""
    parser = build_parser()
    args = parse_arguments(parser, argv)
    try:
        if args.predict:
            return predict_images(args)
        if args.serve:
            return serve_page(args)
        if args.export:
            return export_model(args)
        return train_and_report(parser, args)
    except UserError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("Interrupted: stopped before finishing; earlier outputs are untouched and nothing "
              "half-written was left.", file=sys.stderr)
        return 130


def train_and_report(parser, args):
    """The training pipeline, stage by stage; every output appears at once, at the end."""
    recipe = RECIPES[args.recipe]
    recipe = replace(recipe, epochs=1 if args.dry_run else args.epochs or recipe.epochs,
                     batch_size=args.batch_size or recipe.batch_size)
    dataset = check_dataset(args.data_dir, args.strict)
    train_count = sum(len(paths) for paths in dataset["train"][1].values())
    if recipe.batch_size > train_count:
        parser.error(f"argument --batch-size: {recipe.batch_size} is larger than the training set "
                     f"({train_count} images)")
    if args.tensorboard and importlib.util.find_spec("tensorboard") is None:
        raise UserError("--tensorboard needs the tensorboard package: pip install -r requirements.txt")
    output_dir = prepare_output_dir(args.output_dir, create=not args.dry_run)

    keras = import_keras()
    seed_everything(keras, args.seed)
    train = load_split(keras, *dataset["train"])
    test = load_split(keras, *dataset["test"])
    validation = test  # the original watches the test split each epoch; it chooses nothing by it
    if recipe.validation_share:
        train, validation = split_validation(*train, recipe.validation_share, args.seed)
    if args.dry_run:
        train = every_digit_first(*train, DRY_RUN_BATCHES * recipe.batch_size)

    # A dry run's scratch folder is the system's, so that it leaves nothing in output_dir.
    with tempfile.TemporaryDirectory(dir=None if args.dry_run else output_dir, prefix=".run-") as scratch:
        stage = Path(scratch) / "outputs"
        stage.mkdir()
        log_dir = stage / "tensorboard" / time.strftime("%Y%m%d-%H%M%S") if args.tensorboard else None
        trained = train_recipe(keras, recipe, train, validation, args.seed, log_dir)
        validated = None if validation is test else evaluate_model(trained.model, *validation)
        evaluation = evaluate_model(trained.model, *test)
        if validated is not None:
            print(f"Validation accuracy: {validated.accuracy:.4f} "
                  f"({len(validation[0]):,} training images held out)")
        print(f"Test accuracy: {evaluation.accuracy:.4f}")
        print(f"Test loss: {evaluation.loss:.4f}")
        print(f"Training took {trained.seconds:.1f} s ({trained.seconds / recipe.epochs:.2f} s per "
              "epoch" + (f", {recipe.networks} networks)" if recipe.networks > 1 else ")"))
        if args.dry_run:
            print("Dry run finished: data, model and training work. Nothing was written.")
            return 0
        counts = (len(train[0]), 0 if validated is None else len(validation[0]), len(test[0]))
        metrics = build_metrics(args, recipe, counts, trained, evaluation, validated)
        write_outputs(keras, args, recipe, stage, trained, test[0], evaluation, metrics)
        interrupted = publish(stage, output_dir)
    print(f"Wrote {MODEL_FILE}, {NATIVE_MODEL_FILE}, {ONNX_MODEL_FILE}, {', '.join(FIGURES)}, "
          f"{', '.join(REPORTS)} to {output_dir}/")
    if interrupted:
        print("Interrupted while the outputs were being moved into place: they were all written.",
              file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
