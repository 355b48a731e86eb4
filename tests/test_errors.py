"""Bad data, bad flags, interruptions: one clear line, a non-zero exit, nothing lost.

Each case builds its bad input in a temporary folder and runs the script as a user would.
Where a check must come before training, the script runs with TensorFlow made unimportable,
which proves the answer came before TensorFlow was imported.
"""

import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from conftest import SCRIPT, copy_tiny_dataset, run_script
from digits.constants import MODEL_FILE
from digits.publishing import write_atomically


def assert_one_line_error(result, status, *fragments):
    """The run exited with status and said what is wrong in one line, without a traceback."""
    assert result.returncode == status, result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ")
    if status == 2:  # a usage error: no usage block, a pointer to --help instead
        assert lines[0].endswith("(--help lists every flag)")
    for fragment in fragments:
        assert fragment in lines[0], lines[0]


EARLIER_MODEL = b"the model from an earlier run"


def run_before_training(tmp_path, *args):
    """Run with TensorFlow unimportable and an earlier run's model in the output folder,
    and check that the model is still there, unchanged, with nothing beside it."""
    earlier = tmp_path / "earlier-outputs"
    earlier.mkdir(exist_ok=True)
    (earlier / MODEL_FILE).write_bytes(EARLIER_MODEL)
    if "--output-dir" not in args:
        args = (*args, "--output-dir", earlier)
    result = run_script(*args, without_tensorflow=True)
    assert [path.name for path in earlier.iterdir()] == [MODEL_FILE]
    assert (earlier / MODEL_FILE).read_bytes() == EARLIER_MODEL
    return result


# ---------------------------------------------------------------- the data folder

def test_missing_data_dir(tmp_path):
    result = run_before_training(tmp_path, "--data-dir", tmp_path / "nowhere")
    assert_one_line_error(result, 1, str(tmp_path / "nowhere"), "does not exist", "--data-dir")


def test_data_dir_that_is_a_file(tmp_path):
    (tmp_path / "digits.zip").write_bytes(b"PK")
    result = run_before_training(tmp_path, "--data-dir", tmp_path / "digits.zip")
    assert_one_line_error(result, 1, f"--data-dir {tmp_path / 'digits.zip'} is a file, not a folder")


@pytest.mark.parametrize("split", ["train", "test"])
def test_data_dir_without_a_split(tiny_dataset, split):
    shutil.rmtree(tiny_dataset / split)
    result = run_before_training(tiny_dataset.parent, "--data-dir", tiny_dataset)
    assert_one_line_error(result, 1, f"has no {split}/ folder")


def test_class_folders_differ_between_train_and_test(tiny_dataset):
    shutil.rmtree(tiny_dataset / "test" / "7")
    result = run_before_training(tiny_dataset.parent, "--data-dir", tiny_dataset)
    assert_one_line_error(result, 1, str(tiny_dataset / "test"), "no folder for digit(s) 7")


def test_class_folders_that_are_not_digits(tiny_dataset):
    (tiny_dataset / "train" / "7").rename(tiny_dataset / "train" / "seven")
    result = run_before_training(tiny_dataset.parent, "--data-dir", tiny_dataset)
    assert_one_line_error(result, 1, "'seven'", "named 0 to 9")


def test_empty_class_folder(tiny_dataset):
    for image in (tiny_dataset / "train" / "3").iterdir():
        image.unlink()
    (tiny_dataset / "train" / "3" / "notes.txt").write_text("no images here")
    result = run_before_training(tiny_dataset.parent, "--data-dir", tiny_dataset)
    assert_one_line_error(result, 1, str(tiny_dataset / "train"), "no readable images for digit(s) 3")


def test_unreadable_image_with_strict_is_refused(tiny_dataset):
    truncated = tiny_dataset / "train" / "5" / "half.png"
    truncated.write_bytes(next((tiny_dataset / "train" / "5").glob("*.png")).read_bytes()[:60])
    result = run_before_training(tiny_dataset.parent, "--data-dir", tiny_dataset, "--strict")
    assert_one_line_error(result, 1, "1 unreadable image(s)", str(truncated), "--strict")


@pytest.fixture(scope="module")
def messy_run(tmp_path_factory):
    """A dry run on a Kaggle-named dataset with junk files, odd images and a corrupt one."""
    root = copy_tiny_dataset(tmp_path_factory.mktemp("messy"))
    (root / "train").rename(root / "Reduced Trainging data")
    (root / "test").rename(root / "Reduced Testing data")
    class_dir = root / "Reduced Trainging data" / "1"
    (class_dir / ".DS_Store").write_bytes(b"\x00\x00\x00\x01Bud1")
    (class_dir / "Thumbs.db").write_bytes(b"\xd0\xcf\x11\xe0")
    (class_dir / "readme.txt").write_text("not an image")
    Image.new("RGB", (50, 60), "white").save(class_dir / "colour.jpg")
    corrupt = root / "Reduced Testing data" / "8" / "broken.jpg"
    corrupt.write_bytes(b"\xff\xd8\xff\xe0 this is not really a jpeg")
    before = {path: path.stat().st_mtime_ns for path in root.rglob("*")}
    result = run_script("--data-dir", root, "--dry-run", "--output-dir", root.parent / "out")
    return result, root, corrupt, before


@pytest.mark.slow
def test_kaggle_folder_names_are_accepted(messy_run):
    result = messy_run[0]
    assert result.returncode == 0, result.stderr
    assert "Found 41 images belonging to 10 classes." in result.stdout
    assert "Found 40 images belonging to 10 classes." in result.stdout


def test_non_image_files_are_ignored_silently(messy_run):
    output = messy_run[0].stdout + messy_run[0].stderr
    assert ".DS_Store" not in output and "Thumbs.db" not in output and "readme" not in output


def test_corrupt_image_is_skipped_with_one_warning_naming_it(messy_run):
    result, _, corrupt, _ = messy_run
    warnings = [line for line in result.stderr.splitlines() if line.startswith("warning:")]
    assert warnings == [f"warning: skipping 1 unreadable image(s): {corrupt}"]
    assert "Traceback" not in result.stderr


def test_colour_and_odd_sized_images_get_one_note(messy_run):
    notes = [line for line in messy_run[0].stderr.splitlines() if line.startswith("note:")]
    assert len(notes) == 1 and notes[0].startswith("note: 1 image(s) are not 28x28 grayscale")


def test_the_data_folder_is_never_written(messy_run):
    _, root, _, before = messy_run
    assert {path: path.stat().st_mtime_ns for path in root.rglob("*")} == before


# ---------------------------------------------------------------- flags

@pytest.mark.parametrize("args, flag", [
    (["--epochs", "0"], "--epochs"),
    (["--batch-size", "0"], "--batch-size"),
    (["--batch-size", "-4"], "--batch-size"),
    (["--epochs", "ten"], "--epochs"),
    (["--recipe", "fancy"], "--recipe"),
    (["--seed", "-1"], "--seed"),
    (["--json"], "--json can only be used with --predict"),
    (["--annotate", "here"], "--annotate can only be used with --predict"),
    (["--port", "8001"], "--port can only be used with --serve"),
    (["--output", "x.onnx"], "--output can only be used with --export"),
    (["--model", "x.h5"], "--model can only be used with --predict, --serve or --export"),
    (["--serve", "--predict", "a.png"], "not allowed with argument"),
    (["--export", "pdf"], "--export"),
    (["--serve", "--port", "70000"], "--port"),
    (["--predict"], "--predict"),
    (["--epoch", "5"], "unrecognized arguments: --epoch 5; did you mean --epochs?"),  # not taken for it
    (["--predcit", "a.png"], "unrecognized arguments: --predcit a.png; did you mean --predict?"),
    (["--out", "x"], "unrecognized arguments: --out x; did you mean --output?"),
])
def test_bad_flags_are_usage_errors(tmp_path, args, flag):
    assert_one_line_error(run_before_training(tmp_path, *args), 2, flag)


def test_batch_size_larger_than_the_training_set(tiny_dataset):
    result = run_before_training(tiny_dataset.parent, "--data-dir", tiny_dataset, "--batch-size", "41")
    assert_one_line_error(result, 2, "--batch-size", "41 is larger than the training set (40 images)")


def test_help_lists_every_flag_with_its_default(tmp_path):
    result = run_before_training(tmp_path, "--help")
    assert result.returncode == 0
    for flag in ("--data-dir", "--epochs", "--batch-size", "--seed", "--output-dir", "--recipe",
                 "--dry-run", "--show", "--tensorboard", "--strict", "--predict", "--model",
                 "--serve", "--port", "--host", "--export", "--output", "--annotate", "--json"):
        assert flag in result.stdout
    words = " ".join(result.stdout.split())  # argparse wraps lines anywhere
    assert "(default: original)" in words and "(default: 42)" in words


# ---------------------------------------------------------------- outputs

def test_output_folder_that_cannot_be_created(tiny_dataset, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    result = run_before_training(tiny_dataset.parent, "--data-dir", tiny_dataset,
                                 "--output-dir", blocker / "outputs")
    assert_one_line_error(result, 1, "cannot write to --output-dir folder", str(blocker / "outputs"))


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0,
                    reason="root can write into read-only folders")
def test_output_folder_that_cannot_be_written(tiny_dataset, tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    result = run_before_training(tiny_dataset.parent, "--data-dir", tiny_dataset,
                                 "--output-dir", locked)
    assert_one_line_error(result, 1, "cannot write to --output-dir folder", str(locked))


def test_a_failed_write_leaves_the_earlier_file_intact(tmp_path):
    earlier = tmp_path / MODEL_FILE
    earlier.write_bytes(EARLIER_MODEL)

    def half_write(temporary):
        with open(temporary, "wb") as handle:
            handle.write(b"half a mod")
        raise OSError("disk full")

    with pytest.raises(OSError):
        write_atomically(earlier, half_write)
    assert earlier.read_bytes() == EARLIER_MODEL
    assert [path.name for path in tmp_path.iterdir()] == [MODEL_FILE]


@pytest.mark.slow
def test_ctrl_c_during_training_stops_cleanly(tiny_dataset, tmp_path):
    output_dir = tmp_path / "outputs"
    output_dir.mkdir()
    (output_dir / MODEL_FILE).write_bytes(EARLIER_MODEL)
    process = subprocess.Popen(
        [sys.executable, str(SCRIPT), "--data-dir", str(tiny_dataset), "--output-dir",
         str(output_dir), "--epochs", "100000"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"})
    for line in process.stdout:
        if line.startswith("Epoch 2/"):
            break
    process.send_signal(signal.SIGINT)
    stdout, stderr = process.communicate(timeout=60)
    assert process.returncode == 130, stderr
    assert "Traceback" not in stderr
    note, interrupted = stderr.strip().splitlines()
    assert note.startswith(f"note: this run will replace the model in {output_dir}/ (written ")
    assert note.endswith("press Ctrl-C now to keep it, or pass --output-dir")
    assert interrupted == ("Interrupted: stopped before finishing; earlier outputs are untouched "
                           "and nothing half-written was left.")
    assert (output_dir / MODEL_FILE).read_bytes() == EARLIER_MODEL
    assert [path.name for path in output_dir.iterdir()] == [MODEL_FILE]


def test_a_run_that_would_replace_a_model_says_whose_first(tmp_path):
    from digits.publishing import earlier_run

    assert earlier_run(tmp_path) is None
    (tmp_path / MODEL_FILE).write_bytes(EARLIER_MODEL)
    (tmp_path / "metrics.json").write_text('{"test_accuracy": 0.98, "recipe": "improved"}')
    os.utime(tmp_path / "metrics.json", (1_700_000_000, 1_700_000_000))
    note = earlier_run(tmp_path)
    assert note.startswith(f"note: this run will replace the model in {tmp_path}/ (test accuracy "
                           "0.9800, improved recipe, written 2023-11-1")


# ---------------------------------------------------------------- messages name the right thing

@pytest.mark.parametrize("flag", ["--annotate", "--save-preprocessed"])
def test_a_predict_folder_that_is_a_file_names_its_flag(tmp_path, flag):
    (tmp_path / "model.onnx").write_bytes(b"unused")
    (tmp_path / "taken").write_text("a file")
    result = run_script("--predict", tmp_path, "--model", tmp_path / "model.onnx", flag,
                        tmp_path / "taken", without_tensorflow=True)
    assert_one_line_error(result, 1, f"{flag} {tmp_path / 'taken'} is a file; pass {flag} with a folder")


def test_no_trained_model_names_the_onnx_file_and_where_it_was_looked_for(tmp_path, monkeypatch):
    from digits.errors import UserError
    from digits.reading import runtime

    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(runtime, "SHIPPED_MODEL", tmp_path / "no-shipped-model.onnx")
    with pytest.raises(UserError) as error:
        runtime.choose_reading_model(None, Path("outputs"))
    assert str(error.value) == (f"no trained model: outputs/mnist_cnn_model.onnx not found (looked "
                                f"for in the current folder, {tmp_path}); train one first with "
                                "`python HandWritten_digit_Classifier.py`, or pass --model FILE or "
                                "--output-dir")


def test_export_without_a_model_names_the_h5_file(tmp_path):
    result = run_script("--export", "onnx", "--output-dir", tmp_path, without_tensorflow=True)
    assert_one_line_error(result, 1, f"no trained model: {tmp_path / MODEL_FILE} not found; train one")
