"""Reading people's images, without TensorFlow: the reader's steps in order (decode, light, ink,
pieces, form; reader runs them), the model runtime, the line model (digits that touch), the
not-a-digit check, readings (what the models read and how it is said) and the --predict command."""
