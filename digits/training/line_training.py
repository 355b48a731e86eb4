"""Training the line model with CTC: batches of line forms of similar width, TensorFlow's CTC
loss on the network's scores, Adam on a cosine schedule; and its figures on held-out lines, read
as the reader reads them (greedy decoding in NumPy, digits.reading.line_model.decode).

    network = train_line_network(forms, texts, epochs=8, seed=42)
"""

import time

import numpy as np

from digits.reading.line_model import LINE_HEIGHT, decode
from digits.tensorflow_setup import keras, tf
from digits.training.networks import build_line_network, scores_model

BATCH_SIZE = 32
LEARNING_RATE = 0.002


def batches(forms, texts, rng):
    """Batches of lines of similar width, in random order: (images (B, H, W, 1), labels (B, L)
    padded with 0, label lengths (B,))."""
    order = np.argsort([form.shape[1] + rng.uniform(0, 16) for form in forms])
    groups = [order[start:start + BATCH_SIZE] for start in range(0, len(order), BATCH_SIZE)]
    for group in (groups[index] for index in rng.permutation(len(groups))):
        width = max(forms[index].shape[1] for index in group)
        images = np.zeros((len(group), LINE_HEIGHT, width, 1), np.float32)
        labels = np.zeros((len(group), max(len(texts[index]) for index in group)), np.int32)
        for row, index in enumerate(group):
            images[row, :, :forms[index].shape[1], 0] = forms[index]
            labels[row, :len(texts[index])] = [int(digit) for digit in texts[index]]
        yield images, labels, np.array([len(texts[index]) for index in group], np.int32)


def train_line_network(forms, texts, epochs, seed, report=print):
    """Train the line network on line forms and their texts; return it (it ends in a softmax)."""
    keras.utils.set_random_seed(seed)
    network = build_line_network()
    scores = scores_model(network)
    steps = epochs * -(-len(forms) // BATCH_SIZE)
    optimizer = keras.optimizers.Adam(keras.optimizers.schedules.CosineDecay(LEARNING_RATE, steps))

    @tf.function(input_signature=[tf.TensorSpec((None, LINE_HEIGHT, None, 1), tf.float32),
                                  tf.TensorSpec((None, None), tf.int32), tf.TensorSpec((None,), tf.int32)])
    def step(images, labels, lengths):
        with tf.GradientTape() as tape:
            logits = scores(images, training=True)
            steps_out = tf.fill([tf.shape(logits)[0]], tf.shape(logits)[1])
            loss = tf.reduce_mean(tf.nn.ctc_loss(labels, logits, lengths, steps_out,
                                                 logits_time_major=False, blank_index=-1))
        gradients = tape.gradient(loss, scores.trainable_variables)
        optimizer.apply_gradients(zip(gradients, scores.trainable_variables))
        return loss

    rng = np.random.default_rng(seed)
    for epoch in range(epochs):
        started, losses = time.perf_counter(), []
        for images, labels, lengths in batches(forms, texts, rng):
            losses.append(float(step(images, labels, lengths)))
        report(f"Line model epoch {epoch + 1}/{epochs}: CTC loss {np.mean(losses):.3f} "
               f"({time.perf_counter() - started:.0f} s)")
    return network


def exact_share(read, forms, texts):
    """The share of lines read exactly by read, a function from line forms to their digits."""
    found = read(forms)
    return float(np.mean(["".join(str(digit.digit) for digit in digits) == text
                          for digits, text in zip(found, texts)]))


def keras_reader(network):
    """The network as the reader runs it: line forms to their digits, a line at a time."""
    return lambda forms: [decode(network.predict_on_batch(form[None, :, :, None])[0]) for form in forms]
