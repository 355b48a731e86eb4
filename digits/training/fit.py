"""Training one recipe: compile its network with Adam, fit it (on distorted batches if the recipe
distorts), choose its temperature on the validation split, and evaluate the result.

    trained = train_recipe(RECIPES["original"], (images, labels), validation, seed=42)
    evaluation = evaluate(trained.model, test_images, test_labels)
"""

import sys
import time
from dataclasses import dataclass, replace

import numpy as np

from digits.publishing import ctrl_c_held
from digits.tensorflow_setup import keras
from digits.training.augmentation import distorted_batches
from digits.training.networks import NETWORKS, build_not_a_digit, scores_model, tempered
from digits.training.recipes import RECIPES, steps_per_call, steps_per_epoch

# Temperatures tried when calibrating: the scores are divided by one of these.
TEMPERATURES = [round(0.5 * 1.05 ** step, 4) for step in range(48)]  # 0.5 to 4.9
NOT_A_DIGIT_EPOCHS = 25
NOT_A_DIGIT_BATCH_SIZE = 128


@dataclass(frozen=True)
class Trained:
    """What training a recipe produced."""
    model: object          # the Keras model, its temperature applied
    history: dict          # each metric per epoch, as Keras records it
    seconds: float         # time spent fitting
    temperature: float     # what the network's scores were divided by before the softmax


@dataclass(frozen=True)
class Evaluation:
    """A model's figures on one split, with every image's probabilities and digits."""
    loss: float
    accuracy: float
    probabilities: np.ndarray
    true_digits: np.ndarray
    predicted_digits: np.ndarray


def compile_network(recipe, steps):
    """Build the recipe's network with Adam and categorical cross-entropy, for `steps` per epoch."""
    model = NETWORKS[recipe.network]()
    learning_rate = recipe.learning_rate
    if recipe.warm_up_epochs:
        warm_up_steps = recipe.warm_up_epochs * steps
        learning_rate = keras.optimizers.schedules.CosineDecay(
            0.0, decay_steps=max(1, recipe.epochs * steps - warm_up_steps),
            warmup_target=recipe.learning_rate, warmup_steps=warm_up_steps)
    model.compile(optimizer=keras.optimizers.Adam(learning_rate), loss="categorical_crossentropy",
                  metrics=["accuracy"], steps_per_execution=steps_per_call(steps))
    return model


class StopAfterCtrlC(keras.callbacks.Callback):
    """Raise KeyboardInterrupt at the end of the call into TensorFlow during which Ctrl-C was
    pressed (pressed: the list ctrl_c_held fills). Raised at any moment, it could land while
    tf.data made an epoch's iterator, and the process died of a corrupted heap ("free(): invalid
    next size", SIGABRT) instead of stopping cleanly: 5 of 12 presses just as an epoch began."""

    def __init__(self, pressed):
        super().__init__()
        self.pressed = pressed

    def on_train_batch_end(self, batch, logs=None):
        if self.pressed:
            raise KeyboardInterrupt

    on_test_batch_end = on_epoch_end = on_train_batch_end


def fit_until_ctrl_c(model, *args, callbacks=(), **kwargs):
    """model.fit(*args, **kwargs), Ctrl-C held and raised as KeyboardInterrupt at the end of the
    call into TensorFlow it was pressed in (or after the last); return the History."""
    with ctrl_c_held() as pressed:
        history = model.fit(*args, callbacks=[*callbacks, StopAfterCtrlC(pressed)], **kwargs)
    if pressed:
        raise KeyboardInterrupt
    return history


def fit(model, recipe, train, validation, seed, callbacks=()):
    """Fit one network, validating each epoch; return its history and the seconds it took."""
    started = time.perf_counter()
    verbose = "auto" if sys.stdout.isatty() else 2
    if recipe.distortion is None:
        history = fit_until_ctrl_c(model, *train, batch_size=recipe.batch_size, epochs=recipe.epochs,
                                   validation_data=validation, shuffle=True, callbacks=callbacks,
                                   verbose=verbose)
    else:
        batches = distorted_batches(*train, recipe.batch_size, recipe.epochs, recipe.distortion, seed)
        history = fit_until_ctrl_c(model, batches, epochs=recipe.epochs,
                                   steps_per_epoch=steps_per_epoch(len(train[0]), recipe.batch_size),
                                   validation_data=validation, shuffle=False, callbacks=callbacks,
                                   verbose=verbose)
    return history.history, time.perf_counter() - started


def choose_temperature(network, images, labels):
    """The temperature whose tempered probabilities have the lowest loss on images."""
    scores = scores_model(network).predict(images, verbose=0)
    truth = labels.argmax(axis=1)

    def loss(temperature):
        tempered_scores = scores / temperature
        exponentials = np.exp(tempered_scores - tempered_scores.max(axis=1, keepdims=True))
        probabilities = exponentials / exponentials.sum(axis=1, keepdims=True)
        return -np.mean(np.log(np.maximum(probabilities[np.arange(len(truth)), truth], 1e-12)))

    return min(TEMPERATURES, key=loss)


def train_recipe(recipe, train, validation, seed, log_dir=None):
    """Train the recipe's network, then temper it at the temperature the validation split
    prefers, if the recipe calibrates. The network's summary is printed first."""
    network = compile_network(recipe, steps_per_epoch(len(train[0]), recipe.batch_size))
    network.summary()
    callbacks = [keras.callbacks.TensorBoard(log_dir=str(log_dir))] if log_dir is not None else []
    # The distortions' seed differs from the run's, as it did when a recipe could train several networks.
    history, seconds = fit(network, recipe, train, validation, seed * 100 + 1, callbacks)
    temperature = choose_temperature(network, *validation) if recipe.calibrate else 1.0
    return Trained(tempered(network, temperature), history, seconds, temperature)


def evaluate(model, images, labels):
    """Return the loss and accuracy on one split, and every image's probabilities and digits."""
    loss, accuracy = model.evaluate(images, labels, verbose=0)
    probabilities = model.predict(images, verbose=0)
    return Evaluation(loss, accuracy, probabilities, np.argmax(labels, axis=1),
                      np.argmax(probabilities, axis=1))


def train_not_a_digit(digits, non_digits, seed):
    """Train the not-a-digit check's network to tell digits (1) from non-digits (0), both
    (N, 28, 28) floats, every batch turned, zoomed, shifted and distorted afresh as the improved
    recipe does it, digits and non-digits alike (so that a distortion says nothing of which is
    which); return the Keras model."""
    images = np.concatenate([digits, non_digits])[..., None].astype(np.float32)
    is_digit = np.concatenate([np.ones(len(digits)), np.zeros(len(non_digits))]).astype(np.float32)
    model = build_not_a_digit()
    model.compile(optimizer=keras.optimizers.Adam(), loss="binary_crossentropy", metrics=["accuracy"])
    # Writing 1s and 7s in other styles needs to know which digit is which: not drawn here.
    batches = distorted_batches(images, is_digit, NOT_A_DIGIT_BATCH_SIZE, NOT_A_DIGIT_EPOCHS,
                                replace(RECIPES["improved"].distortion, styles=0), seed)
    fit_until_ctrl_c(model, batches, epochs=NOT_A_DIGIT_EPOCHS,
                     steps_per_epoch=steps_per_epoch(len(images), NOT_A_DIGIT_BATCH_SIZE),
                     verbose="auto" if sys.stdout.isatty() else 2)
    return model


def not_a_digit_threshold(digit_scores, refusal):
    """The score below which an input is called not a digit: the highest that calls at most
    `refusal` of these (held-out) digits' scores not a digit."""
    ranked = np.sort(digit_scores)
    return float(ranked[int(np.floor(refusal * len(ranked)))])
