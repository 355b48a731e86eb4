"""Read numbers as people write and crop them, with each model read piece by piece (the digit
model alone, as before the line model) and line by line (with the line model), and print the
share read exactly: numbers of 2 to 6 test digits whose strokes touch or overlap a little, the
same digits apart, apart and cropped to the ink, touching and cropped from a table's cell, and
apart on ruled paper.

    python -m benchmarks.numbers [--models models/mnist_cnn_improved.onnx] [--count 200] [--json FILE]
"""

import dataclasses
import json
import sys
from pathlib import Path

import numpy as np

from benchmarks.flags import benchmark_parser
from digits.constants import PROJECT_DIR, SEED, SHIPPED_MODEL
from digits.errors import ReaderError
from digits.evaluation import user_images
from digits.reading import readings
from digits.training.line_strings import held_out_split

LENGTHS = (2, 7)   # 2 to 6 digits


def kinds(rng):
    """How each kind is made from a number's digits (28x28 uint8 arrays each)."""
    return {
        "touching": lambda digits: user_images.touching_number_image(digits, rng),
        "apart": lambda digits: user_images.number_image(digits, rng),
        "apart, cropped to the ink": lambda digits: user_images.cropped_to_its_ink(
            user_images.number_image(digits, rng)),
        "touching, in a table's cell": lambda digits: user_images.in_a_cell(
            user_images.touching_number_image(digits, rng), rng),
        "apart, on ruled paper": lambda digits: user_images.on_ruled_paper(
            user_images.number_image(digits, rng), rng),
    }


def numbers(count, seed, pairs):
    """count numbers of the digits ((pixels, digit) pairs): (digits' pixels, text) each."""
    rng = np.random.default_rng(seed)
    chosen = []
    for _ in range(count):
        picked = rng.choice(len(pairs), size=int(rng.integers(*LENGTHS)), replace=False)
        chosen.append(([pairs[index][0] for index in picked], "".join(str(pairs[index][1]) for index in picked)))
    return chosen


def exact_shares(model, count, seed, pairs):
    """{kind: share of the numbers read exactly} for one model."""
    shares = {}
    for kind, make in kinds(np.random.default_rng(seed)).items():
        right = 0
        for digits, text in numbers(count, seed, pairs):
            image = make(digits)
            try:
                right += readings.text_of(readings.read_image(model, image)) == text
            except ReaderError:
                pass
        shares[kind] = right / count
    return shares


def table_lines(count, columns, digits="test"):
    """A Markdown table of exact_shares results, a column per {label: shares}, as lines."""
    return [f"| {count} numbers of 2-6 {digits} digits, read exactly | " + " | ".join(columns) + " |",
            "|---|" + "---|" * len(columns),
            *(f"| {kind} | " + " | ".join(f"{shares[kind]:.3f}" for shares in columns.values()) + " |"
              for kind in next(iter(columns.values())))]


def main(argv=None):
    parser = benchmark_parser(__doc__, seed_help="which numbers are drawn, and how they are made")
    parser.add_argument("--models", nargs="+", type=Path, default=[SHIPPED_MODEL.relative_to(PROJECT_DIR)],
                        help="the .onnx, .h5 or .keras digit models")
    parser.add_argument("--count", type=int, default=200, help="numbers of each kind")
    parser.add_argument("--json", type=Path, help="also write the table's figures to this file")
    parser.add_argument("--held-out-training", action="store_true", help="numbers of the training "
                        "digits the line model never learnt from, instead of test digits: for choices")
    args = parser.parse_args(argv)
    if args.held_out_training:
        training = user_images.committed_digits("train")  # held out as models/build_line_model.py draws them
        pairs = [training[index] for index in held_out_split(len(training), SEED)[0]]
    else:
        pairs = user_images.committed_test_digits(50)
    columns = {}
    for path in args.models:
        model = readings.load_model(path)
        columns[f"{path}, piece by piece"] = exact_shares(dataclasses.replace(model, line_model=None),
                                                         args.count, args.seed, pairs)
        columns[f"{path}, by line"] = exact_shares(model, args.count, args.seed, pairs)
    digits = "held-out training" if args.held_out_training else "test"
    print("\n" + "\n".join(table_lines(args.count, columns, digits)))
    if args.json:
        args.json.write_text(json.dumps({"count": args.count, "columns": columns}, indent=2) + "\n")


if __name__ == "__main__":
    sys.exit(main())
