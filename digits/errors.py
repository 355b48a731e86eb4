"""The error a user can fix: reported as one line, without a traceback."""


class UserError(Exception):
    """A problem the user can fix; the message says what is wrong, where, and what to do."""


class UsageError(UserError):
    """Flags that do not go together, found after parsing; reported as argparse reports its own."""


class ReaderError(ValueError):
    """An image that cannot be read as digits; the message says why, in a few words."""


class ImageTooLargeError(ReaderError):
    """An image with more pixels than it is safe to decode."""
