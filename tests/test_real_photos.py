"""Real photos and scans of handwritten digits, by people, read with both models (issue 16's targets).

The set is not in the repository (digits/evaluation/real_set.py says why and where it is looked for); without
it the reading tests are skipped, and say so.
"""

import pytest

from digits.constants import SHIPPED_MODEL
from digits.evaluation import real_set
from digits.reading import readings

FOLDER = real_set.real_images_dir()
ROWS = real_set.read_labels()
needs_the_images = pytest.mark.skipif(bool(real_set.missing_images(ROWS, FOLDER)),
                                      reason=f"the real photos are not at {FOLDER} (set REAL_IMAGES_DIR)")
# (single digits, numbers exactly, digits within numbers) at least
TARGETS = {"default": (0.93, 0.70, 0.95), "shipped": (0.96, 0.80, 0.95)}


@needs_the_images
@pytest.mark.parametrize("which", TARGETS)
def test_real_photos_are_read_as_well_as_promised(which, default_model, capsys):
    model = default_model if which == "default" else readings.load_model(SHIPPED_MODEL)
    table = real_set.summary(real_set.score(ROWS, model, FOLDER))
    with capsys.disabled():
        print(f"\n{which} model on {FOLDER}:")
        for group, (count, exact, per_digit) in table.items():
            print(f"  {group} ({count}): exact {exact:.3f}, per digit {per_digit:.3f}")
    singles, numbers, digits = TARGETS[which]
    assert table["all single digits"][1] >= singles
    assert table["all numbers"][1] >= numbers
    assert table["all numbers"][2] >= digits


def test_the_sources_kept_aside_are_no_source_of_the_real_set():
    aside = real_set.read_labels(real_set.ASIDE)
    assert aside and aside[0].keys() == ROWS[0].keys()
    assert not {row["repository"] for row in aside} & {row["repository"] for row in ROWS}
    assert all(row["truth"] and row["kind"] in {r["kind"] for r in ROWS} for row in aside)
