"""Make the line model that ships with the project: a network that reads a whole line of digits
as a string (digits/reading/line_model.py), trained with CTC on lines composed from the 4,000
training digits, each also distorted as the improved recipe distorts them, and their 0s, 1s and
7s again as other writers write them (digits/training/line_strings.py). A tenth of the training
digits, drawn at random, is held out before anything is made from them; lines made from those
measure the model (touching and apart, read exactly). The test split is never read. Writes
models/line_model.onnx and .json.

    python -m models.build_line_model      # about 9 minutes on 2 cores
"""

import argparse
import json
import multiprocessing
import os
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

from digits import tensorflow_setup
from digits.constants import DEFAULT_DATA_DIR, SEED, SHIPPED_LINE_MODEL, SHIPPED_LINE_MODEL_INFO
from digits.publishing import replace_with
from digits.reading import line_model
from digits.tensorflow_setup import tf
from digits.training import augmentation, checks, data, line_strings, line_training
from digits.training.recipes import RECIPES

TRAINING_LINES = 28_000
HELD_OUT_LINES = 500     # of each kind: touching, apart
EPOCHS = 12
DISTORTED_COPIES = 4
CHUNK = 1_000


def composed(arguments):
    """compose_lines in a worker: (images, labels, count, seed) -> (forms, texts)."""
    return line_strings.compose_lines(*arguments)


def compose_in_pool(images, labels, count, seed, touching_share=line_strings.TOUCHING_SHARE):
    """count lines from the digits, made by a process per core in chunks of CHUNK, each chunk
    with a seed of its own."""
    jobs = [(images, labels, min(CHUNK, count - start), seed + start, touching_share)
            for start in range(0, count, CHUNK)]
    with multiprocessing.get_context("spawn").Pool(os.cpu_count()) as pool:
        made = pool.map(composed, jobs)
    return [form for forms, _ in made for form in forms], [text for _, texts in made for text in texts]


def main(argv=None):
    """Compose the lines, train, measure on the held-out digits' lines, export and check."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--epochs", type=int, default=EPOCHS, help="training epochs")
    parser.add_argument("--lines", type=int, default=TRAINING_LINES, help="training lines composed")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    tensorflow_setup.seed_everything(SEED)
    images, labels = data.load_split(checks.check_dataset(DEFAULT_DATA_DIR, strict=False).train, quiet=True)
    digits = np.argmax(labels, axis=1)
    held, learnt = line_strings.held_out_split(len(images), SEED)
    styled, styled_digits = augmentation.other_writers(images[learnt], digits[learnt], SEED)
    styled, styled_digits = styled.numpy(), styled_digits.numpy()
    # Each learnt digit also DISTORTED_COPIES times as the improved recipe distorts its batches:
    # as many writers again as MNIST's, for the line model to learn digits from, not writers.
    # Other writers' styles it has from `styled` above, every 1, 7 and 0 once.
    distortion = replace(RECIPES["improved"].distortion, styles=0)
    copies = [augmentation.distort(images[learnt], tf.constant([SEED, copy], tf.int64), distortion).numpy()
              for copy in range(DISTORTED_COPIES)]
    pool_images = np.concatenate([images[learnt], styled, *copies])[..., 0]
    pool_digits = np.concatenate([digits[learnt], styled_digits, *[digits[learnt]] * DISTORTED_COPIES])
    forms, texts = compose_in_pool(pool_images, pool_digits, args.lines, SEED)
    measures = {kind: compose_in_pool(images[held][..., 0], digits[held], HELD_OUT_LINES, SEED + 10**6 + shift,
                                      touching)
                for shift, (kind, touching) in enumerate((("touching", 1.0), ("apart", 0.0)))}
    print(f"Composed {len(forms):,} training lines and {2 * HELD_OUT_LINES} held-out lines in "
          f"{time.perf_counter() - started:.0f} s")
    network = line_training.train_line_network(forms, texts, args.epochs, SEED)
    keras_read = line_training.keras_reader(network)
    figures = {kind: line_training.exact_share(keras_read, *lines) for kind, lines in measures.items()}
    print("Held-out lines read exactly: " + ", ".join(f"{kind} {share:.3f}" for kind, share in figures.items()))
    with tempfile.TemporaryDirectory(dir=SHIPPED_LINE_MODEL.parent, prefix=".line-model-") as scratch:
        staged = Path(scratch) / SHIPPED_LINE_MODEL.name
        network.export(str(staged), format="onnx", verbose=False)
        exported = line_model.line_model_at(staged)
        for kind, (kind_forms, _) in measures.items():
            if [[d.digit for d in line] for line in exported.read(kind_forms)] != \
                    [[d.digit for d in line] for line in keras_read(kind_forms)]:
                print(f"The .onnx copy reads the held-out {kind} lines differently; nothing was written")
                return 1
        replace_with(staged, SHIPPED_LINE_MODEL, scratch)
    SHIPPED_LINE_MODEL_INFO.write_text(json.dumps({
        "chosen_by": "python -m models.build_line_model",
        "held_out_read_exactly": figures, "held_out_lines": HELD_OUT_LINES, "training_lines": len(forms),
        "epochs": args.epochs, "seed": SEED, "build_seconds": round(time.perf_counter() - started)}, indent=2) + "\n")
    print(f"Wrote {SHIPPED_LINE_MODEL} and {SHIPPED_LINE_MODEL_INFO} in {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
