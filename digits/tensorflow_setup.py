"""TensorFlow, started without its C++ start-up chatter; every module that trains imports it from here.

    from digits.tensorflow_setup import keras, tf
"""

import contextlib
import logging
import os
import sys


@contextlib.contextmanager
def muted_stderr():
    """Silence file descriptor 2 for the block: TensorFlow's C++ side prints there directly."""
    sys.stderr.flush()
    saved, devnull = os.dup(2), os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    try:
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
# Some notices (oneDNN, CUDA) are printed before TensorFlow's log level applies, so stderr is
# muted while TensorFlow starts and finds its devices.
with muted_stderr():
    import tensorflow as tf
    tf.config.list_physical_devices()
# Keras warns that .h5 is a legacy format on every save; the README explains why we keep it.
for _logger in ("absl", "tensorflow"):
    logging.getLogger(_logger).setLevel(logging.ERROR)
keras = tf.keras


def seed_everything(seed):
    """Make a run repeatable: Python, NumPy and TensorFlow seeds, deterministic ops."""
    keras.utils.set_random_seed(seed)
    tf.config.experimental.enable_op_determinism()


def versions():
    """The TensorFlow and Keras versions, as metrics.json records them."""
    import keras as keras_package  # tf.keras is Keras 3, whose version is the package's

    return {"tensorflow_version": tf.__version__, "keras_version": keras_package.__version__}
