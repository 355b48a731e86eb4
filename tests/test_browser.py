"""The page in a real browser: headless Chromium (Debian's) driven by Playwright, against the real
server started as a user starts it. Draws a test digit with the mouse, uploads files, and keeps
a screenshot. Skipped where Chromium is not installed, unless DIGITS_REQUIRE_BROWSER is set
(.ci/run sets it, so CI fails rather than skips).
"""

import contextlib
import os
import re
import shutil

import numpy as np
import pytest
from PIL import Image

from conftest import DATASET, start_serving
from digits.constants import SHIPPED_MODEL
from digits.evaluation import user_images
from digits.reading import readings

CHROMIUM = shutil.which("chromium")
if CHROMIUM is None and not os.environ.get("DIGITS_REQUIRE_BROWSER"):
    pytest.skip("Chromium is not installed (apt-get install -y chromium)", allow_module_level=True)
# Set to a path (docs/web_page.png) to keep the screenshot of the page with a drawn digit.
SCREENSHOT_ENV = "WEB_PAGE_SCREENSHOT"
PEN_STEP = 3                        # mouse moves every third point of a line (0.75 MNIST px)
DRAWN_DIGITS = {3: 0, 7: 0}         # digit: which committed test image of it to trace


@contextlib.contextmanager
def serving(*flags):
    """The real server (`--serve --port 0`) started with these flags, as a user starts it; its
    address, for the length of the block."""
    server, first_line = start_serving("--port", "0", *flags)
    address = re.search(r"http://\S+/", first_line)
    assert address, first_line + server.stderr.read()
    yield address.group(0)
    server.terminate()
    server.wait(timeout=30)


@contextlib.contextmanager
def opened(browser, address):
    """A new browser page at the address, for the length of the block."""
    page = browser.new_page(viewport={"width": 800, "height": 700})
    page.goto(address)
    yield page
    page.close()


@pytest.fixture(scope="module")
def page_address(default_run):
    """The address of the server as a user starts it after the default run."""
    with serving("--output-dir", default_run) as address:
        yield address


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-background-networking",
                                            "--disable-component-update", "--no-first-run"])
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, page_address):
    with opened(browser, page_address) as page:
        yield page


@pytest.fixture
def checking_page(browser):
    """The page of a server started with --not-a-digit, reading with the shipped model."""
    with serving("--not-a-digit", "--model", SHIPPED_MODEL) as address, opened(browser, address) as page:
        yield page


def wait_for_answer(page):
    """Wait until the page shows the answer to its latest request; return the digits it shows."""
    page.wait_for_function("document.getElementById('result').dataset.settled === 'true'")
    return page.inner_text("#text")


def trace(page, pixels):
    """Draw a 28x28 digit on the canvas with the mouse, stroke by stroke along its lines, as a
    person would."""
    box = page.locator("#canvas").bounding_box()
    scale = box["width"] / 28
    for stroke in user_images.pen_strokes(pixels):
        points = [(box["x"] + (column + 0.5) * scale, box["y"] + (row + 0.5) * scale)
                  for row, column in stroke[::PEN_STEP] + stroke[-1:]]
        page.mouse.move(*points[0])
        page.mouse.down()
        for point in points[1:]:
            page.mouse.move(*point)
        page.mouse.up()


def test_a_digit_drawn_with_the_mouse_is_read(page):
    for digit, index in DRAWN_DIGITS.items():
        page.click("#clear")
        path = sorted((DATASET / "test" / str(digit)).glob("*.png"))[index]
        trace(page, np.asarray(Image.open(path)))
        assert wait_for_answer(page) == str(digit)
        bars = page.locator(".digit .bar")
        assert bars.count() == 10
        assert page.locator(".digit img").get_attribute("src").startswith("data:image/png;base64,")
    if os.environ.get(SCREENSHOT_ENV):
        page.screenshot(path=os.environ[SCREENSHOT_ENV], full_page=True)


def test_the_page_shows_the_percentages_the_api_gives(page, tmp_path):
    photo = tmp_path / "three.png"
    Image.fromarray(255 - user_images.nth_test_digit(3, 1)).resize((140, 140)).save(photo)
    with page.expect_response("**/api/predict") as response:
        page.set_input_files("#file", str(photo))
    assert wait_for_answer(page) == "3"
    digit = response.value.json()["digits"][0]
    assert page.locator(".digit .bar .value").all_text_contents() == digit["percents"]
    assert f"({digit['percents'][3]})" in page.locator(".digit h2").text_content()


def test_an_uploaded_photo_is_read(page, tmp_path):
    photo = tmp_path / "seven.jpg"
    pixels = np.asarray(Image.open(sorted((DATASET / "test" / "7").glob("*.png"))[1]))
    Image.fromarray(255 - pixels).resize((300, 300), Image.Resampling.BICUBIC).convert("RGB").save(photo)
    page.set_input_files("#file", str(photo))
    assert wait_for_answer(page) == "7"
    assert not page.is_visible("#error")
    # The photo is shown, scaled to fit, with the digit's box drawn in red where the ink is.
    assert page.is_visible("#photo")
    box = page.evaluate("""() => {
        const photo = document.getElementById("photo");
        const pixels = photo.getContext("2d").getImageData(0, 0, photo.width, photo.height).data;
        const red = [];
        for (let i = 0; i < pixels.length; i += 4)
            if (pixels[i] > 180 && pixels[i + 1] < 90 && pixels[i + 2] < 90)
                red.push([(i / 4) % photo.width, Math.floor(i / 4 / photo.width)]);
        const xs = red.map(p => p[0]), ys = red.map(p => p[1]);
        return [photo.width, photo.height, red.length, Math.min(...xs), Math.min(...ys),
                Math.max(...xs), Math.max(...ys)];
    }""")
    width, height, red, left, top, right, bottom = box
    assert (width, height) == (300, 300) and red > 100
    assert 20 < left < right < 280 and top < bottom < 290  # a box around the 7, not the frame


def test_an_uploaded_photo_keeps_its_shape(page, tmp_path):
    # A phone photo is wider than tall: shown as the drawing pad's square, it was squashed.
    photo = tmp_path / "wide.png"
    pixels = np.asarray(Image.open(sorted((DATASET / "test" / "7").glob("*.png"))[1]))
    canvas = Image.new("L", (600, 200), 255)
    canvas.paste(Image.fromarray(255 - pixels).resize((150, 150)), (225, 25))
    canvas.save(photo)
    page.set_input_files("#file", str(photo))
    assert wait_for_answer(page) == "7"
    shown = page.evaluate("() => { const box = document.getElementById('photo').getBoundingClientRect();"
                          " return [box.width, box.height]; }")
    assert abs(shown[0] / shown[1] - 3) < 0.05, shown


def test_a_number_with_an_unsure_digit_says_which_to_check(page, tmp_path, default_model):
    # The note said "not sure which digit this is" for a number too. An unsure digit: the first
    # of these pairs of test digits drawn over each other that the model reads unsure beside a 7.
    photo = tmp_path / "number.png"
    for first, second in ((3, 8), (4, 9), (1, 7), (5, 6), (2, 3), (0, 6)):
        blend = np.maximum(user_images.nth_test_digit(first), user_images.nth_test_digit(second))
        user_images.number_image([user_images.nth_test_digit(7, 1), blend], np.random.default_rng(0)).save(photo)
        read = readings.read_image(default_model, photo)
        if [digit.unsure for digit in read] == [False, True]:
            break
    else:
        pytest.fail("no pair of digits drawn over each other was read unsure")
    page.set_input_files("#file", str(photo))
    assert wait_for_answer(page) == readings.text_of(read)
    assert page.inner_text("#note") == ("Unsure: the model is not sure of every digit; "
                                        "check the ones marked unsure below.")
    assert page.locator(".digit.unsure").count() == 1
    # In the answer too: the unsure digit in orange, with a small ? after it.
    unsure = page.locator("#text .unsure")
    assert unsure.count() == 1 and unsure.inner_text() == str(read[1].digit)
    assert unsure.evaluate("span => getComputedStyle(span, '::after').content") == '"?"'
    assert unsure.evaluate("span => getComputedStyle(span).color") == "rgb(217, 164, 0)"


def test_a_piece_that_is_no_digit_is_shown_as_such_with_its_bars(checking_page, tmp_path):
    number = tmp_path / "2k4.png"
    user_images.digits_around_a_letter().save(number)
    checking_page.set_input_files("#file", str(number))
    assert wait_for_answer(checking_page) == "2?4"
    assert checking_page.inner_text("#note") == ("A ? is a piece that does not look like a digit; "
                                                 "the bars show what the model would read.")
    refused = checking_page.locator(".digit.not-a-digit")
    assert checking_page.locator(".digit").count() == 3 and refused.count() == 1
    assert refused.locator("h2").inner_text() == "Piece 2: this does not look like a digit"
    assert refused.locator(".bar").count() == 10 and refused.locator(".bar.top").count() == 0
    # Nothing but a star: the note must fit an upload as well as a drawing.
    checking_page.set_input_files("#file", str(user_images.STAR))
    assert wait_for_answer(checking_page) == "?"
    assert checking_page.inner_text("#note") == "This does not look like any of the digits 0 to 9."


def test_ink_left_out_of_every_digit_is_shown_as_a_question_mark(page, tmp_path):
    number = tmp_path / "hairline.png"
    user_images.hairline_among_bold_digits().save(number)
    page.set_input_files("#file", str(number))
    assert wait_for_answer(page) == "2?58"
    assert page.inner_text("#note").startswith("A ? is ink on the line that was taken for no digit")
    left_out = page.locator(".digit.not-a-digit")
    assert page.locator(".digit").count() == 4 and left_out.count() == 1
    assert left_out.locator("h2").inner_text().startswith("Piece 2: ink on the line")


def test_the_switch_turns_the_not_a_digit_check_on_and_reads_again(page, tmp_path):
    # The page of a server started without --not-a-digit: the switch is there, and off.
    number = tmp_path / "2k4.png"
    user_images.digits_around_a_letter().save(number)
    switch = page.locator("#check")
    assert switch.is_visible() and not switch.is_checked()
    page.set_input_files("#file", str(number))
    read = wait_for_answer(page)
    assert len(read) == 3 and "?" not in read
    with page.expect_response("**/api/predict"):
        switch.check()
    assert wait_for_answer(page) == "2?4"
    assert page.locator(".digit.not-a-digit").count() == 1
    switch.uncheck()
    assert wait_for_answer(page) == read


def test_a_long_number_gets_compact_cards(page, tmp_path):
    photo = tmp_path / "long.png"
    digits = [user_images.nth_test_digit(digit) for digit in (3, 1, 4, 1, 5, 9, 2, 6)]
    user_images.number_image(digits, np.random.default_rng(0)).save(photo)
    page.set_input_files("#file", str(photo))
    read = wait_for_answer(page)
    cards = page.locator("#digits .digit")
    assert cards.count() == len(read) >= 7 and "compact" in page.get_attribute("#digits", "class")
    # Each card shows what the model saw and read, with its percentage; the bars are left out.
    assert not page.locator("#digits .bar").first.is_visible()
    first = cards.first
    assert first.locator("img").is_visible() and first.locator("h2").inner_text().startswith(read[0] + " ")
    assert first.get_attribute("title").startswith(f"Digit 1: {read[0]} (")
    # A short number keeps the full cards, bars and all.
    user_images.number_image(digits[:2], np.random.default_rng(0)).save(photo)
    page.set_input_files("#file", str(photo))
    assert len(wait_for_answer(page)) == 2
    assert "compact" not in page.get_attribute("#digits", "class") and page.locator("#digits .bar").first.is_visible()


def test_an_uploaded_text_file_shows_the_error(page, tmp_path):
    notes = tmp_path / "notes.txt"
    notes.write_text("this is not an image")
    page.set_input_files("#file", str(notes))
    wait_for_answer(page)
    assert page.is_visible("#error") and not page.is_visible("#photo")
    assert "not an image file" in page.inner_text("#error")
    assert page.inner_text("#text") == "?"


def test_a_long_line_of_digits_shrinks_to_fit_rather_than_wrap(page):
    # Wrapped, one line of writing read from a page of figures looked like two.
    fits, lines, size = page.evaluate("""() => {
        text.textContent = "12345678901234567890\\n42";
        fitText();
        const result = document.getElementById("result");
        const size = parseFloat(getComputedStyle(text).fontSize);
        return [result.scrollWidth <= result.clientWidth, result.getBoundingClientRect().height / size, size];
    }""")
    # Two lines of writing shown as two lines (the type's line height is its size), in smaller type.
    assert fits and 1.5 < lines < 2.5 and size < 80, (fits, lines, size)
