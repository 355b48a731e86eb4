"""Choose the confidence below which --predict calls a reading unsure, on held-out training digits.

The default model (the original recipe) is trained by k-fold cross-validation inside the 4,000
training images, so that each of them is read once by a model that did not see it; the test
split is never read. The threshold chosen is the lowest confidence at which the readings at or
above it are right at least SURE_ACCURACY of the time: what a reading not marked unsure is
worth. The table shows, per threshold, how many readings it marks and how often those are
wrong. Typed capital letters A-Z, which are no digit at all, show how many non-digits it catches.

    python benchmarks/choose_unsure_threshold.py [--folds 5] [--seed 42]
"""

import argparse
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import HandWritten_digit_Classifier as classifier  # noqa: E402  (after the path is set)
from compare_recipes import cross_validate  # noqa: E402

SURE_ACCURACY = 0.99
CANDIDATES = (0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.95, 0.98, 0.99, 0.995, 0.999)
LETTER_FONT = "DejaVuSans.ttf"


def parse_args(argv=None):
    """Read the benchmark's flags."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--folds", type=int, default=5, help="cross-validation folds")
    parser.add_argument("--seed", type=int, default=42, help="seed of the folds and of training")
    return parser.parse_args(argv)


def letter_confidences(keras, images, labels, seed):
    """The default recipe trained on all training images, reading typed letters A-Z."""
    import matplotlib
    import numpy as np
    from PIL import Image, ImageDraw, ImageFont

    import digit_reader

    classifier.seed_everything(keras, seed)
    model = classifier.train_recipe(keras, classifier.RECIPES["original"], (images, labels), None,
                                    seed).model
    font = ImageFont.truetype(str(Path(matplotlib.get_data_path()) / "fonts/ttf" / LETTER_FONT), 64)
    confidences = []
    for letter in "ABCDEFGHIJKLMNOPQRSTUVWXYZ":
        canvas = Image.new("L", (128, 128), 255)
        ImageDraw.Draw(canvas).text((32, 16), letter, font=font, fill=0)
        found = digit_reader.read_digits(canvas)
        probabilities = model.predict(np.stack([digit.pixels for digit in found])[..., None], verbose=0)
        confidences += list(probabilities.max(axis=1))
    return np.array(confidences)


def main(argv=None):
    """Cross-validate the default recipe, print the table and the threshold it gives."""
    import digit_model

    args = parse_args(argv)
    keras = classifier.import_keras()
    dataset = classifier.check_dataset(classifier.DEFAULT_DATA_DIR, strict=False)
    images, labels = classifier.load_split(keras, *dataset["train"])
    probabilities, _ = cross_validate(keras, classifier.RECIPES["original"], images, labels,
                                      args.folds, args.seed)
    confidence, right = probabilities.max(axis=1), probabilities.argmax(axis=1) == labels.argmax(axis=1)
    letters = letter_confidences(keras, images, labels, args.seed)
    print(f"\n{args.folds}-fold cross-validation of the original recipe inside the {len(right):,} "
          f"training images (seed {args.seed}): held-out accuracy {right.mean():.4f}\n")
    print("| unsure below | readings marked unsure | of them wrong | readings not marked, right "
          "| wrong readings caught | typed letters A-Z caught |")
    print("|---|---|---|---|---|---|")
    for threshold in CANDIDATES:
        unsure = confidence < threshold
        print(f"| {threshold} | {unsure.mean():.1%} | "
              f"{(~right[unsure]).mean() if unsure.any() else 0:.0%} | {right[~unsure].mean():.2%} | "
              f"{(~right & unsure).sum()} of {(~right).sum()} | {(letters < threshold).sum()} of 26 |")
    chosen = next((t for t in CANDIDATES if right[confidence >= t].mean() >= SURE_ACCURACY), None)
    print(f"\nLowest threshold whose sure readings are right at least {SURE_ACCURACY:.1%} of the "
          f"time: {chosen} (digit_model.UNSURE_BELOW is {digit_model.UNSURE_BELOW})")


if __name__ == "__main__":
    sys.exit(main())
