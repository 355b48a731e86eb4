"""The error a user can fix: reported as one line, without a traceback."""


class UserError(Exception):
    """A problem the user can fix; the message says what is wrong, where, and what to do."""


class UsageError(UserError):
    """Flags that do not go together, found after parsing; reported as argparse reports its own."""
