"""The README: short enough for a user, its links lead somewhere, and its tables and example
output are what the recorded results and the shipped model give (docs/make_readme.py)."""

import re

from digits.constants import PROJECT_DIR
from docs import make_readme

TEXT = (PROJECT_DIR / "README.md").read_text()


def test_the_readme_is_at_most_300_lines():
    assert len(TEXT.splitlines()) <= 300


def test_every_link_to_a_file_of_the_project_leads_to_one():
    for target in re.findall(r"\]\(([^)#:]+)(?:#[^)]*)?\)", TEXT):
        assert (PROJECT_DIR / target).exists(), target


def test_the_generated_parts_are_what_the_recorded_results_give():
    assert make_readme.written(TEXT) == TEXT, "run `python -m docs.make_readme`"
