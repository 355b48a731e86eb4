"""Read the README's reading sets (test digits drawn, photographed, scanned, typed, as numbers)
with one or more models and print a column of accuracies per model; and, where Debian's
handwriting fonts are installed (user_images.HANDWRITING_FONT_DIRS), digits typed in them.

The sets are those of tests/test_reading.py, made by digits/evaluation/user_images.py. Without --models it
compares the model shipped in models/ with the one trained into outputs/.

    python -m benchmarks.reading_sets [--models models/mnist_cnn_improved.onnx outputs/mnist_cnn_model.onnx]
"""

import json
import sys
from pathlib import Path

from benchmarks.flags import benchmark_parser
from digits.constants import ONNX_MODEL_FILE, PROJECT_DIR, SHIPPED_MODEL
from digits.evaluation import user_images
from digits.reading import readings


def main(argv=None):
    """Read every set with every model, print the table and the typed digits each misread."""
    parser = benchmark_parser(__doc__)
    parser.add_argument("--models", nargs="+", type=Path,
                        default=[SHIPPED_MODEL.relative_to(PROJECT_DIR), Path("outputs") / ONNX_MODEL_FILE],
                        help="the .onnx, .h5 or .keras models to compare")
    parser.add_argument("--json", type=Path, help="also write the table's figures to this file (the "
                        "README's reading table is made from docs/results/reading_sets.json)")
    args = parser.parse_args(argv)
    columns, misreads = {}, {}
    for path in args.models:
        model = readings.load_model(path)
        columns[str(path)], misreads[str(path)] = user_images.reading_accuracies(model)
        share, count = user_images.handwriting_accuracy(model)
        if count:
            columns[str(path)][f"{user_images.HANDWRITING_SET}, {count}"] = share
    user_images.print_table(columns)
    if args.json:
        args.json.write_text(json.dumps({"columns": columns}, indent=2) + "\n")
    for name, misread in misreads.items():
        print(f"\n{name}, typed digits misread: " + ", ".join(
            f"{digit} as {text} ({count})" for (digit, text), count in misread.most_common()))


if __name__ == "__main__":
    sys.exit(main())
