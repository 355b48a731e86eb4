"""Time the original generator-fed training loop against the project's array-fed one.

Both train the original model on the same data, with the same seed, batch size and epochs. The
original passes flow_from_directory iterators straight to fit(), so every epoch decodes every
PNG again in Python and runs one step per call into TensorFlow; the project reads each split
through ImageDataGenerator once into arrays and runs STEPS_PER_EXECUTION steps per call.
Each measurement runs in its own process (so peak memory is its own), alternating the two
paths round by round so that a busy machine slows both alike; round k uses seed + k for both
paths, so the accuracy comparison spans several seeds. Then the whole default command is
timed once, start to files written.

    python -m benchmarks.bench_training [--epochs 20] [--rounds 3] [--json results.json]
"""

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from benchmarks.flags import benchmark_parser
from digits.constants import DEFAULT_DATA_DIR, IMAGE_SIZE, PROJECT_DIR, SCRIPT
from digits.training.recipes import RECIPES, steps_per_epoch

PATHS = {"generator": "original's generator-fed loop", "arrays": "project's array-fed loop"}
INFERENCE_BATCH_SIZES = (1, 1000)


def parse_args(argv=None):
    """Read the benchmark's flags."""
    parser = benchmark_parser(__doc__, seed_help="seed of the first round")
    parser.add_argument("--epochs", type=int, default=20, help="epochs per training run")
    parser.add_argument("--rounds", type=int, default=3, help="runs of each path, alternated")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument("--child", choices=sorted(PATHS), help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def epoch_timer():
    """A callback that records the wall-clock seconds of each epoch."""
    from digits.tensorflow_setup import keras

    class EpochTimer(keras.callbacks.Callback):
        def on_train_begin(self, logs=None):
            self.seconds = []

        def on_epoch_begin(self, epoch, logs=None):
            self.started = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            self.seconds.append(time.perf_counter() - self.started)
    return EpochTimer()


def generator_fed_run(dataset, epochs, seed):
    """The original: fit() on flow_from_directory iterators, one step per call."""
    from digits.tensorflow_setup import keras
    from digits.training.networks import build_original

    def flow(split, shuffle):
        return keras.preprocessing.image.ImageDataGenerator(rescale=1.0 / 255).flow_from_directory(
            split.folder, target_size=IMAGE_SIZE, color_mode="grayscale",
            class_mode="categorical", batch_size=RECIPES["original"].batch_size, shuffle=shuffle,
            seed=seed)
    train, test = flow(dataset.train, True), flow(dataset.test, False)
    model = build_original()
    model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
    timer = epoch_timer()
    started = time.perf_counter()
    model.fit(train, epochs=epochs, validation_data=test, callbacks=[timer], verbose=0)
    fit_seconds = time.perf_counter() - started
    test_loss, test_accuracy = model.evaluate(test, verbose=0)
    return {"fit_seconds": fit_seconds, "epoch_seconds": timer.seconds, "train_images": train.samples,
            "test_accuracy": test_accuracy, "test_loss": test_loss}


def array_fed_run(dataset, epochs, seed):
    """The project: arrays read once, several steps per call; then inference speed."""
    from digits.training import data, fit

    started = time.perf_counter()
    train, test = data.load_split(dataset.train), data.load_split(dataset.test)
    load_seconds = time.perf_counter() - started
    recipe = replace(RECIPES["original"], epochs=epochs)
    model = fit.compile_network(recipe, steps_per_epoch(len(train[0]), recipe.batch_size))
    timer = epoch_timer()
    started = time.perf_counter()
    model.fit(*train, batch_size=recipe.batch_size, epochs=epochs, validation_data=test,
              shuffle=True, callbacks=[timer], verbose=0)
    fit_seconds = time.perf_counter() - started
    test_loss, test_accuracy = model.evaluate(*test, verbose=0)
    return {"fit_seconds": fit_seconds, "epoch_seconds": timer.seconds, "load_seconds": load_seconds,
            "train_images": len(train[0]), "test_accuracy": test_accuracy, "test_loss": test_loss,
            "compute_only_epoch_seconds": compute_only_epoch(model, *train, recipe.batch_size),
            "inference_images_per_second": inference_speed(model, test[0])}


def compute_only_epoch(model, images, labels, batch_size, repeats=3):
    """Seconds for one epoch's training steps on one fixed batch, all in one graph: no data
    handling, no Python between steps, no validation. What the network's own math costs."""
    from digits.tensorflow_setup import keras, tf

    steps = steps_per_epoch(len(images), batch_size)
    batch = (tf.constant(images[:batch_size]), tf.constant(labels[:batch_size]))

    @tf.function
    def epoch(batch_images, batch_labels):
        for _ in tf.range(steps):
            with tf.GradientTape() as tape:
                loss = keras.losses.categorical_crossentropy(batch_labels, model(batch_images,
                                                                                 training=True))
            gradients = tape.gradient(loss, model.trainable_variables)
            model.optimizer.apply_gradients(zip(gradients, model.trainable_variables))

    epoch(*batch)  # trace and warm up
    started = time.perf_counter()
    for _ in range(repeats):
        epoch(*batch)
    return (time.perf_counter() - started) / repeats


def inference_speed(model, images):
    """model.predict images per second on the given images, per batch size, after a warm-up."""
    speeds = {}
    for batch_size in INFERENCE_BATCH_SIZES:
        model.predict(images[:batch_size], batch_size=batch_size, verbose=0)
        started = time.perf_counter()
        model.predict(images, batch_size=batch_size, verbose=0)
        speeds[str(batch_size)] = len(images) / (time.perf_counter() - started)
    return speeds


def child(path, epochs, seed):
    """Run one measurement in this process and print it as JSON."""
    from digits.tensorflow_setup import seed_everything
    from digits.training.checks import check_dataset

    seed_everything(seed)
    dataset = check_dataset(DEFAULT_DATA_DIR, strict=False)
    run = generator_fed_run if path == "generator" else array_fed_run
    result = run(dataset, epochs, seed)
    result["peak_memory_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(result))


def measure(path, epochs, seed):
    """Run one measurement in a fresh process; return its figures."""
    command = [sys.executable, "-m", __spec__.name, "--child", path, "--epochs", str(epochs), "--seed", str(seed)]
    completed = subprocess.run(command, capture_output=True, text=True, check=True, cwd=PROJECT_DIR)
    return json.loads(completed.stdout.strip().splitlines()[-1])


def time_default_command():
    """Wall-clock seconds of `python HandWritten_digit_Classifier.py`, start to files written."""
    with tempfile.TemporaryDirectory() as output_dir:
        started = time.perf_counter()
        subprocess.run([sys.executable, str(SCRIPT), "--output-dir", output_dir],
                       capture_output=True, check=True)
        return time.perf_counter() - started


def summarise(runs, epochs):
    """Average each path's rounds into the figures the table shows."""
    summary = {}
    for path, results in runs.items():
        fit = [result["fit_seconds"] for result in results]
        summary[path] = {
            "fit_seconds": statistics.mean(fit), "fit_seconds_runs": fit,
            "epoch_seconds_median": statistics.median(
                second for result in results for second in result["epoch_seconds"]),
            "images_per_second": results[0]["train_images"] * epochs / statistics.mean(fit),
            "peak_memory_mb": max(result["peak_memory_mb"] for result in results),
            "test_accuracy": [result["test_accuracy"] for result in results],
            "test_loss": [result["test_loss"] for result in results],
        }
    summary["arrays"]["inference_images_per_second"] = runs["arrays"][-1]["inference_images_per_second"]
    summary["arrays"]["load_seconds"] = statistics.mean(r["load_seconds"] for r in runs["arrays"])
    summary["arrays"]["compute_only_epoch_seconds"] = statistics.mean(
        result["compute_only_epoch_seconds"] for result in runs["arrays"])
    summary["speed_up"] = summary["generator"]["fit_seconds"] / summary["arrays"]["fit_seconds"]
    summary["accuracy_difference_points"] = 100 * (
        statistics.mean(summary["arrays"]["test_accuracy"]) -
        statistics.mean(summary["generator"]["test_accuracy"]))
    return summary


def print_table(summary, args):
    """Print the figures as a Markdown table."""
    seeds = ", ".join(str(args.seed + round_number) for round_number in range(args.rounds))
    print(f"\n{args.epochs} epochs, {args.rounds} round(s) per path, seeds {seeds}\n")
    print("| path | fit seconds | s per epoch (median) | train images/s | peak memory MB "
          "| test accuracy | test loss |")
    print("|---|---|---|---|---|---|---|")
    for path, label in PATHS.items():
        row = summary[path]
        print(f"| {label} | {row['fit_seconds']:.1f} | {row['epoch_seconds_median']:.2f} | "
              f"{row['images_per_second']:,.0f} | {row['peak_memory_mb']:,.0f} | "
              f"{' / '.join(f'{value:.4f}' for value in row['test_accuracy'])} | "
              f"{' / '.join(f'{value:.4f}' for value in row['test_loss'])} |")
    arrays = summary["arrays"]
    print(f"\nFit-time speed-up: {summary['speed_up']:.2f}x; mean test accuracy difference "
          f"{summary['accuracy_difference_points']:+.2f} points (arrays minus generator, same seeds).")
    print(f"Reading both splits into arrays once: {arrays['load_seconds']:.1f} s.")
    print(f"The training steps of one epoch alone, in one graph on a fixed batch: "
          f"{arrays['compute_only_epoch_seconds']:.2f} s (array-fed epoch, with validation: "
          f"{arrays['epoch_seconds_median']:.2f} s).")
    print("Inference, model.predict on the 1,000 test images: " + ", ".join(
        f"batch {size}: {speed:,.0f} images/s"
        for size, speed in arrays["inference_images_per_second"].items()))
    print(f"Whole default command, start to files written: {summary['default_command_seconds']:.1f} s.")


def main(argv=None):
    """Alternate the two paths, time the default command, and report."""
    args = parse_args(argv)
    if args.child:
        return child(args.child, args.epochs, args.seed)
    runs = {path: [] for path in PATHS}
    for round_number in range(args.rounds):
        order = list(PATHS) if round_number % 2 == 0 else list(PATHS)[::-1]
        for path in order:
            print(f"round {round_number + 1}: {PATHS[path]} ...", flush=True)
            runs[path].append(measure(path, args.epochs, args.seed + round_number))
    summary = summarise(runs, args.epochs)
    print("timing the default command ...", flush=True)
    summary["default_command_seconds"] = time_default_command()
    print_table(summary, args)
    if args.json:
        args.json.write_text(json.dumps({"epochs": args.epochs, "rounds": args.rounds,
                                         "seed": args.seed, **summary}, indent=2) + "\n")


if __name__ == "__main__":
    sys.exit(main())
