"""Handwritten digit classifier: a small convolutional network trained on Reduced MNIST.

Loads reduced_mnist/train/<digit>/ and reduced_mnist/test/<digit>/ with Keras'
ImageDataGenerator (28x28 grayscale, pixels rescaled to [0, 1], one-hot labels), trains
Conv2D(32) > MaxPool > Conv2D(64) > MaxPool > Flatten > Dense(128) > Dense(10) for 20 epochs
with Adam, validating on the test folder, then prints the test accuracy and loss and writes
into outputs/: the model (mnist_cnn_model.h5 and .keras), a confusion matrix, sample
predictions, the training history, metrics.json, history.csv and a classification report.

    python HandWritten_digit_Classifier.py                      # the original recipe
    python HandWritten_digit_Classifier.py --recipe improved    # augmentation, wider network
    python HandWritten_digit_Classifier.py --predict my_digit.jpg [more images or folders]
    python HandWritten_digit_Classifier.py --help               # every flag and its default

Works offline: the dataset is committed beside this script.
"""

import argparse
import importlib.util
import json
import logging
import os
import sys
import tempfile
import time
from collections import namedtuple
from pathlib import Path

SCRIPT_DIR = Path(__file__).resolve().parent
DEFAULT_DATA_DIR = SCRIPT_DIR / "reduced_mnist"
DEFAULT_OUTPUT_DIR = Path("outputs")
MODEL_FILE = "mnist_cnn_model.h5"
NATIVE_MODEL_FILE = "mnist_cnn_model.keras"

IMAGE_SIZE = (28, 28)
NUM_CLASSES = 10
CLASS_NAMES = [str(digit) for digit in range(NUM_CLASSES)]
DEFAULT_BATCH_SIZE = 32
DEFAULT_SEED = 42
RECIPE_EPOCHS = {"seed": 20, "improved": 30}
# Training steps per call into TensorFlow (Keras' default is 1): fewer round trips through
# Python. A small gain on this CPU; reading the images once is the big one (README, Performance).
STEPS_PER_EXECUTION = 25
DRY_RUN_BATCHES = 4
SAMPLE_GRID = (4, 6)
MAX_WRONG_SAMPLES = 8
REPORT_OPTIONS = dict(labels=range(NUM_CLASSES), target_names=CLASS_NAMES, zero_division=0)

# The improved recipe: each choice is explained in README.md ("Two recipes").
AUGMENT_ROTATION = 10 / 360   # fraction of a full turn: +-10 degrees
AUGMENT_SHIFT = 0.1           # fraction of the image size
AUGMENT_ZOOM = 0.1
IMPROVED_LEARNING_RATE = 1e-3
IMPROVED_DROPOUT = 0.4

# The extensions flow_from_directory reads; other files in a class folder are ignored.
TRAINING_EXTENSIONS = (".png", ".jpg", ".jpeg", ".bmp", ".ppm", ".tif", ".tiff")
PREDICT_EXTENSIONS = TRAINING_EXTENSIONS + (".gif", ".webp")
# Also accept the folder names of the Kaggle "Reduced MNIST" download (sic).
SPLIT_FOLDERS = {"train": ("train", "Reduced Trainging data"),
                 "test": ("test", "Reduced Testing data")}
MAX_NAMED_FILES = 5

# --predict: how a photo or scan is turned into an MNIST-style 28x28 digit.
DIGIT_BOX = 20             # MNIST digits fit a 20x20 box inside the 28x28 field
MAX_WORKING_SIDE = 512     # photos are reduced to this first; a digit needs no more
DENOISE_MIN_SIDE = 56      # median-filter only images large enough to keep their strokes
MIN_INK_CONTRAST = 40      # gray levels between paper and ink below which we see no digit
NOISE_FLOOR_SIGMAS = 5     # ink fainter than this many paper-noise deviations is paper


class UserError(Exception):
    """A problem the user can fix; reported as one line, without a traceback."""


# ---------------------------------------------------------------- command line

def whole_number(minimum):
    """Return an argparse type that accepts whole numbers of at least minimum."""
    def parse(text):
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be at least {minimum}, got {value}")
        return value
    return parse


def build_parser():
    """Describe every flag, with its default."""
    parser = argparse.ArgumentParser(
        description="Train a CNN on Reduced MNIST, or recognise digits in your own images.")
    parser.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR,
                        help="dataset folder holding train/<digit>/ and test/<digit>/ "
                             "(default: reduced_mnist/ beside this script)")
    parser.add_argument("--recipe", choices=sorted(RECIPE_EPOCHS), default="seed",
                        help="'seed' is the original model and training; 'improved' adds "
                             "augmentation, batch normalisation, dropout, a cosine schedule and "
                             "weight averaging (default: %(default)s)")
    parser.add_argument("--epochs", type=whole_number(1), default=None,
                        help="training epochs (default: 20 for seed, 30 for improved)")
    parser.add_argument("--batch-size", type=whole_number(1), default=DEFAULT_BATCH_SIZE,
                        help="images per training step (default: %(default)s)")
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
    parser.add_argument("--predict", nargs="+", metavar="PATH", type=Path,
                        help="recognise the digit in each image file (or every image in a folder) "
                             "instead of training")
    parser.add_argument("--model", type=Path, default=None,
                        help=f"with --predict: the .h5 or .keras model to use "
                             f"(default: <output-dir>/{MODEL_FILE})")
    parser.add_argument("--json", action="store_true",
                        help="with --predict: print one JSON object per image")
    parser.add_argument("--save-preprocessed", type=Path, metavar="DIR", default=None,
                        help="with --predict: also write the 28x28 images the model saw to DIR")
    return parser


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


def prepare_output_dir(output_dir):
    """Create the output folder if needed and prove it is writable, before any training."""
    try:
        output_dir.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=output_dir):
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
    logging.getLogger("absl").setLevel(logging.ERROR)
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
            batch_size=DEFAULT_BATCH_SIZE, shuffle=False)
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


# ---------------------------------------------------------------- model

def build_seed_model(keras):
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
    ], name="seed_cnn")


def conv_block(layers, filters):
    """Two 3x3 convolutions, each batch-normalised, then 2x2 pooling."""
    return [layers.Conv2D(filters, (3, 3), padding="same", use_bias=False),
            layers.BatchNormalization(), layers.Activation("relu"),
            layers.Conv2D(filters, (3, 3), padding="same", use_bias=False),
            layers.BatchNormalization(), layers.Activation("relu"),
            layers.MaxPooling2D((2, 2))]


def build_improved_model(keras):
    """A wider network with batch normalisation and dropout, augmenting its training input."""
    layers = keras.layers
    return keras.Sequential([
        keras.Input(shape=(*IMAGE_SIZE, 1)),
        # Random transforms are active only while training; evaluation sees the images as they are.
        layers.RandomRotation(AUGMENT_ROTATION, fill_mode="constant"),
        layers.RandomTranslation(AUGMENT_SHIFT, AUGMENT_SHIFT, fill_mode="constant"),
        layers.RandomZoom(AUGMENT_ZOOM, fill_mode="constant"),
        *conv_block(layers, 32),
        *conv_block(layers, 64),
        layers.Flatten(),
        layers.Dense(128, use_bias=False),
        layers.BatchNormalization(), layers.Activation("relu"),
        layers.Dropout(IMPROVED_DROPOUT),
        layers.Dense(NUM_CLASSES, activation="softmax"),
    ], name="improved_cnn")


def compile_model(keras, recipe, epochs, steps_per_epoch):
    """Build the recipe's network with Adam and categorical cross-entropy."""
    if recipe == "seed":
        model, learning_rate = build_seed_model(keras), 0.001  # Keras' Adam default
    else:
        model = build_improved_model(keras)
        learning_rate = keras.optimizers.schedules.CosineDecay(
            IMPROVED_LEARNING_RATE, decay_steps=epochs * steps_per_epoch)
    # The improved model also keeps an exponential moving average of its weights (momentum
    # 0.99: roughly the last hundred steps) and ends training with those averaged weights.
    model.compile(optimizer=keras.optimizers.Adam(learning_rate, use_ema=recipe == "improved"),
                  loss="categorical_crossentropy", metrics=["accuracy"],
                  steps_per_execution=STEPS_PER_EXECUTION)
    return model


# ---------------------------------------------------------------- training and evaluation

def train_model(keras, model, train, test, epochs, batch_size, callbacks):
    """Fit on the training arrays, validating on the test split; return history and seconds."""
    started = time.perf_counter()
    history = model.fit(*train, batch_size=batch_size, epochs=epochs, validation_data=test,
                        shuffle=True, callbacks=callbacks,
                        verbose="auto" if sys.stdout.isatty() else 2)
    return history.history, time.perf_counter() - started


Evaluation = namedtuple("Evaluation", "loss accuracy probabilities true_digits predicted_digits")


def evaluate_model(model, test_images, test_labels):
    """Return the test loss and accuracy, and every test image's probabilities and digits."""
    import numpy as np

    test_loss, test_accuracy = model.evaluate(test_images, test_labels, verbose=0)
    probabilities = model.predict(test_images, verbose=0)
    return Evaluation(test_loss, test_accuracy, probabilities, np.argmax(test_labels, axis=1),
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
    """Save the model, reload the file and check it predicts `expected` before it replaces path."""
    import numpy as np

    def save_and_reload(temporary):
        model.save(temporary)
        reloaded = keras.models.load_model(temporary, compile=False)
        if not np.allclose(reloaded.predict(test_images, verbose=0), expected, atol=1e-5):
            raise RuntimeError(f"{path}: the reloaded model predicts differently; not saved")

    write_atomically(path, save_and_reload)


def save_figure(figure, path):
    """Lay out a figure and save it as a PNG, atomically."""
    figure.tight_layout()
    write_atomically(path, lambda temporary: figure.savefig(temporary, dpi=110, format="png"))


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
    """Draw a grid of test images titled with true and predicted digit; wrong ones in red."""
    import matplotlib.pyplot as plt
    import numpy as np

    true_digits, predicted_digits = evaluation.true_digits, evaluation.predicted_digits
    probabilities = evaluation.probabilities
    rows, columns = SAMPLE_GRID
    chosen = choose_samples(true_digits, predicted_digits, rows * columns, seed)
    figure, grid = plt.subplots(rows, columns, figsize=(columns * 1.7, rows * 1.9))
    for axes, index in zip(grid.flat, chosen):
        wrong = true_digits[index] != predicted_digits[index]
        axes.imshow(test_images[index].squeeze(), cmap="gray", vmin=0, vmax=1)
        axes.set_title(f"true {true_digits[index]}, pred {predicted_digits[index]}\n"
                       f"({probabilities[index].max():.0%})",
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
    figure.suptitle(f"Sample test predictions: red = wrong ({errors} of {len(true_digits):,} "
                    "test images are wrong)")
    save_figure(figure, path)


def plot_training_history(history, path):
    """Draw accuracy and loss per epoch, training against validation."""
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    epochs = range(1, len(history["loss"]) + 1)
    figure, (accuracy_axes, loss_axes) = plt.subplots(1, 2, figsize=(11, 4.2))
    for axes, metric, label in ((accuracy_axes, "accuracy", "Accuracy"),
                                (loss_axes, "loss", "Cross-entropy loss")):
        axes.plot(epochs, history[metric], marker="o", markersize=3, label="training")
        axes.plot(epochs, history[f"val_{metric}"], marker="o", markersize=3,
                  label="validation (test split)")
        axes.set_xlabel("Epoch")
        axes.xaxis.set_major_locator(MaxNLocator(integer=True))
        axes.set_ylabel(label)
        axes.set_title(f"{label} per epoch")
        axes.grid(alpha=0.3)
        axes.legend()
    save_figure(figure, path)


def write_text(path, text):
    """Write a text file atomically."""
    write_atomically(path, lambda temporary: Path(temporary).write_text(text))


def build_metrics(args, epochs, counts, train_seconds, evaluation):
    """Collect what a run measured, for metrics.json."""
    import keras
    import tensorflow as tf
    from sklearn.metrics import classification_report

    report = classification_report(evaluation.true_digits, evaluation.predicted_digits,
                                   output_dict=True, **REPORT_OPTIONS)
    return {
        "recipe": args.recipe, "test_accuracy": float(evaluation.accuracy),
        "test_loss": float(evaluation.loss),
        "epochs": epochs, "batch_size": args.batch_size, "seed": args.seed,
        "train_images": counts[0], "test_images": counts[1],
        "train_seconds": round(train_seconds, 2),
        "per_class": {digit: {"precision": report[digit]["precision"],
                              "recall": report[digit]["recall"],
                              "f1": report[digit]["f1-score"],
                              "support": int(report[digit]["support"])} for digit in CLASS_NAMES},
        "data_dir": str(args.data_dir), "tensorflow_version": tf.__version__,
        "keras_version": keras.__version__,
    }


# ---------------------------------------------------------------- prediction on people's images

def to_grayscale(image):
    """Return the image as a float array of gray levels 0-255, transparency flattened onto white."""
    import numpy as np
    from PIL import Image

    if image.mode in ("I", "I;16", "I;16B", "I;16L", "I;16N"):
        # 16-bit scans: Pillow's convert("L") would clip them, so scale to 8 bits instead.
        return np.clip(np.asarray(image, dtype=np.float32) / 257.0, 0, 255)
    if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
        rgba = image.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        image = Image.alpha_composite(white, rgba)
    return np.asarray(image.convert("L"), dtype=np.float32)


def normalise_digit(image):
    """Turn a PIL image of one digit into the 28x28 MNIST form, floats in [0, 1]."""
    import numpy as np
    from PIL import Image, ImageFilter, ImageOps

    gray = Image.fromarray(to_grayscale(ImageOps.exif_transpose(image)), mode="F")
    if max(gray.size) > MAX_WORKING_SIDE:
        scale = MAX_WORKING_SIDE / max(gray.size)
        gray = gray.resize((max(1, round(gray.width * scale)), max(1, round(gray.height * scale))),
                           Image.Resampling.BOX)
    if min(gray.size) >= DENOISE_MIN_SIDE:
        gray = gray.filter(ImageFilter.MedianFilter(3))
    levels = np.asarray(gray, dtype=np.float32)
    border = np.concatenate([levels[0], levels[-1], levels[:, 0], levels[:, -1]])
    if np.median(border) > 127:  # dark ink on light paper: MNIST is white ink on black
        levels, border = 255 - levels, 255 - border
    paper = np.median(border)
    contrast = levels.max() - paper
    if contrast < MIN_INK_CONTRAST:
        raise ValueError("no digit found: the image is blank or has almost no contrast")
    ink = np.clip((levels - paper) / contrast, 0, 1)
    # Paper grain sets the floor: a clean MNIST-style image keeps all its ink, a noisy
    # photo loses only what is within a few standard deviations of its paper's noise.
    ink[ink <= NOISE_FLOOR_SIGMAS * np.std(border) / contrast] = 0
    rows, columns = np.flatnonzero(ink.any(axis=1)), np.flatnonzero(ink.any(axis=0))
    ink = ink[rows[0]:rows[-1] + 1, columns[0]:columns[-1] + 1]
    scale = DIGIT_BOX / max(ink.shape)
    size = (max(1, round(ink.shape[1] * scale)), max(1, round(ink.shape[0] * scale)))
    digit = np.clip(np.asarray(Image.fromarray(ink, mode="F").resize(size, Image.Resampling.LANCZOS)),
                    0, 1)
    return centre_by_mass(digit)


def centre_by_mass(digit):
    """Paste a digit into a 28x28 field so that its centre of mass sits at the centre."""
    import numpy as np

    height, width = digit.shape
    row_index, column_index = np.indices(digit.shape)
    mass = digit.sum()
    top = int(round(IMAGE_SIZE[0] / 2 - (row_index * digit).sum() / mass))
    left = int(round(IMAGE_SIZE[1] / 2 - (column_index * digit).sum() / mass))
    top = min(max(top, 0), IMAGE_SIZE[0] - height)
    left = min(max(left, 0), IMAGE_SIZE[1] - width)
    field = np.zeros(IMAGE_SIZE, dtype=np.float32)
    field[top:top + height, left:left + width] = digit
    return field


def expand_paths(paths):
    """Return (file, problem) pairs: files as given, folders as the images inside them, sorted."""
    expanded = []
    for path in paths:
        if path.is_dir():
            images = list_images(path, PREDICT_EXTENSIONS)
            expanded += [(image, None) for image in images] or [(path, "folder has no image files")]
        elif path.exists():
            expanded.append((path, None))
        else:
            expanded.append((path, "no such file or folder"))
    return expanded


def read_digit(path):
    """Open an image file and normalise it; raise ValueError with a short reason on failure."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as image:
            image.load()
            return normalise_digit(image)
    except UnidentifiedImageError:
        raise ValueError("not an image file (format not recognised)") from None
    except Image.DecompressionBombError:
        raise ValueError("image is too large to open safely (over 178 megapixels)") from None
    except (OSError, SyntaxError) as error:
        raise ValueError(f"image is truncated or corrupt ({error})") from None


def load_trained_model(keras, model_path):
    """Load a saved model and check it takes 28x28x1 images and gives 10 probabilities."""
    try:
        model = keras.models.load_model(model_path, compile=False)
    except Exception as error:  # Keras raises many types for a bad file; report its words
        reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise UserError(f"cannot load model {model_path}: {reason}") from None
    if tuple(model.input_shape[1:]) != (*IMAGE_SIZE, 1) or model.output_shape[-1] != NUM_CLASSES:
        raise UserError(f"model {model_path} takes {model.input_shape[1:]} and gives "
                        f"{model.output_shape[-1]} outputs; expected 28x28x1 images and 10 digits")
    return model


def save_preprocessed(folder, path, digit, used_names):
    """Write the 28x28 image the model saw, named after its source file."""
    import numpy as np
    from PIL import Image

    name, copy = f"{path.stem}.png", 1
    while name in used_names:
        copy += 1
        name = f"{path.stem}-{copy}.png"
    used_names.add(name)
    Image.fromarray(np.round(digit * 255).astype(np.uint8), mode="L").save(folder / name)


def format_prediction(path, probabilities, as_json):
    """One output line for one recognised image."""
    import numpy as np

    ranked = np.argsort(probabilities)[::-1]
    if as_json:
        return json.dumps({"file": str(path), "digit": int(ranked[0]),
                           "confidence": round(float(probabilities[ranked[0]]), 6),
                           "probabilities": [round(float(p), 6) for p in probabilities]})
    runners_up = ", ".join(f"{digit} ({probabilities[digit]:.1%})" for digit in ranked[1:3])
    return f"{path}: {ranked[0]} ({probabilities[ranked[0]]:.1%}); runners-up {runners_up}"


def format_failure(path, problem, as_json):
    """One output line for an image that could not be recognised."""
    if as_json:
        return json.dumps({"file": str(path), "error": problem})
    return f"{path}: error: {problem}"


def predict_images(args):
    """Recognise the digit in each given image; return the exit status."""
    import numpy as np

    model_path = args.model or args.output_dir / MODEL_FILE
    if not model_path.is_file():
        raise UserError(f"model file {model_path} not found; train one first with "
                        "`python HandWritten_digit_Classifier.py` or pass --model FILE")
    if args.save_preprocessed:
        prepare_output_dir(args.save_preprocessed)
    results = []
    for path, problem in expand_paths(args.predict):
        digit = None
        if problem is None:
            try:
                digit = read_digit(path)
            except ValueError as error:
                problem = str(error)
        results.append((path, digit, problem))
    keras = import_keras()
    model = load_trained_model(keras, model_path)
    digits = [digit for _, digit, _ in results if digit is not None]
    probabilities = iter(model.predict(np.stack(digits)[..., None], verbose=0) if digits else [])
    used_names = set()
    for path, digit, problem in results:
        if problem:
            print(format_failure(path, problem, args.json))
            continue
        print(format_prediction(path, next(probabilities), args.json))
        if args.save_preprocessed:
            save_preprocessed(args.save_preprocessed, path, digit, used_names)
    return 1 if any(problem for _, _, problem in results) else 0


# ---------------------------------------------------------------- main

def main(argv=None):
    """Check the inputs, train, evaluate and write the outputs (or --predict); return exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not args.predict and (args.model or args.json or args.save_preprocessed):
        parser.error("--model, --json and --save-preprocessed go with --predict")
    try:
        if args.predict:
            return predict_images(args)
        return train_and_report(parser, args)
    except UserError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("Interrupted: stopped before finishing; earlier outputs are untouched and nothing "
              "half-written was left.", file=sys.stderr)
        return 130


def train_and_report(parser, args):
    """The training pipeline, stage by stage."""
    epochs = 1 if args.dry_run else args.epochs or RECIPE_EPOCHS[args.recipe]
    dataset = check_dataset(args.data_dir, args.strict)
    train_count = sum(len(paths) for paths in dataset["train"][1].values())
    if args.batch_size > train_count:
        parser.error(f"argument --batch-size: {args.batch_size} is larger than the training set "
                     f"({train_count} images)")
    if args.tensorboard and importlib.util.find_spec("tensorboard") is None:
        raise UserError("--tensorboard needs the tensorboard package: pip install -r requirements.txt")
    output_dir = prepare_output_dir(args.output_dir)

    keras = import_keras()
    seed_everything(keras, args.seed)
    train = load_split(keras, *dataset["train"])
    test = load_split(keras, *dataset["test"])
    if args.dry_run:
        train = tuple(array[:DRY_RUN_BATCHES * args.batch_size] for array in train)
    steps_per_epoch = -(-len(train[0]) // args.batch_size)
    model = compile_model(keras, args.recipe, epochs, steps_per_epoch)
    model.summary()

    with tempfile.TemporaryDirectory(dir=output_dir, prefix=".run-") as scratch:
        callbacks = [keras.callbacks.CSVLogger(Path(scratch) / "history.csv")]
        if args.recipe == "improved":  # validate each epoch with the averaged weights
            callbacks.insert(0, keras.callbacks.SwapEMAWeights())
        if args.tensorboard:
            log_dir = output_dir / "tensorboard" / time.strftime("%Y%m%d-%H%M%S")
            callbacks.append(keras.callbacks.TensorBoard(log_dir=str(log_dir)))
        history, train_seconds = train_model(keras, model, train, test, epochs, args.batch_size,
                                             callbacks)
        evaluation = evaluate_model(model, *test)
        print(f"Test accuracy: {evaluation.accuracy:.4f}")
        print(f"Test loss: {evaluation.loss:.4f}")
        print(f"Training took {train_seconds:.1f} s ({train_seconds / epochs:.2f} s per epoch)")
        if args.dry_run:
            print("Dry run finished: data, model and training work. Nothing was written.")
            return 0
        metrics = build_metrics(args, epochs, (len(train[0]), len(test[0])), train_seconds,
                                evaluation)
        write_outputs(keras, args, output_dir, model, test[0], history, evaluation, metrics,
                      Path(scratch) / "history.csv")
    return 0


def write_outputs(keras, args, output_dir, model, test_images, history, evaluation, metrics,
                  history_csv):
    """Write the model, figures, metrics and reports, each atomically, and list them."""
    import matplotlib
    from sklearn.metrics import classification_report

    if not args.show:
        matplotlib.use("Agg")
    import matplotlib.pyplot as plt  # only once the backend is chosen
    save_model_checked(keras, model, output_dir / MODEL_FILE, test_images, evaluation.probabilities)
    write_atomically(output_dir / NATIVE_MODEL_FILE, model.save)
    plot_confusion_matrix(evaluation.true_digits, evaluation.predicted_digits, evaluation.accuracy,
                          output_dir / "confusion_matrix.png")
    plot_sample_predictions(test_images, evaluation, args.seed, output_dir / "sample_predictions.png")
    plot_training_history(history, output_dir / "training_history.png")
    write_text(output_dir / "classification_report.txt",
               classification_report(evaluation.true_digits, evaluation.predicted_digits,
                                     digits=4, **REPORT_OPTIONS))
    write_text(output_dir / "metrics.json", json.dumps(metrics, indent=2) + "\n")
    os.replace(history_csv, output_dir / "history.csv")
    print(f"Wrote {MODEL_FILE}, {NATIVE_MODEL_FILE}, confusion_matrix.png, sample_predictions.png, "
          f"training_history.png, metrics.json, history.csv and classification_report.txt "
          f"to {output_dir}/")
    if args.show:
        plt.show()
    plt.close("all")


if __name__ == "__main__":
    sys.exit(main())
