"""Writing outputs so that nothing is ever half-written: files staged, then moved into place at
once with Ctrl-C held off, and an earlier run's files left as they were until that moment."""

import contextlib
import datetime
import json
import os
import signal
import tempfile
from pathlib import Path

from digits.constants import METRICS_FILE, MODEL_FILES
from digits.errors import UserError


def prepare_output_dir(folder, flag="--output-dir", create=True):
    """Create the folder if needed and prove it is writable, before any slow work; `flag` is the
    flag that named it. With create=False (a dry run) only prove that it could be created."""
    if folder.is_file():
        raise UserError(f"{flag} {folder} is a file; pass {flag} with a folder")
    try:
        if create:
            folder.mkdir(parents=True, exist_ok=True)
        nearest = next(parent for parent in (folder, *folder.parents) if parent.exists())
        with tempfile.TemporaryFile(dir=nearest):
            pass
    except OSError as error:
        raise UserError(f"cannot write to {flag} folder {folder}: {error.strerror}; "
                        f"pass {flag} with a folder you can write to") from None
    return folder


def earlier_run(output_dir):
    """One line about the earlier run whose model this run will replace, or None if there is none."""
    models = [output_dir / name for name in MODEL_FILES if (output_dir / name).is_file()]
    if not models:
        return None
    metrics_path = output_dir / METRICS_FILE
    try:
        metrics = json.loads(metrics_path.read_text())
        accuracy = f"test accuracy {metrics['test_accuracy']:.4f}, {metrics['recipe']} recipe, "
        written = metrics_path.stat().st_mtime
    except (OSError, ValueError, KeyError, TypeError):
        accuracy, written = "", max(path.stat().st_mtime for path in models)
    when = datetime.datetime.fromtimestamp(written).strftime("%Y-%m-%d %H:%M")
    return (f"note: this run will replace the model in {output_dir}/ ({accuracy}written {when}); "
            "press Ctrl-C now to keep it, or pass --output-dir")


def write_atomically(path, write):
    """Call write(temporary path) and move the result onto path only once it is complete."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}-", suffix=path.suffix)
    os.close(handle)
    try:
        write(temporary)
        os.chmod(temporary, 0o644)  # mkstemp makes files private; outputs are ordinary files
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


@contextlib.contextmanager
def ctrl_c_held():
    """Hold Ctrl-C until the block has finished; yield a list that records any press."""
    pressed = []
    previous = signal.signal(signal.SIGINT, lambda number, frame: pressed.append(number))
    try:
        yield pressed
    finally:
        signal.signal(signal.SIGINT, previous)


@contextlib.contextmanager
def staging(output_dir, dry_run):
    """A scratch folder to write a run's outputs into: inside output_dir, so that they can be moved
    into place at once; the system's for a dry run, which leaves nothing in output_dir."""
    with tempfile.TemporaryDirectory(dir=None if dry_run else output_dir, prefix=".run-") as scratch:
        stage = Path(scratch) / "outputs"
        stage.mkdir()
        yield stage


def publish(stage, output_dir):
    """Move every staged output into output_dir in one step that Ctrl-C cannot cut short;
    return whether Ctrl-C was pressed meanwhile."""
    with ctrl_c_held() as pressed:
        for path in sorted(stage.iterdir()):
            if path.name == "tensorboard":  # each run's logs sit beside earlier runs' logs
                (output_dir / "tensorboard").mkdir(exist_ok=True)
                for run in path.iterdir():
                    os.replace(run, output_dir / "tensorboard" / run.name)
            else:
                os.replace(path, output_dir / path.name)
    return bool(pressed)


def replace_with(staged, output, scratch):
    """Move a staged file or folder onto output, Ctrl-C held off; an earlier folder at output is
    moved into scratch first (and goes with it)."""
    with ctrl_c_held():
        if output.is_dir() and not output.is_symlink():
            os.replace(output, Path(scratch) / "earlier")
        os.replace(staged, output)
