"""Choose the confidence below which --predict calls a reading unsure, on held-out training digits.

The default model (the original recipe) is trained by k-fold cross-validation inside the 4,000
training images, so that each of them is read once by a model that did not see it; the test
split is never read. The threshold chosen is the lowest confidence at which the readings at or
above it are right at least SURE_ACCURACY of the time: what a reading not marked unsure is
worth. The table shows, per threshold, how many readings it marks and how often those are
wrong. Typed capital letters A-Z, which are no digit at all, show how many non-digits it catches.
The threshold is written to digits/thresholds.json, where --predict and the page read it.

    python -m benchmarks.choose_unsure_threshold [--folds 5] [--seed 42]
"""

import json
import sys
from pathlib import Path

from benchmarks.compare_recipes import cross_validate
from benchmarks.flags import benchmark_parser
from digits import tensorflow_setup
from digits.constants import DEFAULT_DATA_DIR, PROJECT_DIR
from digits.reading import reader, readings
from digits.training import checks, data, fit
from digits.training.recipes import RECIPES

SURE_ACCURACY = 0.99
CANDIDATES = (0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.95, 0.98, 0.99, 0.995, 0.999)
LETTER_FONT = "DejaVuSans.ttf"


def parse_args(argv=None):
    """Read the benchmark's flags."""
    parser = benchmark_parser(__doc__, seed_help="seed of the folds and of training")
    parser.add_argument("--folds", type=int, default=5, help="cross-validation folds")
    return parser.parse_args(argv)


def letter_confidences(images, labels, seed):
    """The default recipe trained on all training images, reading typed letters A-Z."""
    import matplotlib
    import numpy as np
    from PIL import Image, ImageDraw, ImageFont

    tensorflow_setup.seed_everything(seed)
    model = fit.train_recipe(RECIPES["original"], (images, labels), None, seed).model
    font = ImageFont.truetype(str(Path(matplotlib.get_data_path()) / "fonts/ttf" / LETTER_FONT), 64)
    confidences = []
    for letter in "ABCDEFGHIJKLMNOPQRSTUVWXYZ":
        canvas = Image.new("L", (128, 128), 255)
        ImageDraw.Draw(canvas).text((32, 16), letter, font=font, fill=0)
        found = reader.read_digits(canvas)
        probabilities = model.predict(np.stack([digit.pixels for digit in found])[..., None], verbose=0)
        confidences += list(probabilities.max(axis=1))
    return np.array(confidences)


def main(argv=None):
    """Cross-validate the default recipe, print the table and the threshold it gives."""
    args = parse_args(argv)
    images, labels = data.load_split(checks.check_dataset(DEFAULT_DATA_DIR, strict=False).train)
    probabilities, *_ = cross_validate(RECIPES["original"], images, labels, args.folds, args.seed)
    confidence, right = probabilities.max(axis=1), probabilities.argmax(axis=1) == labels.argmax(axis=1)
    letters = letter_confidences(images, labels, args.seed)
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
          f"time: {chosen}; written to {readings.THRESHOLDS_FILE.relative_to(PROJECT_DIR)} "
          f"(it held {readings.UNSURE_BELOW})")
    thresholds = json.loads(readings.THRESHOLDS_FILE.read_text())
    thresholds.update(unsure_below=chosen, chosen_by=f"python -m benchmarks.choose_unsure_threshold "
                      f"--folds {args.folds} --seed {args.seed}")
    readings.THRESHOLDS_FILE.write_text(json.dumps(thresholds, indent=2) + "\n")


if __name__ == "__main__":
    sys.exit(main())
