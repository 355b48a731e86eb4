"""Reading people's images, without TensorFlow: the reader's steps in order (decode, light, ink,
pieces, form; reader runs them), the model runtime, the not-a-digit check, readings (what a
model read and how it is said) and the --predict command."""
