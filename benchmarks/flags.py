"""The command line every benchmark starts from."""

import argparse

from digits.constants import SEED


def benchmark_parser(doc, seed_help=None):
    """A parser described by the first paragraph of a benchmark's docstring that shows each
    flag's default; with --seed (default 42) when seed_help says what the seed decides."""
    parser = argparse.ArgumentParser(description=doc.split("\n\n")[0],
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    if seed_help:
        parser.add_argument("--seed", type=int, default=SEED, help=seed_help)
    return parser
