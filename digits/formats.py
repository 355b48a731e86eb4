"""Probabilities as the project shows them, in JSON and in text: the page takes the API's JSON
fractions and shows the percentages the API gives with them."""

import math

# Probabilities are cut, never rounded up, to this many decimals in JSON and to 0.1% in text.
JSON_DECIMALS = 6


def fraction(probability):
    """A probability cut to JSON_DECIMALS decimals and kept below 1: a float32 softmax reaches
    exactly 1 as soon as the other digits' shares fall below its precision, and wrong answers do
    that too. What JSON carries, and what every percentage is made from."""
    scale = 10 ** JSON_DECIMALS
    return min(math.floor(float(probability) * scale) / scale, 1 - 1 / scale)


def percent(probability):
    """A probability as a percentage cut to one decimal, at most 99.9% (55.56% shows as 55.5%).
    The page's percent() in static/app.js does the same arithmetic on the JSON's fractions."""
    return f"{min(math.floor(fraction(probability) * 1000) / 10, 99.9):.1f}%"
