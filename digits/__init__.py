"""Everything HandWritten_digit_Classifier.py uses, in layers, a folder each:

    training/     train and report: the dataset's checks and loader, recipes, distortions,
                  networks, fitting, figures and metrics, exports; the line model's lines and
                  training (the modules that fit import TensorFlow at their top)
    reading/      read people's images without TensorFlow: decode, light, ink, pieces, form
                  (the reader's steps, in order), the model runtime, the line model, the
                  not-a-digit check, readings and the --predict command
    serving/      the --serve page and its JSON API
    evaluation/   what measures the models: the reading sets, the real set, non-digit images

Beside them, what every layer shares: constants (each fact once), errors, formats (percentages),
publishing (outputs moved into place at once), command_line, tensorflow_setup (TensorFlow
started quietly; training, and reading an .h5 or .keras model). Reading imports neither training
nor serving; serving imports reading; evaluation may import any layer; no module imports another
that imports it back (tests/test_layout.py).
"""
