"""Exported models: the .onnx training writes, and --export to ONNX, LiteRT and a SavedModel,
each checked against the Keras model on the committed test split."""

import shutil

import numpy as np
import pytest

import HandWritten_digit_Classifier as classifier
import digit_model
from conftest import DATASET


@pytest.fixture(scope="module")
def keras_model(default_run):
    keras = classifier.import_keras()
    return keras, keras.models.load_model(default_run / classifier.MODEL_FILE, compile=False)


@pytest.fixture(scope="module")
def test_images(keras_model):
    dataset = classifier.check_dataset(DATASET, strict=False)
    return classifier.load_split(keras_model[0], *dataset["test"])[0]


def test_training_writes_an_onnx_model_that_answers_like_keras(default_run, keras_model, test_images):
    expected = keras_model[1].predict(test_images, verbose=0)
    onnx = digit_model.load_onnx_model(default_run / classifier.ONNX_MODEL_FILE)
    got = onnx.probabilities(test_images[..., 0])
    np.testing.assert_array_equal(got.argmax(axis=1), expected.argmax(axis=1))
    assert np.abs(got - expected).max() <= classifier.EXPORT_TOLERANCE


@pytest.fixture
def keras_file(default_run, tmp_path):
    """A copy of the default run's .h5 in a folder of its own."""
    return shutil.copy(default_run / classifier.MODEL_FILE, tmp_path / "digits.h5")


@pytest.mark.parametrize("export_format, written", [("onnx", "digits.onnx"), ("litert", "digits.tflite"),
                                                    ("saved_model", "digits_saved_model")])
def test_export_writes_each_format_beside_the_model_and_checks_it(keras_file, capsys, export_format,
                                                                   written):
    assert classifier.main(["--export", export_format, "--model", str(keras_file)]) == 0
    target = keras_file.parent / written
    line = capsys.readouterr().out.strip().splitlines()[-1]
    assert line.startswith(f"Wrote {target} ({export_format}): same digit as {keras_file} for all "
                           "1,000 test images, probabilities within")
    assert target.exists() and sorted(path.name for path in keras_file.parent.iterdir()) == sorted(
        ["digits.h5", written])
    probabilities = classifier.exported_probabilities(target, export_format,
                                                      np.zeros((2, 28, 28, 1), np.float32))
    np.testing.assert_allclose(probabilities.sum(axis=1), 1, rtol=1e-5)


def test_export_to_a_chosen_path_replaces_an_earlier_export(keras_file, tmp_path):
    target = tmp_path / "phone" / "model.tflite"
    target.parent.mkdir()
    target.write_bytes(b"an earlier export")
    assert classifier.main(["--export", "litert", "--model", str(keras_file), "--output", str(target)]) == 0
    assert target.read_bytes()[4:8] == b"TFL3"  # a LiteRT flatbuffer
    assert [path.name for path in target.parent.iterdir()] == ["model.tflite"]


def test_a_failed_check_writes_nothing(keras_file, tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(classifier, "EXPORT_TOLERANCE", -1.0)  # no copy can pass
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
