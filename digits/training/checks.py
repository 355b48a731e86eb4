"""The dataset, checked before TensorFlow starts: every problem is one line, found in seconds.

    dataset = check_dataset(Path("reduced_mnist"), strict=False)
    dataset.train.folder, dataset.train.images["7"], dataset.train.unreadable
"""

import sys
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

from digits.constants import CLASS_NAMES, IMAGE_SIZE, TRAINING_EXTENSIONS
from digits.errors import UserError

# Also accept the folder names of the Kaggle "Reduced MNIST" download (sic).
SPLIT_FOLDERS = {"train": ("train", "Reduced Trainging data"),
                 "test": ("test", "Reduced Testing data")}
MAX_NAMED_FILES = 5


@dataclass(frozen=True)
class Split:
    """One split of the dataset: its folder, its readable images per digit, its unreadable files."""
    folder: Path
    images: dict
    unreadable: list

    @property
    def count(self):
        return sum(len(paths) for paths in self.images.values())


@dataclass(frozen=True)
class Dataset:
    """The checked train and test splits."""
    train: Split
    test: Split


def find_splits(data_dir):
    """Return the train and test folders of data_dir, or say which is missing."""
    if data_dir.is_file():
        raise UserError(f"--data-dir {data_dir} is a file, not a folder; pass --data-dir with a "
                        "folder holding train/ and test/")
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
    try:
        with Image.open(path) as image:
            image.load()
            return False, image.size != IMAGE_SIZE or image.mode != "L"
    except Exception:  # PIL raises many types for bad files; any of them means unreadable
        return True, False


def scan_split(split_dir):
    """Check one split's class folders; return the Split and how many images need converting."""
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
    return Split(split_dir, images, unreadable), converted


def name_files(paths):
    """Name the first few paths, and count the rest."""
    named = ", ".join(str(path) for path in paths[:MAX_NAMED_FILES])
    extra = len(paths) - MAX_NAMED_FILES
    return named + (f" and {extra} more" if extra > 0 else "")


def check_dataset(data_dir, strict):
    """Check the whole dataset before training; return it as a Dataset."""
    (train, train_converted), (test, test_converted) = map(scan_split, find_splits(data_dir))
    unreadable = train.unreadable + test.unreadable
    if unreadable and strict:
        raise UserError(f"{len(unreadable)} unreadable image(s): {name_files(unreadable)}; "
                        "remove or replace them (or run without --strict to skip them)")
    for split in (train, test):
        empty = [digit for digit, paths in split.images.items() if not paths]
        if empty:
            raise UserError(f"{split.folder} has no readable images for digit(s) {', '.join(empty)}; "
                            "every class folder needs at least one image")
    if unreadable:
        print(f"warning: skipping {len(unreadable)} unreadable image(s): {name_files(unreadable)}",
              file=sys.stderr)
    if train_converted + test_converted:
        print(f"note: {train_converted + test_converted} image(s) are not 28x28 grayscale; they "
              "are converted and resized to 28x28 on loading", file=sys.stderr)
    return Dataset(train, test)
