"""The script's command line: every flag with its default, argparse with one-line errors (and a
suggestion for a misspelt flag), whole-number flags, and flags refused outside their mode."""

import argparse
import difflib
from pathlib import Path

from digits.constants import (
    DEFAULT_DATA_DIR,
    DEFAULT_HOST,
    DEFAULT_OUTPUT_DIR,
    DEFAULT_PORT,
    DRY_RUN_BATCHES,
    EXPORT_FORMATS,
    MODEL_FILE,
    ONNX_MODEL_FILE,
    SEED,
)
from digits.training import recipes


class Parser(argparse.ArgumentParser):
    """argparse with abbreviations refused (--epoch is not --epochs) and each error as one line:
    the problem, and where to read more, instead of the whole usage first."""

    def __init__(self, **options):
        super().__init__(allow_abbrev=False, **options)

    def error(self, message):
        self.exit(2, f"error: {message}{self.suggestion(message)} (--help lists every flag)\n")

    def suggestion(self, message):
        """'; did you mean --epochs?' for a misspelt flag that argparse did not recognise."""
        if not message.startswith("unrecognized arguments:"):
            return ""
        flags = [word.split("=")[0] for word in message.split()[2:] if word.startswith("--")]
        close = [difflib.get_close_matches(flag, self._option_string_actions, n=1) for flag in flags]
        return "".join(f"; did you mean {match[0]}?" for match in close if match)


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


def refuse_flags_outside_their_mode(parser, args, flag_modes):
    """Stop with a usage error if a flag is used without any of its modes ({flag: (mode, ...)})."""
    for flag, modes in flag_modes.items():
        if getattr(args, flag) not in (None, False) and not any(getattr(args, mode) for mode in modes):
            names = ["--" + mode for mode in modes]
            allowed = names[0] if len(names) == 1 else f"{', '.join(names[:-1])} or {names[-1]}"
            parser.error(f"--{flag.replace('_', '-')} can only be used with {allowed}")


# The flags that belong to some modes only, refused without them.
FLAG_MODES = {"json": ("predict",), "save_preprocessed": ("predict",), "annotate": ("predict",),
              "port": ("serve",), "host": ("serve",), "output": ("export",),
              "model": ("predict", "serve", "export"), "not_a_digit": ("predict", "serve")}


def build_parser():
    """Every flag, with its default."""
    parser = Parser(description="Train a CNN on Reduced MNIST, or read the digits in your own "
                    "images. The dataset is found beside this script; outputs/ is relative to the "
                    "folder you run it from.")
    add = parser.add_argument
    add("--data-dir", type=Path, default=DEFAULT_DATA_DIR, help="dataset folder holding "
        "train/<digit>/ and test/<digit>/ (default: reduced_mnist/ beside this script)")
    add("--recipe", choices=sorted(recipes.RECIPES), default="original", help="'original' is the "
        "original model and training; 'improved' trains a smaller network longer on elastically "
        "distorted digits, judged on a validation split of the training images (default: original)")
    defaults = {field: ", ".join(f"{getattr(recipe, field)} for {name}"
                                 for name, recipe in recipes.RECIPES.items())
                for field in ("epochs", "batch_size")}
    add("--epochs", type=whole_number(1), help=f"training epochs (default: {defaults['epochs']})")
    add("--batch-size", type=whole_number(1),
        help=f"images per training step (default: {defaults['batch_size']})")
    add("--seed", type=whole_number(0), default=SEED, help="random seed; the same seed on "
        "the same machine gives the same results (default: %(default)s)")
    add("--output-dir", type=Path, default=DEFAULT_OUTPUT_DIR, help="where the model, figures and "
        "metrics are written, and where --predict, --serve and --export look for the model "
        "(default: outputs/ in the current folder)")
    add("--strict", action="store_true", help="refuse to train when an image is unreadable, "
        "instead of skipping it")
    add("--tensorboard", action="store_true", help="also write TensorBoard logs to "
        "<output-dir>/tensorboard/")
    add("--show", action="store_true", help="also open the figures on screen (they are always saved)")
    add("--dry-run", action="store_true", help=f"train one epoch on {DRY_RUN_BATCHES} batches to "
        "check the set-up; writes nothing")
    modes = parser.add_mutually_exclusive_group()
    modes.add_argument("--predict", nargs="+", metavar="PATH", type=Path, help="read the digits in "
                       "each image file (or every image in a folder) instead of training")
    modes.add_argument("--serve", action="store_true", help="serve a local web page to draw or "
                       "upload digits, instead of training")
    modes.add_argument("--export", choices=sorted(EXPORT_FORMATS), help="convert a saved model to "
                       "ONNX, LiteRT (.tflite) or a TensorFlow SavedModel, checked on the test "
                       "split, instead of training")
    add("--model", type=Path, help=f"with --predict or --serve: the .onnx, .h5 or .keras model "
        f"(default: <output-dir>/{ONNX_MODEL_FILE} if there is one, else {MODEL_FILE}, else the "
        f"model that ships in models/); with --export: the .h5 or .keras model (default: "
        f"<output-dir>/{MODEL_FILE})")
    add("--not-a-digit", action="store_true", help="with --predict or --serve: call pieces that "
        "look like no digit at all (a letter, a doodle) 'not a digit' (? in a number), with the "
        "check that ships in models/")
    add("--json", action="store_true", help="with --predict: print one JSON object per image")
    add("--save-preprocessed", type=Path, metavar="DIR", help="with --predict: also write each "
        "digit's 28x28 input to DIR, as <image file name>-digit<N>.png")
    add("--annotate", type=Path, metavar="DIR", help="with --predict: also write a copy of each "
        "image to DIR, as <image file name>.png, with a box around each digit and the digit read")
    # --port and --host default to None, so that giving them without --serve can be refused.
    add("--port", type=whole_number(0, 65535),
        help=f"with --serve: the port (default: {DEFAULT_PORT}; 0 picks a free one)")
    add("--host", help=f"with --serve: the address to listen on (default: {DEFAULT_HOST}, this "
        "machine only)")
    add("--output", type=Path, help="with --export: where to write (default: the model's path "
        "with .onnx, .tflite or _saved_model/)")
    return parser
