"""Measure each lever of the improved recipe by k-fold cross-validation inside the training images.

The test split is never read. The 4,000 training images are split into --folds stratified folds;
for each fold, the recipe (or a variant of it with one lever changed) trains on the other folds
exactly as the script would (its own validation split held out of them, its temperature chosen
on that) and predicts the held-out fold. With 4 folds every training image is predicted once,
by a model that never saw it: 4,000 held-out predictions per variant, against 1,000 in the test
split. Each variant's rows: accuracy and loss over those predictions, how many of them it gets
wrong, and the mean seconds of training per fold. Then each variant as a reader: every fold's
model reads the README's reading sets (digits/evaluation/user_images.py: drawn, photographed, scanned,
typed, numbers) made from READING_PER_DIGIT of each digit of the fold it did not train on, so
that a lever that helps on MNIST's own digits but hurts reading people's shows.

    python -m benchmarks.compare_recipes                     # every variant, 4 folds
    python -m benchmarks.compare_recipes --variants improved no-elastic --folds 4
"""

import json
import sys
import time
from dataclasses import replace
from pathlib import Path

from benchmarks.flags import benchmark_parser
from digits.constants import DEFAULT_DATA_DIR, NUM_CLASSES
from digits.training.recipes import RECIPES

IMPROVED = RECIPES["improved"]
READING_PER_DIGIT = 20   # of each held-out fold: 800 images per set over 4 folds
# Other writers' 1s, 7s and 0s (augmentation.other_writers) made from each held-out fold with a
# seed no model learns from: how a lever reads the styles MNIST's writers rarely used.
STYLED_SEED = 2026
# The stroke levers at what pens and scanners do, each alone and all together.
STROKE_LEVERS = {"thicker-thinner": dict(stroke=0.5), "slanted": dict(shear=0.3),
                 "softer-fainter": dict(blur_sigma=1.0, faint=0.5)}
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
    "thicker-thinner": ("strokes thickened or thinned by up to half a 3x3 dilation or erosion",
                        replace(IMPROVED, distortion=replace(IMPROVED.distortion,
                                                             **STROKE_LEVERS["thicker-thinner"]))),
    "slanted": ("slanted by up to 0.3 (17 degrees) either way",
                replace(IMPROVED, distortion=replace(IMPROVED.distortion, **STROKE_LEVERS["slanted"]))),
    "softer-fainter": ("softened by a Gaussian of up to 1 pixel and faded by up to half",
                       replace(IMPROVED, distortion=replace(IMPROVED.distortion,
                                                            **STROKE_LEVERS["softer-fainter"]))),
    "no-styles": ("no 1s or 7s in other writers' styles (MNIST's own only)",
                  replace(IMPROVED, distortion=replace(IMPROVED.distortion, styles=0))),
    "fewer-styles": ("a fifth of the 1s with a flag, a foot or both, and of the 7s with a bar, not half",
                     replace(IMPROVED, distortion=replace(IMPROVED.distortion, styles=0.2))),
    "all-stroke-levers": ("all three stroke levers above together",
                          replace(IMPROVED, distortion=replace(
                              IMPROVED.distortion, **{key: value for lever in STROKE_LEVERS.values()
                                                      for key, value in lever.items()}))),
}


def parse_args(argv=None):
    """Read the benchmark's flags."""
    parser = benchmark_parser(__doc__, seed_help="seed of the folds and of training")
    parser.add_argument("--variants", nargs="+", choices=sorted(VARIANTS), default=list(VARIANTS),
                        help="which variants to measure")
    parser.add_argument("--folds", type=int, default=4, help="cross-validation folds")
    parser.add_argument("--json", type=Path,
                        help="also write the figures to this file, after each variant; rows of other "
                             "variants already in it (same folds and seed) are kept")
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


def held_out_digits(images, labels, held_out, per_digit):
    """The first per_digit held-out images of each digit as (28x28 uint8 pixels, digit) pairs,
    the form of the committed PNGs that the reading sets are made from."""
    import numpy as np

    digits = labels.argmax(axis=1)
    return [(np.round(images[index, ..., 0] * 255).astype(np.uint8), digit)
            for digit in range(NUM_CLASSES)
            for index in np.flatnonzero(held_out & (digits == digit))[:per_digit]]


def styled_digits(images, labels):
    """The 1s and 7s among images written again in other writers' styles, and the 0s marked
    (augmentation.other_writers, seed STYLED_SEED): (images, digits)."""
    from digits.training import augmentation

    styled, digits = augmentation.other_writers(images, labels.argmax(axis=1), STYLED_SEED)
    return styled.numpy(), digits.numpy()


def cross_validate(recipe, images, labels, folds, seed):
    """Held-out probabilities for every training image, the training seconds per fold, each
    reading set's share read right, averaged over the folds, and how many of the held-out folds'
    digits in other writers' styles (styled_digits) were misread, of how many."""
    import numpy as np

    from digits import tensorflow_setup
    from digits.evaluation import user_images
    from digits.reading import runtime
    from digits.training import data, fit

    numbers = fold_numbers(labels, folds, seed)
    probabilities = np.zeros(labels.shape, dtype=np.float64)
    seconds = []
    reading = {}
    styled_wrong = styled_count = 0
    for fold in range(folds):
        tensorflow_setup.seed_everything(seed + fold)
        train = images[numbers != fold], labels[numbers != fold]
        validation = None
        if recipe.validation_share:
            train, validation = data.split_validation(*train, recipe.validation_share, seed + fold)
        trained = fit.train_recipe(recipe, train, validation, seed + fold)
        probabilities[numbers == fold] = trained.model.predict(images[numbers == fold], verbose=0)
        seconds.append(trained.seconds)
        styled, styled_truth = styled_digits(images[numbers == fold], labels[numbers == fold])
        styled_wrong += int(np.sum(trained.model.predict(styled, verbose=0).argmax(axis=1) != styled_truth))
        styled_count += len(styled_truth)
        model = runtime.DigitModel(f"fold {fold}", lambda batch, keras_model=trained.model:
                                  keras_model.predict_on_batch(batch[..., None]))
        fold_reading, _ = user_images.reading_accuracies(
            model, held_out_digits(images, labels, numbers == fold, READING_PER_DIGIT))
        for name, accuracy in fold_reading.items():
            reading[name] = reading.get(name, 0) + accuracy / folds  # the sets' sizes are alike
    return probabilities, seconds, reading, (styled_wrong, styled_count)


def main(argv=None):
    """Cross-validate each variant and print a Markdown table."""
    import numpy as np

    from digits.evaluation import user_images
    from digits.training import checks, data

    args = parse_args(argv)
    images, labels = data.load_split(checks.check_dataset(DEFAULT_DATA_DIR, strict=False).train)
    truth = labels.argmax(axis=1)
    rows = {}
    recorded = {}
    if args.json and args.json.is_file():
        earlier = json.loads(args.json.read_text())
        if (earlier["folds"], earlier["seed"]) == (args.folds, args.seed):
            recorded = earlier["rows"]
    for name in args.variants:
        started = time.perf_counter()
        probabilities, seconds, reading, (styled_wrong, styled_count) = cross_validate(
            VARIANTS[name][1], images, labels, args.folds, args.seed)
        right = probabilities[np.arange(len(truth)), truth]
        rows[name] = {"accuracy": float(np.mean(probabilities.argmax(axis=1) == truth)),
                      "loss": float(-np.mean(np.log(np.maximum(right, 1e-12)))),
                      "wrong": int(np.sum(probabilities.argmax(axis=1) != truth)),
                      "styled_wrong": styled_wrong, "styled_count": styled_count,
                      "train_seconds_per_fold": float(np.mean(seconds)),
                      "reading": {set_name: float(share) for set_name, share in reading.items()},
                      "wall_seconds": time.perf_counter() - started}
        print(json.dumps({"variant": name, **rows[name]}), flush=True)
        if args.json:
            recorded[name] = rows[name]
            args.json.write_text(json.dumps({"folds": args.folds, "seed": args.seed, "rows": recorded},
                                            indent=2) + "\n")
    print(f"\n{args.folds}-fold cross-validation inside the {len(truth):,} training images, "
          f"seed {args.seed}: every image predicted once by a model that did not train on it\n")
    print("| variant | held-out accuracy | held-out loss | wrong | other writers' 0s, 1s, 7s wrong | "
          "training s per fold |")
    print("|---|---|---|---|---|---|")
    for name, row in rows.items():
        print(f"| {VARIANTS[name][0]} | {row['accuracy']:.4f} | {row['loss']:.4f} | {row['wrong']} | "
              f"{row['styled_wrong']} of {row['styled_count']} | {row['train_seconds_per_fold']:.0f} |")
    print(f"\nEach variant as a reader: the share of the reading sets read exactly right, made from "
          f"{READING_PER_DIGIT} held-out digits of each kind per fold (typed: the same fonts each fold)")
    user_images.print_table({name: row["reading"] for name, row in rows.items()}, "set")


if __name__ == "__main__":
    sys.exit(main())
