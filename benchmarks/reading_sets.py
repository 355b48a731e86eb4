"""Read the README's reading sets (test digits drawn, photographed, scanned, typed, as numbers)
with one or more models and print a column of accuracies per model; and, where Debian's
handwriting fonts are installed (user_images.HANDWRITING_FONT_DIRS), digits typed in them.

The sets are those of tests/test_reading.py, made by tests/user_images.py. Without --models it
compares the model shipped in models/ with the one trained into outputs/.

    python benchmarks/reading_sets.py [--models models/mnist_cnn_improved.onnx outputs/mnist_cnn_model.onnx]
"""

import sys
from pathlib import Path

from flags import benchmark_parser

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests"))

import user_images  # noqa: E402  (after the path is set)
from digits import runner  # noqa: E402
from digits.constants import ONNX_MODEL_FILE, SHIPPED_MODEL  # noqa: E402


def main(argv=None):
    """Read every set with every model, print the table and the typed digits each misread."""
    parser = benchmark_parser(__doc__)
    parser.add_argument("--models", nargs="+", type=Path,
                        default=[SHIPPED_MODEL.relative_to(REPO), Path("outputs") / ONNX_MODEL_FILE],
                        help="the .onnx, .h5 or .keras models to compare")
    args = parser.parse_args(argv)
    columns, misreads = {}, {}
    for path in args.models:
        model = runner.load_model(path)
        columns[str(path)], misreads[str(path)] = user_images.reading_accuracies(model)
        share, count = user_images.handwriting_accuracy(model)
        if count:
            columns[str(path)][f"{user_images.HANDWRITING_SET}, {count}"] = share
    user_images.print_table(columns)
    for name, misread in misreads.items():
        print(f"\n{name}, typed digits misread: " + ", ".join(
            f"{digit} as {text} ({count})" for (digit, text), count in misread.most_common()))


if __name__ == "__main__":
    sys.exit(main())
