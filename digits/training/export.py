"""Saving and exporting a trained model, every copy checked against the model in memory: the
.h5 and .keras reloaded, the ONNX, LiteRT and SavedModel copies run as their users run them.

    save_checked(model, Path("mnist_cnn_model.h5"), test_images, expected)
    export_checked(model, Path("mnist_cnn_model.onnx"), "onnx", test_images, expected)
"""

import contextlib
import io
import tempfile
import warnings
from pathlib import Path

import numpy as np

from digits.constants import EXPORT_FORMATS, EXPORT_TOLERANCE
from digits.errors import UserError
from digits.publishing import replace_with
from digits.reading import runtime
from digits.tensorflow_setup import keras, muted_stderr, tf
from digits.training import data

# An exported model must give the Keras model's probabilities to within this, for every test image.


def save_checked(model, path, test_images, expected):
    """Save the model, reload the file and check that it predicts `expected`."""
    model.save(path)
    reloaded = keras.models.load_model(path, compile=False)
    if not np.allclose(reloaded.predict(test_images, verbose=0), expected, atol=EXPORT_TOLERANCE):
        raise UserError(f"{path.name}: the reloaded model predicts differently; nothing was written")


def exported_probabilities(path, export_format, images):
    """Run an exported model on images the way its users would: ONNX Runtime, LiteRT, TensorFlow."""
    if export_format == "onnx":
        return runtime.load_onnx_model(path).probabilities(images[..., 0])
    if export_format == "litert":
        with warnings.catch_warnings():  # it points to a package that is not TensorFlow's own
            warnings.filterwarnings("ignore", "\\s*Warning: tf.lite.Interpreter is deprecated")
            interpreter = tf.lite.Interpreter(model_path=str(path))
        input_index = interpreter.get_input_details()[0]["index"]
        interpreter.resize_tensor_input(input_index, images.shape)
        with muted_stderr():  # "INFO: Created TensorFlow Lite XNNPACK delegate for CPU."
            interpreter.allocate_tensors()
        interpreter.set_tensor(input_index, images.astype(np.float32))
        interpreter.invoke()
        return interpreter.get_tensor(interpreter.get_output_details()[0]["index"])
    saved_model = tf.saved_model.load(str(path))  # kept: serve() needs its variables alive
    return saved_model.serve(tf.constant(images, tf.float32)).numpy()


def export_checked(model, path, export_format, test_images, expected):
    """Export the model to path, then check that the copy gives the same digit for every test
    image and probabilities within EXPORT_TOLERANCE; return the largest difference."""
    model(test_images[:1])  # Keras exports only a model that has been called
    with contextlib.redirect_stdout(io.StringIO()), warnings.catch_warnings():
        # Keras prints where it saved; its ONNX converter warns about a numpy change, not ours.
        warnings.filterwarnings("ignore", "In the future `np.object`", FutureWarning)
        model.export(str(path), format=EXPORT_FORMATS[export_format][0], verbose=False)
    got = exported_probabilities(path, export_format, test_images)
    difference = float(np.abs(got - expected).max())
    same_digits = np.array_equal(got.argmax(axis=1), expected.argmax(axis=1))
    if not same_digits or difference > EXPORT_TOLERANCE:
        raise UserError(f"the {export_format} copy of the model answers differently on the test "
                        f"split (largest probability difference {difference:.1e}, same digit for "
                        f"every image: {'yes' if same_digits else 'no'}); nothing was written")
    return difference


def export_saved_model(model_path, export_format, output, test_split):
    """Convert a saved .h5 or .keras model to export_format at output, checked on the (checked)
    test split; print what was written."""
    model = runtime.load_keras_model(model_path)
    test_images, _ = data.load_split(test_split, quiet=True)
    expected = model.predict(test_images, verbose=0)
    with tempfile.TemporaryDirectory(dir=output.parent, prefix=".export-") as scratch:
        staged = Path(scratch) / output.name
        difference = export_checked(model, staged, export_format, test_images, expected)
        replace_with(staged, output, scratch)
    print(f"Wrote {output} ({export_format}): same digit as {model_path} for all {len(test_images):,} "
          f"test images, probabilities within {difference:.1e}")
