"""Make the not-a-digit check that ships with the project: a small network that tells digits
from letters, shapes, scribbles, pieces of digits and blots, and the threshold below which
--predict and the page call a piece "not a digit". It reads beside any model, of either recipe.

It learns from the 4,000 training digits (as they are and with thicker or thinner strokes)
against non-digits made by digits/non_digits.py from matplotlib's DejaVu fonts and the
training seed of its shape generator. A tenth of the training digits, drawn at random, is held
out with the shapes, pieces and blots made from them: the threshold is the highest score that
calls at most REFUSAL of the held-out digits (as written and restyled) not a digit.
The test split is never read. Prints what it chose; writes models/not_a_digit.onnx and .json.

    python models/build_gate.py      # about a minute on 2 cores
"""

import json
import sys
import tempfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from digits import checks, data, non_digits, runner, tensorflow_setup, training  # noqa: E402
from digits.constants import DEFAULT_DATA_DIR, SHIPPED_GATE, SHIPPED_GATE_INFO  # noqa: E402
from digits.publishing import replace_with  # noqa: E402

SEED = 42
HELD_OUT = 0.1       # share of the training digits kept out of the check's training
REFUSAL = 0.005      # share of held-out digits the threshold may call not a digit
EXPORT_TOLERANCE = 1e-5


def main():
    """Train, choose the threshold, export and check the .onnx; return the exit status."""
    tensorflow_setup.seed_everything(SEED)
    digit_images, _ = data.load_split(checks.check_dataset(DEFAULT_DATA_DIR, strict=False).train, quiet=True)
    rng = np.random.default_rng(non_digits.TRAINING_SEED)
    order = rng.permutation(len(digit_images))
    cut = int(round(HELD_OUT * len(digit_images)))
    # Held out before anything is made from them: no digit is learnt in one style and held out in another.
    held_digits, held_others = non_digits.gate_examples(digit_images[order[:cut], ..., 0], rng, letters=False)
    model = training.train_gate(*non_digits.gate_examples(digit_images[order[cut:], ..., 0], rng), SEED)
    digit_scores = model.predict(held_digits[..., None], verbose=0)[:, 0]
    other_scores = model.predict(held_others[..., None], verbose=0)[:, 0]
    threshold = training.gate_threshold(digit_scores, REFUSAL)
    figures = {"held_out_digits": len(held_digits), "held_out_digits_refused": float(np.mean(digit_scores < threshold)),
               "held_out_shapes_pieces_blots": len(held_others), "held_out_shapes_pieces_blots_caught": float(np.mean(other_scores < threshold))}
    with tempfile.TemporaryDirectory(dir=SHIPPED_GATE.parent, prefix=".gate-") as scratch:
        staged = Path(scratch) / SHIPPED_GATE.name
        model.export(str(staged), format="onnx", verbose=False)
        exported = runner.Gate(staged, runner.gate_scores(staged), threshold)
        difference = float(np.abs(exported.scores(held_digits) - digit_scores).max())
        if difference > EXPORT_TOLERANCE:
            print(f"The .onnx copy scores differently (by {difference:.1e}); nothing was written")
            return 1
        replace_with(staged, SHIPPED_GATE, scratch)
    SHIPPED_GATE_INFO.write_text(json.dumps({
        "digit_below": threshold,
        "chosen_by": "python models/build_gate.py",
        "rule": f"the highest score that calls at most {REFUSAL:.1%} of {len(held_digits)} held-out "
                "training digits (as written and restyled) not a digit",
        **figures}, indent=2) + "\n")
    print(f"Held out: {figures['held_out_digits']} digits, {figures['held_out_shapes_pieces_blots']} "
          "shapes, pieces of digits and blots. "
          f"Threshold {threshold:.4f}: {figures['held_out_digits_refused']:.2%} of the digits refused, "
          f"{figures['held_out_shapes_pieces_blots_caught']:.2%} of the shapes, pieces and blots caught.")
    print(f"Wrote {SHIPPED_GATE} and {SHIPPED_GATE_INFO}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
