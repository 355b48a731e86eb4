"""--predict on people's own images: MNIST-style normalisation, formats, and bad input."""

import json

import numpy as np
import pytest
from PIL import Image

import HandWritten_digit_Classifier as classifier
from conftest import DATASET, run_script

USER_LIKE_PER_CLASS = 40
TRAIN_EPOCHS = 3


@pytest.fixture(scope="module")
def keras():
    return classifier.import_keras()


@pytest.fixture(scope="module")
def dataset():
    """The committed dataset, checked once for the whole module."""
    return classifier.check_dataset(DATASET, strict=False)


@pytest.fixture(scope="module")
def test_split(keras, dataset):
    """The committed test split as (images, true digits, file paths)."""
    images, labels = classifier.load_split(keras, *dataset["test"])
    paths = [path for digit in classifier.CLASS_NAMES for path in dataset["test"][1][digit]]
    return images, labels.argmax(axis=1), paths


@pytest.fixture(scope="module")
def trained_model(keras, dataset, tmp_path_factory):
    """The seed model trained a few epochs on the training split, saved as .h5."""
    classifier.seed_everything(keras, 0)
    train = classifier.load_split(keras, *dataset["train"])
    model = classifier.compile_model(keras, "seed", TRAIN_EPOCHS, steps_per_epoch=125)
    model.fit(*train, batch_size=32, epochs=TRAIN_EPOCHS, verbose=0)
    path = tmp_path_factory.mktemp("model") / "model.h5"
    model.save(path)
    return model, path


def predict(model, digits):
    return model.predict(np.stack(digits)[..., None], verbose=0).argmax(axis=1)


def make_user_like(pixels, rng):
    """A 28x28 MNIST digit made to look like a photographed one: dark ink on gray, big, off centre."""
    scale = int(rng.integers(3, 13))
    ink = Image.fromarray(255 - pixels).resize((28 * scale, 28 * scale), Image.Resampling.BICUBIC)
    width, height = ink.width + int(rng.integers(10, 200)), ink.height + int(rng.integers(10, 200))
    paper = Image.new("L", (width, height), int(rng.integers(170, 235)))
    left, top = int(rng.integers(0, width - ink.width)), int(rng.integers(0, height - ink.height))
    coverage = Image.fromarray(pixels).resize(ink.size, Image.Resampling.BICUBIC)
    paper.paste(ink, (left, top), mask=coverage)
    noisy = np.asarray(paper, dtype=np.float32) + rng.normal(0, 8, (height, width))
    return Image.fromarray(np.clip(noisy, 0, 255).astype(np.uint8))


@pytest.fixture(scope="module")
def user_like_files(test_split, tmp_path_factory):
    """Every tenth-ish test digit as a user-like photo: some JPEG, some RGB PNG."""
    images, true_digits, _ = test_split
    folder = tmp_path_factory.mktemp("user_like")
    rng = np.random.default_rng(1)
    chosen = np.concatenate([np.flatnonzero(true_digits == digit)[:USER_LIKE_PER_CLASS]
                             for digit in range(10)])
    files = []
    for number, index in enumerate(chosen):
        photo = make_user_like(np.round(images[index, :, :, 0] * 255).astype(np.uint8), rng)
        if number % 2:
            path = folder / f"{number:03d}.jpg"
            photo.save(path, quality=85)
        else:
            path = folder / f"{number:03d}.png"
            photo.convert("RGB").save(path)
        files.append(path)
    return chosen, files


def test_user_like_photos_are_about_as_accurate_as_mnist(trained_model, test_split, user_like_files):
    model = trained_model[0]
    images, true_digits, _ = test_split
    chosen, files = user_like_files
    raw = np.mean(predict(model, list(images[chosen, :, :, 0])) == true_digits[chosen])
    normalised = np.mean(predict(model, [classifier.read_digit(path) for path in files])
                         == true_digits[chosen])
    plain = [np.asarray(Image.open(path).convert("L").resize((28, 28)), dtype=np.float32) / 255
             for path in files]
    resized = np.mean(predict(model, plain) == true_digits[chosen])
    message = (f"accuracy on {len(files)} digits: raw 28x28 {raw:.3f}, user-like photos "
               f"normalised {normalised:.3f}, plain resize {resized:.3f}")
    print(message)
    assert abs(normalised - raw) <= 0.015, message
    assert resized < raw - 0.5, message


def test_mnist_form_images_come_out_unchanged_in_effect(trained_model, test_split):
    model = trained_model[0]
    images, _, paths = test_split
    direct = predict(model, list(images[:, :, :, 0]))
    normalised = predict(model, [classifier.read_digit(path) for path in paths])
    agreement = np.mean(direct == normalised)
    assert agreement >= 0.995, f"normalised and direct predictions agree on {agreement:.1%}"


@pytest.fixture(scope="module")
def clear_seven(trained_model, test_split):
    """A test-split 7 that the model reads confidently, as a large dark-on-white image."""
    model, _ = trained_model
    images, true_digits, _ = test_split
    sevens = np.flatnonzero(true_digits == 7)
    probabilities = model.predict(images[sevens], verbose=0)[:, 7]
    pixels = np.round(images[sevens[probabilities.argmax()], :, :, 0] * 255).astype(np.uint8)
    return Image.fromarray(255 - pixels).resize((280, 280), Image.Resampling.BICUBIC)


def sixteen_bit(image):
    return Image.fromarray(np.asarray(image, dtype=np.uint16) * 257)


def big_photo(image):
    """The digit on 12 megapixels of gray paper, off centre, in colour."""
    paper = Image.new("L", (4000, 3000), 215)
    paper.paste(image.resize((1800, 1800)), (1300, 500))
    return paper.convert("RGB")


def transparent(image):
    """Ink on a fully transparent background, as drawing apps export it."""
    ink = Image.new("RGBA", image.size, (20, 20, 120, 255))
    ink.putalpha(Image.eval(image, lambda level: 255 - level))
    return ink


@pytest.mark.parametrize("name, make", [
    ("gray.png", lambda image: image),
    ("rgb.jpg", lambda image: image.convert("RGB")),
    ("rgb.bmp", lambda image: image.convert("RGB")),
    ("palette.gif", lambda image: image.convert("RGB").convert("P")),
    ("rgb.tiff", lambda image: image.convert("RGB")),
    ("rgb.webp", lambda image: image.convert("RGB")),
    ("transparent.png", transparent),
    ("sixteen-bit.png", sixteen_bit),
    ("tiny-8x8.png", lambda image: image.resize((8, 8), Image.Resampling.LANCZOS)),
    ("photo-4000x3000.jpg", big_photo),
])
def test_formats_and_sizes_are_read_and_recognised(trained_model, clear_seven, tmp_path, name, make):
    path = tmp_path / name
    make(clear_seven).save(path)
    digit = classifier.read_digit(path)
    assert digit.shape == (28, 28) and digit.dtype == np.float32
    assert digit.min() >= 0 and digit.max() == pytest.approx(1, abs=0.05)
    assert predict(trained_model[0], [digit])[0] == 7


def test_exif_orientation_is_honoured(clear_seven, tmp_path):
    upright, turned = tmp_path / "upright.jpg", tmp_path / "turned.jpg"
    clear_seven.convert("RGB").save(upright)
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90 degrees clockwise to display"
    clear_seven.convert("RGB").rotate(90, expand=True).save(turned, exif=exif)
    np.testing.assert_allclose(classifier.read_digit(turned), classifier.read_digit(upright), atol=0.1)


def test_blank_image_is_an_error(tmp_path):
    path = tmp_path / "blank.png"
    Image.new("L", (200, 200), 230).save(path)
    with pytest.raises(ValueError, match="no digit found"):
        classifier.read_digit(path)


# ---------------------------------------------------------------- the command line

@pytest.fixture(scope="module")
def mixed_inputs(clear_seven, tmp_path_factory):
    """A folder of good images, plus one of each bad input."""
    root = tmp_path_factory.mktemp("mixed")
    folder = root / "digits"
    folder.mkdir()
    clear_seven.save(folder / "a-seven.png")
    clear_seven.convert("RGB").save(folder / "b-seven.jpg")
    (folder / "notes.md").write_text("ignored: not an image extension")
    bad = {"missing": root / "missing.png", "not-image": root / "letter.png",
           "truncated": root / "truncated.jpg", "blank": root / "blank.png"}
    bad["not-image"].write_text("Dear user, this is not a PNG.")
    clear_seven.convert("RGB").save(bad["truncated"])
    bad["truncated"].write_bytes(bad["truncated"].read_bytes()[:400])
    Image.new("RGB", (120, 90), "white").save(bad["blank"])
    return folder, bad


@pytest.fixture(scope="module")
def cli_run(trained_model, mixed_inputs, tmp_path_factory):
    folder, bad = mixed_inputs
    preprocessed = tmp_path_factory.mktemp("seen")
    result = run_script("--predict", folder, *bad.values(), "--model", trained_model[1],
                        "--save-preprocessed", preprocessed)
    lines = {line.split(": ", 1)[0]: line for line in result.stdout.splitlines()}
    return result, lines, preprocessed


def test_cli_predicts_every_image_in_a_folder_sorted(cli_run, mixed_inputs):
    result, lines, _ = cli_run
    folder = mixed_inputs[0]
    assert "Traceback" not in result.stderr
    good = [line for line in result.stdout.splitlines() if str(folder) in line]
    assert [line.split(": ")[0] for line in good] == [str(folder / "a-seven.png"),
                                                      str(folder / "b-seven.jpg")]
    for line in good:
        assert line.split(": ")[1].startswith("7 (") and "runners-up" in line


@pytest.mark.parametrize("case, problem", [
    ("missing", "no such file or folder"),
    ("not-image", "not an image file"),
    ("truncated", "truncated or corrupt"),
    ("blank", "no digit found"),
])
def test_cli_bad_input_gets_one_line_and_exit_1(cli_run, mixed_inputs, case, problem):
    result, lines, _ = cli_run
    path = str(mixed_inputs[1][case])
    assert result.returncode == 1
    assert path in lines and problem in lines[path], result.stdout
    assert sum(path in line for line in result.stdout.splitlines()) == 1


def test_cli_saves_what_the_model_saw(cli_run):
    saved = sorted(path.name for path in cli_run[2].iterdir())
    assert saved == ["a-seven.png", "b-seven.png"]
    with Image.open(cli_run[2] / "a-seven.png") as image:
        assert (image.size, image.mode) == ((28, 28), "L")


def test_cli_json_lines(trained_model, mixed_inputs):
    folder, bad = mixed_inputs
    result = run_script("--predict", folder / "a-seven.png", bad["blank"], "--json",
                        "--model", trained_model[1])
    assert result.returncode == 1
    good, failed = [json.loads(line) for line in result.stdout.splitlines()]
    assert good["file"] == str(folder / "a-seven.png") and good["digit"] == 7
    assert len(good["probabilities"]) == 10 and sum(good["probabilities"]) == pytest.approx(1, abs=1e-4)
    assert good["confidence"] == max(good["probabilities"])
    assert failed["file"] == str(bad["blank"]) and "no digit found" in failed["error"]


def test_cli_all_good_exits_0_and_accepts_a_keras_model(trained_model, mixed_inputs, tmp_path):
    native = tmp_path / "model.keras"
    trained_model[0].save(native)
    result = run_script("--predict", mixed_inputs[0], "--model", native)
    assert result.returncode == 0, result.stderr
    assert len(result.stdout.splitlines()) == 2


def test_cli_missing_model(mixed_inputs, tmp_path):
    result = run_script("--predict", mixed_inputs[0], "--model", tmp_path / "none.h5",
                        without_tensorflow=True)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.strip() == (f"error: model file {tmp_path / 'none.h5'} not found; train one "
                                     "first with `python HandWritten_digit_Classifier.py` or pass "
                                     "--model FILE")


def test_cli_unreadable_model(mixed_inputs, tmp_path):
    broken = tmp_path / "broken.h5"
    broken.write_bytes(b"not an HDF5 file")
    result = run_script("--predict", mixed_inputs[0], "--model", broken)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: cannot load model {broken}")
