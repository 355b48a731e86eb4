"""Read a folder of real photos and scans of handwritten digits with one or more models and print
how many are read right, per kind of image and per source.

The images' sources and truths are in digits/evaluation/real_set_sources.csv;
digits/evaluation/real_set.py describes it.
Real photos are measured here, never trained on or used to choose anything (see the README's
"Reading real photos"). With --tutorial, each model also reads the images as most OpenCV
tutorials find digits (benchmarks/tutorial_reader.py; needs opencv-python-headless), to
compare the two readers with the same model.

    python -m benchmarks.real_photos FOLDER [--models models/mnist_cnn_improved.onnx outputs/mnist_cnn_model.onnx]
    python -m benchmarks.real_photos FOLDER --tutorial
"""

import json
import sys
from pathlib import Path

from benchmarks.flags import benchmark_parser
from digits.constants import ONNX_MODEL_FILE, PROJECT_DIR, SHIPPED_MODEL
from digits.evaluation import real_set
from digits.reading import readings


def main(argv=None):
    """Read every labelled image with every model; print the table and each misread image."""
    parser = benchmark_parser(__doc__)
    parser.add_argument("folder", type=Path, help="the folder with the images, at <owner>+<name>/<path>")
    parser.add_argument("--labels", type=Path, default=real_set.SOURCES.relative_to(PROJECT_DIR),
                        help="the images' sources and truths (digits/evaluation/real_set.py describes the columns)")
    parser.add_argument("--models", nargs="+", type=Path,
                        default=[SHIPPED_MODEL.relative_to(PROJECT_DIR), Path("outputs") / ONNX_MODEL_FILE],
                        help="the .onnx, .h5 or .keras models to compare")
    parser.add_argument("--tutorial", action="store_true",
                        help="also read every image with the OpenCV tutorials' reader, with each model")
    parser.add_argument("--json", type=Path, help="also write the table to this file (the model card "
                        "shows docs/model_card/real_photos.json)")
    args = parser.parse_args(argv)
    readers = {"": None}  # None: as --predict reads
    if args.tutorial:
        from benchmarks import tutorial_reader
        readers[" (tutorial reader)"] = tutorial_reader.read_digits
    rows = real_set.read_labels(args.labels)
    missing = real_set.missing_images(rows, args.folder)
    if missing:
        parser.error(f"{len(missing)} of {len(rows)} images are missing from {args.folder}, "
                     f"for example {missing[0]}")
    tables, misread = {}, {}
    for path in args.models:
        model = readings.load_model(path)
        for suffix, find in readers.items():
            results = real_set.score(rows, model, args.folder, find)
            tables[f"{path}{suffix}"] = real_set.summary(results)
            misread[f"{path}{suffix}"] = [(source, truth, text) for _, source, truth, text in results
                                          if truth != text]
    print("| group (images) | " + " | ".join(f"{name}: exact, per digit" for name in tables) + " |")
    print("|---|" + "---|" * len(tables))
    for group, (count, _, _) in next(iter(tables.values())).items():
        cells = " | ".join(f"{table[group][1]:.3f}, {table[group][2]:.3f}" for table in tables.values())
        print(f"| {group} ({count}) | {cells} |")
    for name, wrong in misread.items():
        print(f"\n{name}: {len(wrong)} misread")
        for source, truth, text in wrong:
            print(f"  {source}: {truth!r} read {text!r}")
    if args.json:
        args.json.write_text(json.dumps({
            "images": len(rows), "sources": len({row["repository"] for row in rows}),
            "columns": {name: {group: {"images": count, "exact": exact, "per_digit": per_digit}
                               for group, (count, exact, per_digit) in table.items()}
                        for name, table in tables.items()}}, indent=2) + "\n")


if __name__ == "__main__":
    sys.exit(main())
