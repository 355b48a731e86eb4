"""Measure the not-a-digit check: how many held-out non-digits each model reads as a sure digit
with and without it, and how many real digits it refuses.

Non-digits held out from the check's training: letters unlike digits in fonts it never saw
(matplotlib's STIX and Computer Modern; and user_images' Debian handwriting fonts, where
installed) and shapes and scribbles from the generator's measuring seed. Without the check, a
non-digit is stopped only by the unsure threshold; "sure digit" means neither refused nor unsure.
Digits: the test split (1,000), the README's reading sets (accuracy with and without the check)
and, with --real FOLDER, the single digits of the real photos (digits/evaluation/real_set.py).

    python -m benchmarks.not_a_digit [--models models/mnist_cnn_improved.onnx outputs/mnist_cnn_model.onnx] [--real FOLDER]
"""

import dataclasses
import sys
from pathlib import Path

import numpy as np

from benchmarks.flags import benchmark_parser
from digits import errors
from digits.constants import ONNX_MODEL_FILE, PROJECT_DIR, SHIPPED_MODEL
from digits.evaluation import not_a_digit_images, real_set, user_images
from digits.reading import reader, readings

LETTER_SIZES = (48, 96)
SHAPES = 1000


def real_singles(folder):
    """The 28x28 forms of the real photos' single digits, as the reader finds them."""
    forms = []
    for row in real_set.read_labels():
        if row["kind"].startswith("single"):
            try:
                forms += [digit.pixels for digit in reader.read_digits(folder / row["image"])]
            except errors.ReaderError:
                pass
    return np.stack(forms)


def main(argv=None):
    """Print a table per model: non-digits read as sure digits, digits refused."""
    parser = benchmark_parser(__doc__)
    parser.add_argument("--models", nargs="+", type=Path,
                        default=[SHIPPED_MODEL.relative_to(PROJECT_DIR), Path("outputs") / ONNX_MODEL_FILE],
                        help="the .onnx, .h5 or .keras models to measure")
    parser.add_argument("--real", type=Path, help="a folder with the real photos (digits/evaluation/real_set.py)")
    args = parser.parse_args(argv)
    letters = {"letters, STIX and Computer Modern":
               not_a_digit_images.letter_forms(not_a_digit_images.MEASURING_FONTS, LETTER_SIZES)}
    fonts = user_images.handwriting_fonts()
    if fonts:
        letters[f"letters, {len(fonts)} handwriting fonts"] = not_a_digit_images.letter_forms(fonts, LETTER_SIZES)
    shapes = not_a_digit_images.shape_forms(SHAPES, np.random.default_rng(not_a_digit_images.MEASURING_SEED))
    digit_sets = {"test split (1,000)": user_images.whole_test_split()[0]}
    if args.real:
        digit_sets["real photos, single digits"] = real_singles(args.real)
    for path in args.models:
        model = readings.load_model(path, not_a_digit=True)
        check = model.not_a_digit
        print(f"\n{path}, with {check.path.relative_to(PROJECT_DIR)} (digit below {check.digit_below:.4f})")
        print("| what | read as a sure digit: with the check | unsure threshold alone |\n|---|---|---|")
        for name, forms in {**letters, "shapes and scribbles": shapes}.items():
            with_check, alone = user_images.sure_digit_shares(model, forms)
            print(f"| {name} ({len(forms)}) | {with_check:.1%} | {alone:.1%} |")
        print("\n| digits | refused by the check |\n|---|---|")
        for name, forms in digit_sets.items():
            print(f"| {name} ({len(forms)}) | {np.mean(check.refuses(forms.astype(np.float32))):.1%} |")
        with_check, _ = user_images.reading_accuracies(model)
        without, _ = user_images.reading_accuracies(dataclasses.replace(model, not_a_digit=None))
        user_images.print_table({"with the check": with_check, "without": without})


if __name__ == "__main__":
    sys.exit(main())
