"""A local web page to draw or upload a digit and see what the model reads, with a JSON API.

Flask serves it; `python HandWritten_digit_Classifier.py --serve` loads the model once and calls
serve(). Every image goes through readings.read_image, the same reading as --predict.

    GET  /              the page (static/index.html, app.js, style.css: no build step, no CDN)
    POST /api/predict   one image, as the raw request body or a multipart field named "image";
                        answers the JSON object `--predict --json` prints for one file, plus
                        "inputs": each digit's 28x28 input as a PNG data URL; a field or query
                        parameter not_a_digit=on or off turns the not-a-digit check on or off
    GET  /api/health    {"status": "ok", "model": the model's file name, "not_a_digit": whether
                        the check is on unless a request says otherwise (--not-a-digit),
                        "not_a_digit_check": whether the server has a check to turn on}

Bad input answers {"error": "..."}: 400 not an image, corrupt, no digit, or a check asked for
that the server lacks; 413 over MAX_UPLOAD_BYTES or MAX_IMAGE_PIXELS; 404 and 405 as usual.
Nothing a request sends is written to disk, and no request names a file on the server.
"""

import base64
import contextlib
import dataclasses
import io
import logging
import os
import signal
import socket
import sys
from pathlib import Path

import numpy as np
from flask import Flask, jsonify, request, send_from_directory
from PIL import Image
from werkzeug.exceptions import HTTPException
from werkzeug.serving import make_server

from digits import errors
from digits.errors import UserError
from digits.formats import percent
from digits.reading import readings

STATIC_DIR = Path(__file__).resolve().parent / "static"
MAX_UPLOAD_BYTES = 10 * 1024 * 1024
# Pillow warns from this many pixels on; a larger image would cost the server seconds.
MAX_IMAGE_PIXELS = Image.MAX_IMAGE_PIXELS
UPLOAD_FIELD = "image"
UNNAMED_UPLOAD = "upload"
SERVER_PROCESSES = 2      # with an .onnx model: one process per core of a small machine
LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")
SWITCH_FIELD = "not_a_digit"
SWITCH_VALUES = {"on": True, "off": False}


def data_url(pixels):
    """A 28x28 input as a PNG data URL, white ink on black as the model saw it."""
    buffer = io.BytesIO()
    Image.fromarray(np.round(pixels * 255).astype(np.uint8), mode="L").save(buffer, "PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def uploaded_image():
    """The request's image bytes and name: a multipart field, or else the raw body."""
    if request.mimetype == "multipart/form-data":
        upload = request.files.get(UPLOAD_FIELD)
        if upload is None:
            return None, f"the form has no field named {UPLOAD_FIELD!r}"
        return upload.read(), Path(upload.filename or UNNAMED_UPLOAD).name
    return request.get_data(), UNNAMED_UPLOAD


def page_json(name, digits):
    """The API's answer: --predict --json's object, each digit with its probabilities also as
    the percentages --predict prints (the page shows these), and the 28x28 inputs as PNG data
    URLs."""
    answer = readings.reading_json(name, digits)
    for described, digit in zip(answer["digits"], digits):
        described["percents"] = [percent(probability) for probability in digit.probabilities]
    return answer | {"inputs": [data_url(digit.pixels) for digit in digits]}


def create_app(model, checking=None):
    """The Flask app answering for one loaded DigitModel. A request turns the model's not-a-digit
    check on or off (not_a_digit=on or off); one that does not say reads with it if checking
    (None: whenever the model has a check)."""
    checking = model.not_a_digit is not None if checking is None else checking
    readers = {True: model, False: dataclasses.replace(model, not_a_digit=None)}
    app = Flask(__name__, static_folder=str(STATIC_DIR), static_url_path="/static")
    app.config["MAX_CONTENT_LENGTH"] = MAX_UPLOAD_BYTES

    @app.get("/")
    def page():
        return send_from_directory(STATIC_DIR, "index.html")

    @app.get("/api/health")
    def health():
        return jsonify(status="ok", model=Path(model.path).name, not_a_digit=checking,
                       not_a_digit_check=model.not_a_digit is not None)

    @app.post("/api/predict")
    def predict():
        data, name = uploaded_image()
        if not data:
            return jsonify(error=name if data is None else "the request holds no image"), 400
        switch = request.values.get(SWITCH_FIELD, "on" if checking else "off")
        if switch not in SWITCH_VALUES:
            return jsonify(error=f"{SWITCH_FIELD} is {switch!r}: say on or off"), 400
        if SWITCH_VALUES[switch] and model.not_a_digit is None:
            return jsonify(error="this server has no not-a-digit check to turn on"), 400
        try:
            digits = readings.read_image(readers[SWITCH_VALUES[switch]], io.BytesIO(data), MAX_IMAGE_PIXELS)
        except errors.ImageTooLargeError as error:
            return jsonify(error=str(error)), 413
        except errors.ReaderError as error:
            return jsonify(error=str(error)), 400
        return jsonify(page_json(name, digits))

    @app.errorhandler(HTTPException)
    def http_error(error):
        if error.code == 413:
            message = f"the upload is over {MAX_UPLOAD_BYTES // (1024 * 1024)} MB"
        else:
            message = error.description
        return jsonify(error=message), error.code

    return app


def serve(model, host, port, processes=1, checking=None):
    """Serve the page until Ctrl-C, from `processes` processes sharing one listening socket (each
    with its own interpreter lock, so that they use as many cores); raise OSError if the address
    cannot be had. More than one process needs a model that survives fork(): ONNX Runtime's.
    checking: whether the model's not-a-digit check is on where a request does not say."""
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no line per request
    # Bound here rather than by Werkzeug, which prints its own lines and exits when it cannot.
    listener = socket.create_server((host, port), family=socket.AF_INET6 if ":" in host else socket.AF_INET)
    port = listener.getsockname()[1]  # the one the system chose, if port was 0
    server = make_server(host, port, create_app(model, checking), threaded=True, fd=listener.fileno())
    helpers = []
    # Ctrl-C is ignored for the moment helpers are started, so that none is left unaccounted for.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        for _ in range(processes - 1):
            helper = os.fork()
            if helper == 0:  # a helper answers on the same socket until it is stopped
                try:
                    signal.signal(signal.SIGINT, signal.default_int_handler)
                    server.serve_forever()  # returns on Ctrl-C
                finally:
                    os._exit(0)
            helpers.append(helper)
    finally:
        # Installed, not restored: a process started from a script or with `setsid ... &` inherits
        # SIGINT ignored, and Ctrl-C or `kill -INT` must stop the page however it was started.
        signal.signal(signal.SIGINT, signal.default_int_handler)
    # `kill` and service managers stop with SIGTERM, which would end this process at once and
    # leave the helpers running: handle it as Ctrl-C, so that they are stopped below.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        print(f"Serving the digit page at http://{host}:{port}/ (Ctrl-C to stop)", flush=True)
        server.serve_forever()  # returns on Ctrl-C
    except KeyboardInterrupt:  # one that came before Werkzeug started listening for it
        pass
    finally:
        for helper in helpers:  # Ctrl-C in a terminal reaches them too; a signal to us alone does not
            with contextlib.suppress(ProcessLookupError):
                os.kill(helper, signal.SIGTERM)
            os.waitpid(helper, 0)
        server.server_close()
        listener.close()
    print("Stopped the server.")


def serve_command(choice, host, port):
    """--serve: load the chosen model (and say which it is) and serve the page until Ctrl-C;
    return the exit status."""
    # The check is loaded whatever --not-a-digit says, so that the page can turn it on; without
    # --not-a-digit, a missing check only leaves the page without its switch.
    try:
        model = readings.load_model(choice.path, not_a_digit=True)
    except UserError:
        if choice.not_a_digit:
            raise
        model = readings.load_model(choice.path)
    print(choice.line(), file=sys.stderr, flush=True)
    if host not in LOCAL_HOSTS:
        print(f"warning: listening on {host}: other machines on your network can open the page "
              "and send it images", file=sys.stderr)
    # ONNX Runtime survives fork(), so an .onnx model is served by one process per core;
    # TensorFlow does not, so a Keras model is served by one process.
    processes = SERVER_PROCESSES if choice.path.suffix.lower() == ".onnx" and hasattr(os, "fork") else 1
    try:
        serve(model, host, port, processes, choice.not_a_digit)
    except OSError as error:
        reason = os.strerror(error.errno) if error.errno else str(error)
        raise UserError(f"cannot serve on {host}:{port}: {reason}; pass --port with a free port (or "
                        "--host with an address of this machine)") from None
    return 0
