"""Training and its reports: the dataset checked and loaded, recipes, distortions, networks,
fitting, figures and metrics, exports. data, augmentation, networks, fit and export import
TensorFlow at their top; checks, recipes and reports do not."""
