"""Where an epoch of the improved recipe spends its time.

On the recipe's own training and validation split (seed 42), measures after a warm-up, each the
median of --epochs epochs: a real epoch as the recipe runs it (distorted batches prepared in
parallel, validation at the end); the distortion pipeline alone (every batch of an epoch made,
none trained on); the training steps alone (one epoch's steps on one fixed batch, all in one
graph: the network's own arithmetic); and the validation pass alone.

    python -m benchmarks.profile_improved [--epochs 5]
"""

import statistics
import sys
import time
from dataclasses import replace

from benchmarks.bench_training import compute_only_epoch, epoch_timer
from benchmarks.flags import benchmark_parser
from digits.constants import DEFAULT_DATA_DIR
from digits.tensorflow_setup import seed_everything
from digits.training import augmentation, checks, data, fit
from digits.training.recipes import RECIPES, steps_per_epoch


def parse_args(argv=None):
    """Read the benchmark's flags."""
    parser = benchmark_parser(__doc__, seed_help="seed of the split and the network")
    parser.add_argument("--epochs", type=int, default=5, help="epochs measured for each figure")
    return parser.parse_args(argv)


def main(argv=None):
    """Measure each part and print a Markdown table."""
    args = parse_args(argv)
    seed_everything(args.seed)
    dataset = checks.check_dataset(DEFAULT_DATA_DIR, strict=False)
    recipe = replace(RECIPES["improved"], epochs=args.epochs + 1)
    train, validation = data.split_validation(*data.load_split(dataset.train), recipe.validation_share,
                                              args.seed)
    steps = steps_per_epoch(len(train[0]), recipe.batch_size)

    network = fit.compile_network(recipe, steps)
    timer = epoch_timer()
    fit.fit(network, recipe, train, validation, args.seed, [timer])
    real_epoch = statistics.median(timer.seconds[1:])  # the first epoch also traces the graphs

    pipeline = []
    batches = iter(augmentation.distorted_batches(*train, recipe.batch_size, args.epochs + 1,
                                                  recipe.distortion, args.seed))
    for epoch in range(args.epochs + 1):
        started = time.perf_counter()
        for _ in range(steps):
            next(batches)
        pipeline.append(time.perf_counter() - started)
    pipeline = statistics.median(pipeline[1:])

    steps_alone = compute_only_epoch(network, *train, recipe.batch_size, repeats=args.epochs)
    validating = []
    for _ in range(args.epochs + 1):
        started = time.perf_counter()
        network.evaluate(*validation, verbose=0)
        validating.append(time.perf_counter() - started)
    validating = statistics.median(validating[1:])

    print(f"\nImproved recipe, one network: {len(train[0]):,} training images in {steps} batches of "
          f"{recipe.batch_size}, {len(validation[0])} validation images; median of {args.epochs} "
          "epochs\n")
    print("| part | seconds per epoch | share of a real epoch |")
    print("|---|---|---|")
    for part, seconds in (("real epoch (fit, as the recipe runs it)", real_epoch),
                          ("training steps alone, one graph, fixed batch", steps_alone),
                          ("distortion pipeline alone, no training", pipeline),
                          ("validation pass alone", validating)):
        print(f"| {part} | {seconds:.2f} | {seconds / real_epoch:.0%} |")
    print(f"\nTraining throughput: {len(train[0]) / real_epoch:,.0f} images/s in a real epoch, "
          f"{len(train[0]) / steps_alone:,.0f} in the steps alone.")


if __name__ == "__main__":
    sys.exit(main())
