"""Read a folder of real photos and scans of handwritten digits with one or more models and print
how many are read right, per kind of image and per source.

The folder holds the images and a labels.csv with the columns path (relative to the folder), kind
(for example "single photo", "number photo", "lines photo"; a kind starting with "single" is one
digit) and truth (the digits written, lines separated by a literal \\n). The first folder of each
path names its source. Numbers are scored exactly and per digit (1 - edit distance / length).
No such folder ships with the project: real photos collected from public repositories are measured
here, never committed or trained on (see the README's "Reading real photos").

    python benchmarks/real_photos.py FOLDER [--models models/mnist_cnn_improved.onnx outputs/mnist_cnn_model.onnx]
"""

import collections
import csv
import sys
from pathlib import Path

from flags import benchmark_parser

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from digits import reader, runner  # noqa: E402
from digits.constants import ONNX_MODEL_FILE, SHIPPED_MODEL  # noqa: E402


def edit_distance(a, b):
    """Levenshtein distance: insertions, deletions and substitutions turning a into b."""
    previous = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        current = [i]
        for j, y in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (x != y)))
        previous = current
    return previous[-1]


def read_labels(folder):
    """The rows of folder/labels.csv, each with its truth's \\n turned into a line break."""
    with open(folder / "labels.csv", newline="", encoding="utf-8") as handle:
        return [dict(row, truth=row["truth"].replace("\\n", "\n")) for row in csv.DictReader(handle)]


def read_one(model, path):
    """The text read from one image, lines joined by newlines; '' where no digit is found."""
    try:
        return runner.text_of(runner.read_image(model, path))
    except reader.ReaderError:
        return ""


def score(rows, model, folder):
    """Per row: (kind, source, truth, text read)."""
    return [(row["kind"], Path(row["path"]).parts[0], row["truth"], read_one(model, folder / row["path"]))
            for row in rows]


def summary(results):
    """{group: (images, exact share, per-digit share)} for each kind, each source and all."""
    groups = collections.defaultdict(list)
    for kind, source, truth, text in results:
        for group in (f"kind: {kind}", f"source: {source}",
                      "all single digits" if kind.startswith("single") else "all numbers"):
            groups[group].append((truth, text))
    table = {}
    for group, pairs in sorted(groups.items()):
        exact = sum(truth == text for truth, text in pairs) / len(pairs)
        digits = [truth.replace("\n", "") for truth, _ in pairs]
        wrong = sum(min(edit_distance(truth.replace("\n", ""), text.replace("\n", "")), len(truth))
                    for (_, text), truth in zip(pairs, digits))
        table[group] = (len(pairs), exact, 1 - wrong / sum(map(len, digits)))
    return table


def main(argv=None):
    """Read every labelled image with every model; print the table and each misread image."""
    parser = benchmark_parser(__doc__)
    parser.add_argument("folder", type=Path, help="the folder with labels.csv and the images")
    parser.add_argument("--models", nargs="+", type=Path,
                        default=[SHIPPED_MODEL.relative_to(REPO), Path("outputs") / ONNX_MODEL_FILE],
                        help="the .onnx, .h5 or .keras models to compare")
    args = parser.parse_args(argv)
    rows = read_labels(args.folder)
    tables, misread = {}, {}
    for path in args.models:
        results = score(rows, runner.load_model(path), args.folder)
        tables[str(path)] = summary(results)
        misread[str(path)] = [(source, truth, text) for _, source, truth, text in results if truth != text]
    print("| group (images) | " + " | ".join(f"{name}: exact, per digit" for name in tables) + " |")
    print("|---|" + "---|" * len(tables))
    for group, (count, _, _) in next(iter(tables.values())).items():
        cells = " | ".join(f"{table[group][1]:.3f}, {table[group][2]:.3f}" for table in tables.values())
        print(f"| {group} ({count}) | {cells} |")
    for name, wrong in misread.items():
        print(f"\n{name}: {len(wrong)} misread")
        for source, truth, text in wrong:
            print(f"  {source}: {truth!r} read {text!r}")


if __name__ == "__main__":
    sys.exit(main())
