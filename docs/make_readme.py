"""Write the README's generated parts from recorded results, so that no figure in it is typed by
hand: each part stands between `<!-- begin: NAME -->` and `<!-- end: NAME -->`.

    accuracy      docs/model_card/runs/*.json (each a run's metrics.json)
    reading_sets  docs/results/reading_sets.json (python -m benchmarks.reading_sets --json ...)
    numbers       docs/results/numbers.json (python -m benchmarks.numbers --json ...)
    real_photos   docs/model_card/real_photos.json and real_photos_aside.json (python -m
                  benchmarks.real_photos ... --json ..., the second with --labels of the sources
                  kept aside)
    timings       docs/results/timings.json (python -m benchmarks.timings --json ...)
    examples      what --predict prints for docs/examples/ with the shipped model, run now

    python -m docs.make_readme            # rewrite README.md
    python -m docs.make_readme --check    # fail if README.md is not what it would write
"""

import argparse
import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import benchmarks.numbers
from benchmarks.summarise_runs import read_runs, table_lines
from digits.constants import PROJECT_DIR, SCRIPT
from digits.evaluation import user_images

README = PROJECT_DIR / "README.md"
RESULTS = PROJECT_DIR / "docs" / "results"
RECORDED = PROJECT_DIR / "docs" / "model_card"
REAL_GROUPS = ("all single digits", "all numbers", "kind: number photo", "kind: number crop",
               "kind: number drawn", "kind: lines photo")


def accuracy():
    """The recorded runs' summary per recipe (the model card has each run)."""
    lines = table_lines(read_runs(sorted((RECORDED / "runs").glob("*.json"))))
    return lines[:lines.index("")]


def reading_sets():
    return user_images.table_lines(json.loads((RESULTS / "reading_sets.json").read_text())["columns"])


def numbers():
    recorded = json.loads((RESULTS / "numbers.json").read_text())
    return benchmarks.numbers.table_lines(recorded["count"], recorded["columns"])


def real_photos():
    """The real set's table, then the sources kept aside, read once, in rows of their own."""
    recorded = json.loads((RECORDED / "real_photos.json").read_text())
    aside = json.loads((RECORDED / "real_photos_aside.json").read_text())
    columns = recorded["columns"]
    lines = [f"| {recorded['images']} images from {recorded['sources']} sources: exact, per digit | "
             + " | ".join(columns) + " |",
             "|---|" + "---|" * len(columns)]
    rows = [("", columns, group) for group in REAL_GROUPS]
    rows += [(f"kept aside ({aside['sources']} sources): ", aside["columns"], group)
             for group in next(iter(aside["columns"].values())) if not group.startswith("source: ")]
    for label, table, group in rows:
        images = next(iter(table.values()))[group]["images"]
        lines.append(f"| {label}{group} ({images}) | " + " | ".join(
            f"{table[name][group]['exact']:.3f}, {table[name][group]['per_digit']:.3f}" for name in columns) + " |")
    return lines


def timings():
    recorded = json.loads((RESULTS / "timings.json").read_text())
    lines = [f"| on a {recorded['cores']}-core {recorded['processor']} ({recorded['date']}) | seconds |",
             "|---|---|"]
    lines += [f"| `{command}` | {seconds:.1f} |" for command, seconds in recorded["seconds"].items()]
    lines.append(f"| the environment `pip install -r requirements.txt` makes | "
                 f"{recorded['environment_mb'] / 1000:.1f} GB |")
    return lines


def examples():
    """What a new user sees in the project's folder before training: --predict on the examples.
    Run in a copy of them, so that no trained model in outputs/ is found; the shipped model's
    path is then shown as it is from the project's folder."""
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch) / "docs" / "examples"
        folder.mkdir(parents=True)
        for image in sorted((PROJECT_DIR / "docs" / "examples").iterdir()):
            if image.suffix in (".png", ".jpg"):
                (folder / image.name).write_bytes(image.read_bytes())
        lines = []
        for flags in (["docs/examples"], ["docs/examples/star.png", "--not-a-digit"]):
            result = subprocess.run([sys.executable, str(SCRIPT), "--predict", *flags], cwd=scratch,
                                    capture_output=True, text=True, check=True)
            shipped = result.stderr.replace(str(PROJECT_DIR) + "/", "")
            lines += [f"$ python HandWritten_digit_Classifier.py --predict {' '.join(flags)}",
                      *shipped.splitlines(), *result.stdout.splitlines()]
    return ["```", *lines, "```"]


PARTS = {"accuracy": accuracy, "reading_sets": reading_sets, "numbers": numbers, "real_photos": real_photos,
         "timings": timings, "examples": examples}


def written(text):
    """The README with every generated part made anew."""
    for name, make in PARTS.items():
        pattern = re.compile(rf"(<!-- begin: {name} -->\n).*?(<!-- end: {name} -->)", re.S)
        if not pattern.search(text):
            raise SystemExit(f"error: README.md has no part named {name}")
        text = pattern.sub(lambda match: match.group(1) + "\n".join(make()) + "\n" + match.group(2), text)
    return text


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="only check that README.md is up to date")
    args = parser.parse_args(argv)
    text = README.read_text()
    new = written(text)
    if args.check:
        if new != text:
            print("error: README.md's generated parts are not what the recorded results give; run "
                  "`python -m docs.make_readme`", file=sys.stderr)
            return 1
        return 0
    README.write_text(new)
    return 0


if __name__ == "__main__":
    sys.exit(main())
