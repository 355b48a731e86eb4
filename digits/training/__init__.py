"""Training and its reports: the dataset checked and loaded, recipes, distortions, networks,
fitting, figures and metrics, exports; lines composed from the training digits (line_strings)
and the line model's CTC training (line_training). data, augmentation, networks, fit, export and
line_training import TensorFlow at their top; checks, recipes, reports and line_strings do not."""
