"""Measure each lever of the improved recipe by k-fold cross-validation inside the training images.

The test split is never read. The 4,000 training images are split into --folds stratified folds;
for each fold, the recipe (or a variant of it with one lever changed) trains on the other folds
exactly as the script would (its own validation split held out of them, its temperature chosen
on that) and predicts the held-out fold. With 4 folds every training image is predicted once,
by a model that never saw it: 4,000 held-out predictions per variant, against 1,000 in the test
split. Each variant's rows: accuracy and loss over those predictions, how many of them it gets
wrong, and the mean seconds of training per fold.

    python benchmarks/compare_recipes.py                     # every variant, 4 folds
    python benchmarks/compare_recipes.py --variants improved no-elastic --folds 4
"""

import json
import sys
import time
from dataclasses import replace
from pathlib import Path

from flags import benchmark_parser

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from digits.constants import DEFAULT_DATA_DIR, NUM_CLASSES  # noqa: E402  (after the path is set)
from digits.recipes import RECIPES  # noqa: E402

IMPROVED = RECIPES["improved"]
# Each variant changes one lever of the improved recipe; "original" is the other recipe.
VARIANTS = {
    "improved": ("the improved recipe", IMPROVED),
    "fewer-epochs": (f"{IMPROVED.epochs // 3} epochs instead of {IMPROVED.epochs}",
                     replace(IMPROVED, epochs=IMPROVED.epochs // 3)),
    "no-elastic": ("no elastic distortion (turn, shift and zoom only)",
                   replace(IMPROVED, distortion=replace(IMPROVED.distortion, elastic_alpha=0))),
    "no-distortion": ("no distortion at all", replace(IMPROVED, distortion=None)),
    "no-temperature": ("no temperature chosen on the validation split",
                       replace(IMPROVED, calibrate=False)),
    # Its softmax is inside its last layer, so there are no scores to temper.
    "original-network": ("the original network in the compact one's place",
                         replace(IMPROVED, network="original", calibrate=False)),
    "original": ("the original recipe", RECIPES["original"]),
}


def parse_args(argv=None):
    """Read the benchmark's flags."""
    parser = benchmark_parser(__doc__, seed_help="seed of the folds and of training")
    parser.add_argument("--variants", nargs="+", choices=sorted(VARIANTS), default=list(VARIANTS),
                        help="which variants to measure")
    parser.add_argument("--folds", type=int, default=4, help="cross-validation folds")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    return parser.parse_args(argv)


def fold_numbers(labels, folds, seed):
    """Assign every image to one of the folds, the same share of each digit in each."""
    import numpy as np

    rng = np.random.default_rng(seed)
    digits = labels.argmax(axis=1)
    numbers = np.empty(len(digits), dtype=int)
    for digit in range(NUM_CLASSES):
        members = rng.permutation(np.flatnonzero(digits == digit))
        numbers[members] = np.arange(len(members)) % folds
    return numbers


def cross_validate(recipe, images, labels, folds, seed):
    """Held-out probabilities for every training image, and the training seconds per fold."""
    import numpy as np

    from digits import data, tensorflow_setup, training

    numbers = fold_numbers(labels, folds, seed)
    probabilities = np.zeros(labels.shape, dtype=np.float64)
    seconds = []
    for fold in range(folds):
        tensorflow_setup.seed_everything(seed + fold)
        train = images[numbers != fold], labels[numbers != fold]
        validation = None
        if recipe.validation_share:
            train, validation = data.split_validation(*train, recipe.validation_share, seed + fold)
        trained = training.train_recipe(recipe, train, validation, seed + fold)
        probabilities[numbers == fold] = trained.model.predict(images[numbers == fold], verbose=0)
        seconds.append(trained.seconds)
    return probabilities, seconds


def main(argv=None):
    """Cross-validate each variant and print a Markdown table."""
    import numpy as np

    from digits import checks, data

    args = parse_args(argv)
    images, labels = data.load_split(checks.check_dataset(DEFAULT_DATA_DIR, strict=False).train)
    truth = labels.argmax(axis=1)
    rows = {}
    for name in args.variants:
        started = time.perf_counter()
        probabilities, seconds = cross_validate(VARIANTS[name][1], images, labels, args.folds,
                                                args.seed)
        right = probabilities[np.arange(len(truth)), truth]
        rows[name] = {"accuracy": float(np.mean(probabilities.argmax(axis=1) == truth)),
                      "loss": float(-np.mean(np.log(np.maximum(right, 1e-12)))),
                      "wrong": int(np.sum(probabilities.argmax(axis=1) != truth)),
                      "train_seconds_per_fold": float(np.mean(seconds)),
                      "wall_seconds": time.perf_counter() - started}
        print(json.dumps({"variant": name, **rows[name]}), flush=True)
    print(f"\n{args.folds}-fold cross-validation inside the {len(truth):,} training images, "
          f"seed {args.seed}: every image predicted once by a model that did not train on it\n")
    print("| variant | held-out accuracy | held-out loss | wrong | training s per fold |")
    print("|---|---|---|---|---|")
    for name, row in rows.items():
        print(f"| {VARIANTS[name][0]} | {row['accuracy']:.4f} | {row['loss']:.4f} | {row['wrong']} | "
              f"{row['train_seconds_per_fold']:.0f} |")
    if args.json:
        args.json.write_text(json.dumps({"folds": args.folds, "seed": args.seed, "rows": rows},
                                        indent=2) + "\n")


if __name__ == "__main__":
    sys.exit(main())
