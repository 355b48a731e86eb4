"""Real photos and scans of handwritten digits by people, and how well a model reads them.

real_set_sources.csv (beside this file) lists each image: the public repository and commit it
comes from, its path there, its kind ("single photo", "single drawn", "number photo", "lines
photo"...; a kind starting with "single" is one digit), the truth (the digits written, lines
separated by a literal \\n, known by looking) and the licence the repository states. The images
themselves are not committed: most of those repositories state no licence, and this workplace
keeps what is fetched from other repositories out of the project's commits. A folder holding
each image at <owner>+<name>/<path> is read from $REAL_IMAGES_DIR, else from shared/real_images
beside the repository. Numbers are scored exactly and per digit (1 - edit distance / length).

real_set_aside.csv lists, in the same columns, images from sources kept aside while the reader and
its models were worked on: looked at only to write their truth, read once at the end of a round,
and reported apart, to show how the reader does on sources nobody tuned it on.
"""

import collections
import csv
import os
from pathlib import Path

from digits import errors
from digits.constants import PROJECT_DIR
from digits.reading import readings

SOURCES = Path(__file__).with_name("real_set_sources.csv")
ASIDE = Path(__file__).with_name("real_set_aside.csv")


def real_images_dir():
    """Where the real set is: $REAL_IMAGES_DIR, else shared/real_images beside the repository."""
    return Path(os.environ.get("REAL_IMAGES_DIR") or PROJECT_DIR.parent / "shared" / "real_images")


def edit_distance(a, b):
    """Levenshtein distance: insertions, deletions and substitutions turning a into b."""
    previous = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        current = [i]
        for j, y in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (x != y)))
        previous = current
    return previous[-1]


def read_labels(labels=SOURCES):
    """The rows of a sources file, each with the image's place in the folder and its truth's \\n
    turned into a line break."""
    with open(labels, newline="", encoding="utf-8") as handle:
        return [dict(row, image=f"{row['repository'].replace('/', '+')}/{row['path']}",
                     truth=row["truth"].replace("\\n", "\n"))
                for row in csv.DictReader(handle)]


def missing_images(rows, folder):
    """The images of the rows that the folder lacks."""
    return [row["image"] for row in rows if not (folder / row["image"]).is_file()]


def read_one(model, path, find=None):
    """The text read from one image, lines joined by newlines; '' where no digit is found. find
    turns the image's path into the digits found (reader.FoundDigit), to compare another reader
    with the model; None reads as --predict does (readings.read_image)."""
    try:
        digits = readings.read_image(model, path) if find is None else readings.read_found(model, find(path))
        return readings.text_of(digits)
    except errors.ReaderError:
        return ""


def score(rows, model, folder, find=None):
    """Per row: (kind, source, truth, text read)."""
    return [(row["kind"], row["repository"], row["truth"], read_one(model, folder / row["image"], find))
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
