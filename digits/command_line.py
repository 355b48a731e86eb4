"""What the script's command line is built from: argparse with one-line errors, whole-number
flags, and flags refused outside the mode they belong to."""

import argparse


class Parser(argparse.ArgumentParser):
    """argparse with abbreviations refused (--epoch is not --epochs) and each error as one line:
    the problem, and where to read more, instead of the whole usage first."""

    def __init__(self, **options):
        super().__init__(allow_abbrev=False, **options)

    def error(self, message):
        self.exit(2, f"error: {message} (--help lists every flag)\n")


def whole_number(minimum, maximum=None):
    """Return an argparse type that accepts whole numbers from minimum (to maximum)."""
    def parse(text):
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be at least {minimum}, got {value}")
        if maximum is not None and value > maximum:
            raise argparse.ArgumentTypeError(f"must be at most {maximum}, got {value}")
        return value
    return parse


def refuse_flags_outside_their_mode(parser, args, flag_modes):
    """Stop with a usage error if a flag is used without any of its modes ({flag: (mode, ...)})."""
    for flag, modes in flag_modes.items():
        if getattr(args, flag) not in (None, False) and not any(getattr(args, mode) for mode in modes):
            names = ["--" + mode for mode in modes]
            allowed = names[0] if len(names) == 1 else f"{', '.join(names[:-1])} or {names[-1]}"
            parser.error(f"--{flag.replace('_', '-')} can only be used with {allowed}")
