"""Exported models: the .onnx training writes, and --export to ONNX, LiteRT and a SavedModel,
each checked against the Keras model on the committed test split."""

import json
import shutil

import numpy as np
import pytest

import HandWritten_digit_Classifier as classifier
from conftest import DATASET
from digits.constants import MODEL_FILE, ONNX_MODEL_FILE
from digits.reading import runtime
from digits.training import checks, data, export


@pytest.fixture(scope="module")
def test_split():
    return data.load_split(checks.check_dataset(DATASET, strict=False).test)


def test_training_writes_an_onnx_model_that_answers_like_keras(default_run, test_split):
    expected = runtime.load_keras_model(default_run / MODEL_FILE).predict(test_split[0], verbose=0)
    got = runtime.load_onnx_model(default_run / ONNX_MODEL_FILE).probabilities(test_split[0][..., 0])
    np.testing.assert_array_equal(got.argmax(axis=1), expected.argmax(axis=1))
    assert np.abs(got - expected).max() <= export.EXPORT_TOLERANCE


def test_the_trained_model_scores_what_its_metrics_say(default_run, test_split):
    # The default run's figures, recomputed from the .onnx a user gets.
    metrics = json.loads((default_run / "metrics.json").read_text())
    probabilities = runtime.load_onnx_model(default_run / ONNX_MODEL_FILE).probabilities(test_split[0][..., 0])
    truth = test_split[1].argmax(axis=1)
    # Not the loss: Keras computes it from the scores inside the softmax, which can exceed what
    # float32 probabilities of exactly 0 let one recompute.
    assert np.mean(probabilities.argmax(axis=1) == truth) == pytest.approx(metrics["test_accuracy"], abs=1e-6)
    assert metrics["test_accuracy"] >= 0.97  # what the original recipe reaches, seed 42


@pytest.fixture
def keras_file(default_run, tmp_path):
    """A copy of the default run's .h5 in a folder of its own."""
    return shutil.copy(default_run / MODEL_FILE, tmp_path / "digits.h5")


@pytest.mark.parametrize("export_format, written", [("onnx", "digits.onnx"), ("litert", "digits.tflite"),
                                                    ("saved_model", "digits_saved_model")])
def test_export_writes_each_format_beside_the_model_and_checks_it(keras_file, test_split, capfd,
                                                                   export_format, written):
    assert classifier.main(["--export", export_format, "--model", str(keras_file)]) == 0
    target = keras_file.parent / written
    captured = capfd.readouterr()
    assert captured.out.strip().count("\n") == 0
    line = captured.out.strip()
    assert line.startswith(f"Wrote {target} ({export_format}): same digit as {keras_file} for all "
                           "1,000 test images, probabilities within")
    assert target.exists() and sorted(path.name for path in keras_file.parent.iterdir()) == sorted(
        ["digits.h5", written])
    images = test_split[0][:50]
    expected = runtime.load_keras_model(keras_file).predict(images, verbose=0)
    np.testing.assert_allclose(export.exported_probabilities(target, export_format, images), expected,
                               atol=export.EXPORT_TOLERANCE)
    assert "Found" not in captured.out and "INFO" not in captured.err  # no loader or LiteRT chatter


def test_export_to_a_chosen_path_replaces_an_earlier_export(keras_file, tmp_path):
    target = tmp_path / "phone" / "model.tflite"
    target.parent.mkdir()
    target.write_bytes(b"an earlier export")
    assert classifier.main(["--export", "litert", "--model", str(keras_file), "--output", str(target)]) == 0
    assert target.read_bytes()[4:8] == b"TFL3"  # a LiteRT flatbuffer
    assert [path.name for path in target.parent.iterdir()] == ["model.tflite"]


def test_a_failed_check_writes_nothing(keras_file, tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(export, "EXPORT_TOLERANCE", -1.0)  # no copy can pass
    target = tmp_path / "out.onnx"
    assert classifier.main(["--export", "onnx", "--model", str(keras_file), "--output", str(target)]) == 1
    error = capsys.readouterr().err.strip().splitlines()
    assert len(error) == 1 and error[0].startswith("error: the onnx copy of the model answers differently")
    assert sorted(path.name for path in tmp_path.iterdir()) == ["digits.h5"]


def test_export_of_a_file_that_is_not_a_model(tmp_path, capsys):
    fake = tmp_path / "notes.h5"
    fake.write_text("not a model")
    assert classifier.main(["--export", "onnx", "--model", str(fake)]) == 1
    assert capsys.readouterr().err.strip() == f"error: {fake} is not a Keras .h5/.keras model"
    assert sorted(path.name for path in tmp_path.iterdir()) == ["notes.h5"]
