"""Handwritten digit classifier: a small convolutional network trained on Reduced MNIST.

Loads reduced_mnist/train/<digit>/ and reduced_mnist/test/<digit>/ with Keras'
ImageDataGenerator (28x28 grayscale, pixels rescaled to [0, 1], one-hot labels), trains
Conv2D(32) > MaxPool > Conv2D(64) > MaxPool > Flatten > Dense(128) > Dense(10) for 20 epochs
with Adam, validating on the test folder, then prints the test accuracy and loss and writes
into outputs/: the model (mnist_cnn_model.h5, .keras and .onnx), a confusion matrix, sample
predictions, the training history, metrics.json, history.csv and a classification report.

    python HandWritten_digit_Classifier.py                      # the original recipe
    python HandWritten_digit_Classifier.py --recipe improved    # distortions, validation split
    python HandWritten_digit_Classifier.py --predict my_digit.jpg [more images or folders]
    python HandWritten_digit_Classifier.py --serve              # a page to draw digits on
    python HandWritten_digit_Classifier.py --export litert      # the model for phones
    python HandWritten_digit_Classifier.py --help               # every flag and its default

This file is the training pipeline, stage by stage, with the command line at the bottom. Each
stage calls the package beside it (README, "Layout"): the network is in
digits/training/networks.py, the loader in digits/training/data.py, the figures in
digits/training/reports.py. Works offline: the dataset is committed beside this script.
"""

import dataclasses
import importlib.util
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import digits
from digits import publishing, training
from digits.command_line import FLAG_MODES, build_parser, refuse_flags_outside_their_mode
from digits.constants import (
    DEFAULT_HOST,
    DEFAULT_PORT,
    DRY_RUN_BATCHES,
    EXPORT_FORMATS,
    FIGURES,
    HISTORY_FILE,
    METRICS_FILE,
    MODEL_FILE,
    NATIVE_MODEL_FILE,
    ONNX_MODEL_FILE,
    REPORT_FILE,
    REPORTS,
)
from digits.errors import UsageError, UserError
from digits.training import checks, recipes


@dataclass(frozen=True)
class Run:
    """What the command line asks of a training run."""
    recipe_name: str
    recipe: recipes.Recipe    # with --epochs and --batch-size applied
    data_dir: Path
    output_dir: Path
    seed: int
    strict: bool
    tensorboard: bool
    show: bool
    dry_run: bool


# ---------------------------------------------------------------- the training pipeline

def check_inputs(run):
    """1. Check the dataset, the flags and the output folder before TensorFlow starts, so that
    every problem is one line within seconds; return the checked dataset."""
    dataset = checks.check_dataset(run.data_dir, run.strict)
    if run.recipe.batch_size > dataset.train.count:
        raise UsageError(f"argument --batch-size: {run.recipe.batch_size} is larger than the "
                         f"training set ({dataset.train.count} images)")
    if run.tensorboard and importlib.util.find_spec("tensorboard") is None:
        raise UserError("--tensorboard needs the tensorboard package: pip install -r requirements.txt")
    publishing.prepare_output_dir(run.output_dir, create=not run.dry_run)
    earlier = None if run.dry_run else publishing.earlier_run(run.output_dir)
    if earlier:
        print(earlier, file=sys.stderr, flush=True)
    return dataset


def start_tensorflow(seed):
    """2. Start TensorFlow and seed it. The modules the pipeline goes on to use are imported here,
    not at the top of this file: those that train import TensorFlow at their top, and --help,
    --predict and --serve need not wait the seconds it takes."""
    import digits.tensorflow_setup  # noqa: F401, E401
    import digits.training.data
    import digits.training.export
    import digits.training.fit  # noqa: F401, E401
    import digits.training.reports
    digits.tensorflow_setup.seed_everything(seed)


def load_data(run, dataset):
    """3. Read both folders through ImageDataGenerator into arrays; hold out a validation split
    if the recipe does. Return (train, validation, test), each (images, one-hot labels)."""
    train = training.data.load_split(dataset.train)
    test = training.data.load_split(dataset.test)
    validation = test  # the original watches the test split each epoch; it chooses nothing by it
    if run.recipe.validation_share:
        train, validation = training.data.split_validation(*train, run.recipe.validation_share, run.seed)
    if run.dry_run:
        train = training.data.every_digit_first(*train, DRY_RUN_BATCHES * run.recipe.batch_size)
    return train, validation, test


def train_model(run, train, validation, stage):
    """4. Build the recipe's network (its summary is printed) and fit it, one line per epoch."""
    log_dir = stage / "tensorboard" / time.strftime("%Y%m%d-%H%M%S") if run.tensorboard else None
    return training.fit.train_recipe(run.recipe, train, validation, run.seed, log_dir)


def evaluate_model(run, trained, validation, test):
    """5. Evaluate on the test split (read once, for the reported figure) and print the result;
    return the test Evaluation and the validation split's, if the recipe held one out."""
    validated = None if validation is test else training.fit.evaluate(trained.model, *validation)
    evaluation = training.fit.evaluate(trained.model, *test)
    per_epoch = f"{trained.seconds:.1f} s ({trained.seconds / run.recipe.epochs:.2f} s per epoch)"
    if run.dry_run:
        print(f"Dry run: test accuracy {evaluation.accuracy:.4f}, test loss {evaluation.loss:.4f} "
              f"after one epoch on {DRY_RUN_BATCHES} batches, a check and not a result; "
              f"training took {per_epoch}")
        return evaluation, validated
    if validated is not None:
        print(f"Validation accuracy: {validated.accuracy:.4f} "
              f"({len(validation[0]):,} training images held out)")
    print(f"Test accuracy: {evaluation.accuracy:.4f}")
    print(f"Test loss: {evaluation.loss:.4f}")
    print(f"Training took {per_epoch}")
    return evaluation, validated


def save_models(trained, test_images, evaluation, stage):
    """6. Save the model as .h5, .keras and .onnx; the .h5 is reloaded and the .onnx run in ONNX
    Runtime, and both must give the probabilities the model in memory gave."""
    training.export.save_checked(trained.model, stage / MODEL_FILE, test_images, evaluation.probabilities)
    trained.model.save(stage / NATIVE_MODEL_FILE)
    training.export.export_checked(trained.model, stage / ONNX_MODEL_FILE, "onnx", test_images,
                                 evaluation.probabilities)


def plot(run, trained, test_images, evaluation, validation_images, stage):
    """7. Draw the confusion matrix, sample predictions and training history (and show them with
    --show)."""
    training.reports.use_screen(run.show)
    validation_label = ("validation (test split)" if not run.recipe.validation_share else
                        f"validation split ({validation_images:,} training images)")
    figures = (training.reports.confusion_figure(evaluation),
               training.reports.samples_figure(test_images, evaluation, run.seed),
               training.reports.history_figure(trained.history, validation_label,
                                             distorted=run.recipe.distortion is not None))
    for figure, name in zip(figures, FIGURES):
        training.reports.save_figure(figure, stage / name)
    training.reports.finish(run.show)


def write_reports(run, trained, evaluation, validated, counts, stage):
    """8. Write metrics.json, history.csv and the classification report."""
    train_images, validation_images, test_images = counts
    settings = {"recipe": run.recipe_name, "epochs": run.recipe.epochs,
                "batch_size": run.recipe.batch_size, "seed": run.seed, "train_images": train_images,
                "validation_images": validation_images, "test_images": test_images,
                "validated_on": "test split" if validated is None else "validation split",
                "train_seconds": round(trained.seconds, 2), "temperature": trained.temperature,
                "data_dir": str(run.data_dir), **digits.tensorflow_setup.versions()}
    training.reports.write_metrics(training.reports.metrics_record(evaluation, validated, settings),
                                 stage / METRICS_FILE)
    training.reports.write_history_csv(trained.history, stage / HISTORY_FILE)
    training.reports.write_classification_report(evaluation, stage / REPORT_FILE)


def train_and_report(run):
    """The pipeline, first to last; every output appears at once, at the end, or not at all."""
    dataset = check_inputs(run)
    start_tensorflow(run.seed)
    train, validation, test = load_data(run, dataset)
    with publishing.staging(run.output_dir, run.dry_run) as stage:
        trained = train_model(run, train, validation, stage)
        evaluation, validated = evaluate_model(run, trained, validation, test)
        if run.dry_run:
            print("Dry run finished: data, model and training work. Nothing was written.")
            return 0
        validation_images = 0 if validated is None else len(validation[0])
        save_models(trained, test[0], evaluation, stage)
        plot(run, trained, test[0], evaluation, validation_images, stage)
        write_reports(run, trained, evaluation, validated,
                      (len(train[0]), validation_images, len(test[0])), stage)
        interrupted = publishing.publish(stage, run.output_dir)
    print(f"Wrote {MODEL_FILE}, {NATIVE_MODEL_FILE}, {ONNX_MODEL_FILE}, {', '.join(FIGURES)}, "
          f"{', '.join(REPORTS)} to {run.output_dir}/")
    if interrupted:
        print("Interrupted while the outputs were being moved into place: they were all written.",
              file=sys.stderr)
        return 130
    return 0


# ---------------------------------------------------------------- using a trained model

def export_model(args):
    """--export: convert a saved model, checked on the test split; return the exit status."""
    from digits.reading import runtime

    model_path = runtime.choose_model(args.model, args.output_dir / MODEL_FILE)
    output = args.output or model_path.with_name(model_path.stem + EXPORT_FORMATS[args.export][1])
    dataset = checks.check_dataset(args.data_dir, strict=False)
    publishing.prepare_output_dir(output.parent, "--output")
    from digits.training import export  # TensorFlow starts here, once every check has passed
    export.export_saved_model(model_path, args.export, output, dataset.test)
    return 0


# ---------------------------------------------------------------- command line

def training_run(args):
    """The Run the flags describe: the chosen recipe with --epochs and --batch-size applied."""
    recipe = recipes.RECIPES[args.recipe]
    recipe = dataclasses.replace(recipe, epochs=1 if args.dry_run else args.epochs or recipe.epochs,
                                 batch_size=args.batch_size or recipe.batch_size)
    return Run(args.recipe, recipe, args.data_dir, args.output_dir, args.seed, args.strict,
               args.tensorboard, args.show, args.dry_run)


def main(argv=None):
    """Train and report (or --predict, --serve, --export); return the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    refuse_flags_outside_their_mode(parser, args, FLAG_MODES)
    try:
        if args.predict or args.serve:
            # Imported here: the reader's SciPy takes half a second, which training, --help and
            # a mistyped flag need not wait.
            from digits.reading import predict, runtime
            choice = runtime.choose_reading_model(args.model, args.output_dir, args.not_a_digit)
            if args.predict:
                return predict.predict_command(args.predict, choice, args.json, args.annotate,
                                               args.save_preprocessed)
            from digits.serving import server  # Flask takes a moment to load: only --serve needs it
            return server.serve_command(choice, args.host or DEFAULT_HOST,
                                        DEFAULT_PORT if args.port is None else args.port)
        if args.export:
            return export_model(args)
        return train_and_report(training_run(args))
    except UsageError as error:
        parser.error(str(error))
    except UserError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("Interrupted: stopped before finishing; earlier outputs are untouched and nothing "
              "half-written was left.", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
