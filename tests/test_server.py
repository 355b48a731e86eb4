"""The web page's API through Flask's test client: answers, statuses, limits, one reading path."""

import base64
import io
import json
import os
import re
import signal
import socket
import urllib.request
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from conftest import DATASET, run_script, start_serving
from digits import formats
from digits.constants import ONNX_MODEL_FILE, PROJECT_DIR, SHIPPED_MODEL
from digits.evaluation import user_images
from digits.reading import readings
from digits.serving import server


@pytest.fixture(scope="module")
def client(default_model):
    return server.create_app(default_model).test_client()


def png_bytes(image):
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


@pytest.fixture(scope="module")
def thirty_test_digits():
    """Three committed test-split files of each digit."""
    return [path for digit in range(10) for path in sorted((DATASET / "test" / str(digit)).glob("*.png"))[:3]]


def test_the_page_and_its_files_are_served(client):
    page = client.get("/")
    assert page.status_code == 200 and page.mimetype == "text/html"
    assert b'<canvas id="canvas"' in page.data and b"/static/app.js" in page.data
    for asset in ("/static/app.js", "/static/style.css"):
        assert client.get(asset).status_code == 200
    assert b"http" not in page.data.replace(b"http-equiv", b"")  # nothing fetched from the internet


def test_percentages_are_cut_never_rounded_up_and_never_100():
    probabilities = [0.5556, 0.99996, 1.0, 0.0, 0.07, 0.1234567, 0.999, 1 / 3]
    assert [formats.percent(p) for p in probabilities] == [
        "55.5%", "99.9%", "99.9%", "0.0%", "7.0%", "12.3%", "99.9%", "33.3%"]


def test_health(client):
    assert client.get("/api/health").get_json() == {"status": "ok", "model": ONNX_MODEL_FILE,
                                                    "not_a_digit": False, "not_a_digit_check": False}


def test_a_request_turns_the_not_a_digit_check_on_or_off(default_model, client):
    number = png_bytes(user_images.digits_around_a_letter())
    checking = server.create_app(readings.load_model(default_model.path, not_a_digit=True), checking=False)
    health = checking.test_client().get("/api/health").get_json()
    assert (health["not_a_digit"], health["not_a_digit_check"]) == (False, True)
    texts = {switch: checking.test_client().post(f"/api/predict?not_a_digit={switch}", data=number,
                                                 content_type="image/png").get_json()["text"]
             for switch in ("on", "off")}
    assert texts["on"] == "2?4" and "?" not in texts["off"] and len(texts["off"]) == 3
    unsaid = checking.test_client().post("/api/predict", data=number, content_type="image/png")
    assert unsaid.get_json()["text"] == texts["off"]  # as the server was started
    # A server without a check cannot turn one on; a word other than on or off is no switch.
    for switch, message in (("on", "no not-a-digit check"), ("yes", "say on or off")):
        answer = client.post(f"/api/predict?not_a_digit={switch}", data=number, content_type="image/png")
        assert answer.status_code == 400 and message in answer.get_json()["error"]


def test_thirty_test_digits_get_the_same_answers_as_predict(client, default_run, thirty_test_digits):
    result = run_script("--predict", *thirty_test_digits, "--json", "--output-dir", default_run,
                        without_tensorflow=True)
    assert result.returncode == 0, result.stderr
    for path, line in zip(thirty_test_digits, result.stdout.splitlines()):
        expected = json.loads(line)
        answer = client.post("/api/predict", data=path.read_bytes(), content_type="image/png")
        assert answer.status_code == 200
        got = answer.get_json()
        assert len(got.pop("inputs")) == 1
        for digit in got["digits"]:  # the page shows these, as --predict words them
            assert digit.pop("percents") == [formats.percent(p) for p in digit["probabilities"]]
        assert got == {**expected, "file": "upload"}


def test_multipart_upload_and_the_28x28_input(client, thirty_test_digits):
    path = thirty_test_digits[-1]
    answer = client.post("/api/predict", data={"image": (io.BytesIO(path.read_bytes()), "my nine.png")})
    assert answer.status_code == 200
    got = answer.get_json()
    assert got["file"] == "my nine.png" and got["text"] == "9"
    header, encoded = got["inputs"][0].split(",", 1)
    assert header == "data:image/png;base64"
    with Image.open(io.BytesIO(base64.b64decode(encoded))) as seen:
        assert (seen.size, seen.mode) == ((28, 28), "L")


def test_a_number_gets_every_digit(client, thirty_test_digits):
    digits = [np.asarray(Image.open(thirty_test_digits[3 * digit])) for digit in (1, 9, 8, 4)]
    number = Image.fromarray(np.concatenate([np.pad(d, ((0, 0), (2, 2))) for d in digits], axis=1))
    got = client.post("/api/predict", data=png_bytes(number), content_type="image/png").get_json()
    assert got["text"] == "1984" and len(got["digits"]) == len(got["inputs"]) == 4


@pytest.mark.parametrize("body, content_type, status, message", [
    (b"Dear server, this is not an image.", "text/plain", 400, "not an image file"),
    (b"", "image/png", 400, "the request holds no image"),
    (png_bytes(Image.new("L", (60, 60), 255)), "image/png", 400, "no digit found"),
    (png_bytes(Image.new("L", (60, 60), 255))[:50], "image/png", 400, "truncated or corrupt"),
    (b"x" * (server.MAX_UPLOAD_BYTES + 1), "image/png", 413, "over 10 MB"),
    (png_bytes(Image.new("1", (12000, 10000))), "image/png", 413, "too large"),
])
def test_bad_input_gets_a_json_error_and_the_right_status(client, body, content_type, status, message):
    answer = client.post("/api/predict", data=body, content_type=content_type)
    assert answer.status_code == status
    assert message in answer.get_json()["error"]


def test_a_form_without_an_image_field(client):
    answer = client.post("/api/predict", data={"picture": (io.BytesIO(b"..."), "a.png")})
    assert answer.status_code == 400 and "no field named 'image'" in answer.get_json()["error"]


@pytest.mark.parametrize("method, path, status", [("get", "/api/predict", 405), ("post", "/", 405),
                                                  ("get", "/nothing-here", 404),
                                                  ("get", "/static/../../HandWritten_digit_Classifier.py", 404),
                                                  ("get", "/static/%2e%2e/server.py", 404)])
def test_usual_http_errors_answer_in_json(client, method, path, status):
    answer = getattr(client, method)(path)
    assert answer.status_code == status and "error" in answer.get_json()


def test_the_server_keeps_answering_after_bad_requests(client, thirty_test_digits):
    for _ in range(3):
        client.post("/api/predict", data=b"\x89PNG\r\n\x1a\n broken", content_type="image/png")
    answer = client.post("/api/predict", data=thirty_test_digits[0].read_bytes(), content_type="image/png")
    assert answer.status_code == 200 and answer.get_json()["text"] == "0"


# ---------------------------------------------------------------- --serve, as a user starts it

def test_serve_prints_the_address_answers_and_stops_on_ctrl_c(default_run):
    process, line = start_serving("--port", "0", "--output-dir", default_run)
    address = re.fullmatch(r"Serving the digit page at (http://127\.0\.0\.1:\d+/) \(Ctrl-C to stop\)\n",
                           line)
    assert address, line
    with urllib.request.urlopen(address.group(1) + "api/health", timeout=30) as answer:
        assert json.loads(answer.read())["status"] == "ok"
    process.send_signal(signal.SIGINT)
    stdout, stderr = process.communicate(timeout=30)
    assert process.returncode == 0 and stdout.strip() == "Stopped the server."
    assert stderr.splitlines() == [f"Reading with {default_run / ONNX_MODEL_FILE} (trained into {default_run}/)"]


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_serve_stops_with_its_helper_processes(default_run, stop):
    process, line = start_serving("--port", "0", "--output-dir", default_run)
    assert line.startswith("Serving the digit page at "), line
    helpers = [int(pid) for pid in Path(f"/proc/{process.pid}/task/{process.pid}/children").read_text().split()]
    assert helpers  # the .onnx model is served by more than one process
    process.send_signal(stop)
    stdout, _ = process.communicate(timeout=30)
    assert process.returncode == 0 and stdout.strip() == "Stopped the server."
    for helper in helpers:
        with pytest.raises(ProcessLookupError):
            os.kill(helper, 0)


def test_serve_on_every_interface_warns_in_one_line(default_run):
    process, line = start_serving("--host", "0.0.0.0", "--port", "0", "--output-dir", default_run)
    assert line.startswith("Serving the digit page at http://0.0.0.0:")
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=30)
    assert stderr.strip().splitlines()[1:] == [
        "warning: listening on 0.0.0.0: other machines on your network can open the page and "
        "send it images"]


def test_serve_on_a_busy_port_says_so(default_run):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run_script("--serve", "--port", port, "--output-dir", default_run, without_tensorflow=True)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines()[1:] == [
        f"error: cannot serve on 127.0.0.1:{port}: Address already in use; pass --port with a free "
        "port (or --host with an address of this machine)"]


def test_serve_without_a_trained_model_serves_the_shipped_one_and_says_so(tmp_path):
    # Started from the project's folder, which names the shipped model as a user there types it.
    process, line = start_serving("--port", "0", "--output-dir", tmp_path, cwd=PROJECT_DIR)
    assert line.startswith("Serving the digit page at "), line + process.stderr.read()
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=30)
    assert stderr.splitlines() == [f"Reading with {SHIPPED_MODEL.relative_to(PROJECT_DIR)} (the model "
                                   f"shipped with the project; none trained into {tmp_path}/ yet)"]


def test_serve_stops_on_ctrl_c_when_started_with_ctrl_c_ignored(default_run):
    # What a process started from a script or with `setsid ... &` inherits.
    process, line = start_serving("--port", "0", "--output-dir", default_run,
                                  preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN))
    assert line.startswith("Serving the digit page at "), line
    helpers = [int(pid) for pid in Path(f"/proc/{process.pid}/task/{process.pid}/children").read_text().split()]
    process.send_signal(signal.SIGINT)
    stdout, _ = process.communicate(timeout=30)
    assert process.returncode == 0 and stdout.strip() == "Stopped the server."
    for helper in helpers:
        with pytest.raises(ProcessLookupError):
            os.kill(helper, 0)
