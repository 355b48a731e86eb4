"""Everything HandWritten_digit_Classifier.py uses, a module per job.

Training (these import TensorFlow at the top, so only training and --export load them):
    tensorflow_setup  start TensorFlow quietly, seed it
    data              read the dataset folders with ImageDataGenerator, hold out a validation split
    augmentation      random turns, shifts, zooms and elastic distortions of training digits
    networks          the original network and the improved recipe's, loading saved models
    training          fit a recipe, choose its temperature, evaluate
    export            save and export models, each copy checked against the model in memory

Without TensorFlow (--help, --predict and --serve start in a fraction of a second):
    constants         image size, classes, file names, extensions: each defined once
    errors            the one-line error a user can fix
    command_line      argparse with one-line errors, no abbreviations, flags of one mode only
    recipes           the Recipe table: what each way of training decides
    checks            the dataset and flags checked before TensorFlow starts
    reports           figures, metrics.json, history.csv and the classification report
    publishing        staging outputs, moving them into place at once, Ctrl-C held off
    reader            finding digits in people's images and putting them in MNIST's form
    runner            running a model (ONNX, or Keras through networks) on what the reader found;
                      its unsure threshold is in thresholds.json, which a benchmark writes
    predict           the --predict command: a line per image, annotated copies, inputs
    server            the --serve page and its JSON API
"""
