"""The networks: the original project's, the smaller one the improved recipe trains, and the
not-a-digit check's. (A saved model is loaded by digits.reading.runtime.load_keras_model.)

    model = NETWORKS["original"]()   # untrained
    check = build_not_a_digit()     # the not-a-digit check's network, untrained
"""

from digits.constants import INPUT_SHAPE, NUM_CLASSES
from digits.reading.line_model import LINE_HEIGHT
from digits.tensorflow_setup import keras

layers = keras.layers
COMPACT_DROPOUT = 0.4
NOT_A_DIGIT_DROPOUT = 0.3
LINE_DROPOUT = 0.2


def build_original(name="original_cnn"):
    """The original network: two convolution + pooling stages and a dense classifier."""
    return keras.Sequential([
        keras.Input(shape=INPUT_SHAPE),
        layers.Conv2D(32, (3, 3), activation="relu"),
        layers.MaxPooling2D((2, 2)),
        layers.Conv2D(64, (3, 3), activation="relu"),
        layers.MaxPooling2D((2, 2)),
        layers.Flatten(),
        layers.Dense(128, activation="relu"),
        layers.Dense(NUM_CLASSES, activation="softmax"),
    ], name=name)


def build_compact(name="compact_cnn"):
    """The improved recipe's network: two unpadded 3x3 convolutions per stage, and dropout."""
    return keras.Sequential([
        keras.Input(shape=INPUT_SHAPE),
        layers.Conv2D(16, (3, 3), activation="relu"),
        layers.Conv2D(16, (3, 3), activation="relu"),
        layers.MaxPooling2D((2, 2)),
        layers.Conv2D(32, (3, 3), activation="relu"),
        layers.Conv2D(32, (3, 3), activation="relu"),
        layers.MaxPooling2D((2, 2)),
        layers.Flatten(),
        layers.Dropout(COMPACT_DROPOUT),
        layers.Dense(128, activation="relu"),
        layers.Dropout(COMPACT_DROPOUT),
        layers.Dense(NUM_CLASSES),
        layers.Softmax(),  # its own layer, so that a temperature can reach the scores before it
    ], name=name)


NETWORKS = {"original": build_original, "compact": build_compact}


def build_not_a_digit(name="not_a_digit_cnn"):
    """The not-a-digit check's network: a small convolutional network whose one output is the
    probability that a 28x28 input is a digit at all, whichever digit."""
    return keras.Sequential([
        keras.Input(shape=INPUT_SHAPE),
        layers.Conv2D(16, (3, 3), activation="relu"),
        layers.MaxPooling2D((2, 2)),
        layers.Conv2D(32, (3, 3), activation="relu"),
        layers.MaxPooling2D((2, 2)),
        layers.Flatten(),
        layers.Dropout(NOT_A_DIGIT_DROPOUT),
        layers.Dense(64, activation="relu"),
        layers.Dense(1, activation="sigmoid"),
    ], name=name)


def scores_model(network):
    """The network up to its softmax: the scores whose softmax are its probabilities."""
    return keras.Model(network.inputs, network.layers[-2].output)


def tempered(network, temperature):
    """The network with its scores divided by the temperature before the softmax."""
    if temperature == 1.0:
        return network
    inputs = keras.Input(shape=INPUT_SHAPE)
    outputs = layers.Softmax()(layers.Rescaling(1 / temperature)(scores_model(network)(inputs)))
    model = keras.Model(inputs, outputs, name=f"{network.name}_tempered")
    model.compile(loss="categorical_crossentropy", metrics=["accuracy"])
    return model



def build_line_network(name="line_cnn"):
    """The line model's network: convolutions that take a line form (LINE_HEIGHT rows, any width)
    down to one column of features per STRIDE columns, then convolutions along the line, and
    each step's probabilities of the ten digits and CTC's blank."""
    inputs = keras.Input(shape=(LINE_HEIGHT, None, 1))
    x = inputs
    for filters, pool in ((16, (2, 2)), (32, (2, 2)), (64, (2, 1)), (96, (LINE_HEIGHT // 8, 1))):
        x = layers.Conv2D(filters, (3, 3), padding="same", activation="relu")(x)
        x = layers.MaxPooling2D(pool)(x)
    x = layers.Reshape((-1, 96))(x)
    for _ in range(2):
        x = layers.Conv1D(128, 5, padding="same", activation="relu")(x)
        x = layers.Dropout(LINE_DROPOUT)(x)
    x = layers.Dense(NUM_CLASSES + 1)(x)
    return keras.Model(inputs, layers.Softmax()(x), name=name)
