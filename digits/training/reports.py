"""What a run reports: the three figures, metrics.json, history.csv and scikit-learn's
classification report. Each plot function returns its matplotlib Figure; save_figure writes it.

    figure = confusion_figure(evaluation)
    save_figure(figure, Path("confusion_matrix.png"))
"""

import csv
import json
from dataclasses import dataclass

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import seaborn as sns
from sklearn.metrics import classification_report, confusion_matrix

from digits.constants import CLASS_NAMES, NUM_CLASSES
from digits.formats import percent

SAMPLE_GRID = (4, 6)
MAX_WRONG_SAMPLES = 8
MAX_EPOCH_TICKS = 8
REPORT_OPTIONS = dict(labels=range(NUM_CLASSES), target_names=CLASS_NAMES, zero_division=0)
CALIBRATION_BINS = 15   # of equal width in top probability, as Guo et al. (2017) measure it


@dataclass(frozen=True)
class Calibration:
    """How often a model is right against how sure it says it is: images binned by their top
    probability; per non-empty bin its number (0 for the lowest), the mean of that probability,
    the share right and the count."""
    bin_number: np.ndarray
    confidence: np.ndarray
    accuracy: np.ndarray
    count: np.ndarray

    @property
    def expected_error(self):
        """Expected calibration error: the gap between confidence and accuracy, averaged over
        the images (each bin weighted by its count)."""
        return float(np.sum(self.count * np.abs(self.accuracy - self.confidence)) / np.sum(self.count))


def use_screen(show):
    """Draw for the screen if show (and say so if there is none), else only into files."""
    if not show:
        matplotlib.use("Agg")
    elif matplotlib.get_backend().lower() == "agg":  # what matplotlib falls back to without one
        print("note: --show: no display found, so no window opens; the figures are saved as "
              "files", flush=True)


def as_float32(value):
    """A float32 result (Keras' accuracy and loss) as the shortest decimal that float32 holds:
    0.98, not 0.9800000190734863."""
    return float(str(np.float32(value)))


def save_figure(figure, path):
    """Lay out a figure and save it as a PNG."""
    figure.tight_layout()
    figure.savefig(path, dpi=110, format="png")


def finish(show):
    """Show the figures drawn (if show), then close them all."""
    if show:
        plt.show()
    plt.close("all")


def confusion_figure(evaluation):
    """scikit-learn's confusion matrix of the test split as an annotated seaborn heatmap."""
    matrix = confusion_matrix(evaluation.true_digits, evaluation.predicted_digits,
                              labels=range(NUM_CLASSES))
    figure, axes = plt.subplots(figsize=(8, 6.5))
    sns.heatmap(matrix, annot=True, fmt="d", cmap="Blues", square=True, cbar_kws={"label": "images"},
                xticklabels=CLASS_NAMES, yticklabels=CLASS_NAMES, ax=axes)
    axes.set_xlabel("Predicted digit")
    axes.set_ylabel("True digit")
    axes.set_title(f"Confusion matrix: test accuracy {evaluation.accuracy:.4f} "
                   f"({len(evaluation.true_digits):,} test images)")
    return figure


def choose_samples(true_digits, predicted_digits, count, seed):
    """Pick test images to show: up to MAX_WRONG_SAMPLES wrong ones, then correct ones of each digit."""
    rng = np.random.default_rng(seed)
    wrong = rng.permutation(np.flatnonzero(true_digits != predicted_digits))[:MAX_WRONG_SAMPLES]
    right = rng.permutation(np.flatnonzero(true_digits == predicted_digits))
    # Rank each correct image within its digit, so the grid shows every digit before repeating one.
    rank_in_digit = np.zeros(len(right), dtype=int)
    for digit in range(NUM_CLASSES):
        of_digit = true_digits[right] == digit
        rank_in_digit[of_digit] = np.arange(of_digit.sum())
    right = right[np.argsort(rank_in_digit, kind="stable")][:count - len(wrong)]
    return np.concatenate([wrong, right[np.argsort(true_digits[right], kind="stable")]]).astype(int)


def samples_figure(test_images, evaluation, seed):
    """A grid of test images titled with true and predicted digit; mistakes first, in red."""
    true_digits, predicted_digits = evaluation.true_digits, evaluation.predicted_digits
    rows, columns = SAMPLE_GRID
    chosen = choose_samples(true_digits, predicted_digits, rows * columns, seed)
    figure, grid = plt.subplots(rows, columns, figsize=(columns * 1.7, rows * 1.9))
    for axes, index in zip(grid.flat, chosen):
        wrong = true_digits[index] != predicted_digits[index]
        axes.imshow(test_images[index].squeeze(), cmap="gray", vmin=0, vmax=1)
        axes.set_title(f"true {true_digits[index]}, pred {predicted_digits[index]}\n"
                       f"({percent(evaluation.probabilities[index].max())})",
                       color="red" if wrong else "black", fontsize=9,
                       fontweight="bold" if wrong else "normal")
        for spine in axes.spines.values():
            spine.set_color("red" if wrong else "none")
            spine.set_linewidth(2.5)
        axes.set_xticks([])
        axes.set_yticks([])
    for axes in list(grid.flat)[len(chosen):]:
        axes.axis("off")
    errors = int(np.sum(true_digits != predicted_digits))
    shown_wrong = int(np.sum(true_digits[chosen] != predicted_digits[chosen]))
    figure.suptitle(f"Sample test predictions, mistakes first: {shown_wrong} of the "
                    f"{errors} wrong answers (red) in {len(true_digits):,} test images, then "
                    "right ones")
    return figure


def epoch_ticks(epochs):
    """Whole-epoch ticks from the first epoch to the last, at a round step, at most about
    MAX_EPOCH_TICKS of them."""
    step = next((step for step in (1, 2, 5, 10, 20, 50, 100, 200, 500) if epochs / step <= MAX_EPOCH_TICKS),
                epochs)
    inner = [tick for tick in range(step, epochs, step) if epochs - tick >= step / 2 and tick > 1]
    return sorted({1, *inner, epochs})


def history_figure(history, validation_label, distorted):
    """Accuracy and loss per epoch (loss on a log scale), training against validation."""
    epochs = range(1, len(history["loss"]) + 1)
    # Distorted digits and dropout make the training figures worse than the model's own.
    training_label = "training (distorted digits, dropout on)" if distorted else "training"
    figure, (accuracy_axes, loss_axes) = plt.subplots(1, 2, figsize=(11, 4.2))
    for axes, metric, label in ((accuracy_axes, "accuracy", "Accuracy"),
                                (loss_axes, "loss", "Cross-entropy loss")):
        axes.plot(epochs, history[metric], marker="o", markersize=3, label=training_label)
        axes.plot(epochs, history[f"val_{metric}"], marker="o", markersize=3, label=validation_label)
        axes.set_xlabel("Epoch")
        axes.set_xticks(epoch_ticks(len(epochs)))
        axes.set_ylabel(label + (" (log scale)" if metric == "loss" else ""))
        axes.set_title(f"{label} per epoch")
        axes.grid(alpha=0.3, which="both")
        axes.legend()
    loss_axes.set_yscale("log")
    return figure


def write_history_csv(history, path):
    """Write the metrics per epoch, one row per epoch, counted from 1 as the console counts."""
    metrics = list(history)
    with open(path, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["epoch", *metrics])
        for epoch in range(len(history[metrics[0]])):
            writer.writerow([epoch + 1, *(as_float32(history[metric][epoch]) for metric in metrics)])


def calibration(probabilities, true_digits, bins=CALIBRATION_BINS):
    """Bin the images by their top probability (N, 10 probabilities; N true digits)."""
    confidence = probabilities.max(axis=1)
    right = probabilities.argmax(axis=1) == true_digits
    # Bins closed on the right, (0, 1/bins] ... ((bins - 1)/bins, 1], so that 1.0 falls in the last.
    which = np.clip(np.ceil(confidence * bins).astype(int) - 1, 0, bins - 1)
    count = np.bincount(which, minlength=bins)
    filled = count > 0
    return Calibration(np.flatnonzero(filled), np.bincount(which, confidence, bins)[filled] / count[filled],
                       np.bincount(which, right, bins)[filled] / count[filled], count[filled])


def reliability_figure(calibrations, bins=CALIBRATION_BINS):
    """A reliability diagram per model ({label: Calibration}), side by side: per bin of
    confidence, the share right (a bar, its count above it) and the bin's mean confidence (a
    dot), with the diagonal where the two agree."""
    figure, all_axes = plt.subplots(1, len(calibrations), figsize=(4.6 * len(calibrations), 4.6),
                                    squeeze=False)
    for axes, (label, result) in zip(all_axes[0], calibrations.items()):
        centres = (result.bin_number + 0.5) / bins
        axes.plot([0, 1], [0, 1], color="grey", linestyle="--", linewidth=1, label="perfectly calibrated")
        axes.bar(centres, result.accuracy, width=1 / bins, edgecolor="black", alpha=0.7,
                 label="share right in the bin")
        axes.plot(centres, result.confidence, "o", color="tab:red", markersize=4, label="mean confidence in the bin")
        for centre, accuracy, count in zip(centres, result.accuracy, result.count):
            axes.annotate(f"{count:,}", (centre, accuracy + 0.01), ha="center", fontsize=7)
        axes.set_xlim(0, 1)
        axes.set_ylim(0, 1.35)  # room above the bars for the legend
        axes.set_yticks(np.linspace(0, 1, 6))
        axes.set_xlabel("confidence (top probability)")
        axes.set_ylabel("share right")
        axes.set_title(f"{label}\nexpected calibration error {result.expected_error:.2%}", fontsize=10)
        axes.legend(loc="upper left", fontsize=8)
    return figure


def metrics_record(evaluation, validation, settings):
    """What a run measured, for metrics.json: test (and validation) accuracy and loss, the
    run's settings as given, and each digit's precision, recall and F1."""
    report = classification_report(evaluation.true_digits, evaluation.predicted_digits,
                                   output_dict=True, **REPORT_OPTIONS)
    record = {"test_accuracy": as_float32(evaluation.accuracy), "test_loss": as_float32(evaluation.loss)}
    if validation is not None:
        record.update(validation_accuracy=as_float32(validation.accuracy),
                      validation_loss=as_float32(validation.loss))
    return {**record, **settings,
            "per_class": {digit: {"precision": report[digit]["precision"],
                                  "recall": report[digit]["recall"], "f1": report[digit]["f1-score"],
                                  "support": int(report[digit]["support"])} for digit in CLASS_NAMES}}


def write_metrics(metrics, path):
    """Write metrics.json."""
    path.write_text(json.dumps(metrics, indent=2) + "\n")


def write_classification_report(evaluation, path):
    """Write scikit-learn's per-digit report, to four decimals."""
    path.write_text(classification_report(evaluation.true_digits, evaluation.predicted_digits,
                                          digits=4, **REPORT_OPTIONS))
