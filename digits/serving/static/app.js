// The drawing page: draw or drop an image, send it to /api/predict, show what the model read.
"use strict";

const PEN_WIDTH = 20;  // px on the 280 px canvas: about 2 of MNIST's 28 pixels, as a pen stroke there
const PHOTO_WIDTH = 440;  // px: an uploaded image is shown at most this wide, with its digits boxed
const SURE_COLOUR = "rgb(220, 30, 30)";  // as --annotate draws them
const UNSURE_COLOUR = "rgb(230, 140, 0)";
const NOT_A_DIGIT_COLOUR = "rgb(110, 110, 110)";
const MAX_TEXT_REM = 5;    // the digits read, in large type (style.css's .digits) ...
const MIN_TEXT_REM = 1.5;  // ... down to this for a long line
const COMPACT_FROM = 7;    // digits: a number this long gets small cards, without the bars
const canvas = document.getElementById("canvas");
const context = canvas.getContext("2d");
const result = document.getElementById("result");
const text = document.getElementById("text");
const note = document.getElementById("note");
const errorBox = document.getElementById("error");
const digitsBox = document.getElementById("digits");
const photo = document.getElementById("photo");
const check = document.getElementById("check");
const checkSwitch = check.parentElement;
const dropZone = document.body;
let latestRequest = 0;
let drawing = false;
let uploaded = null;  // the uploaded image (an ImageBitmap, upright) while its reading is awaited or shown
let lastSent = null;  // the latest image sent, [blob, name], to read again when the switch is turned

function clearCanvas() {
  context.fillStyle = "white";
  context.fillRect(0, 0, canvas.width, canvas.height);
}

function showNothing() {
  errorBox.hidden = true;
  text.textContent = "?";
  note.textContent = "";
  photo.hidden = true;
  digitsBox.replaceChildren();
}

function forgetUpload() {
  uploaded = null;
  photo.hidden = true;
}

// The uploaded image scaled to fit, with a box around each digit found and the digit read beside
// it, so that what was found, and what was missed, shows. Boxes are in the upright image's pixels.
function showPhoto(digits) {
  if (!uploaded) return;
  const scale = Math.min(1, PHOTO_WIDTH / uploaded.width);
  photo.width = Math.round(uploaded.width * scale);
  photo.height = Math.round(uploaded.height * scale);
  const pen = photo.getContext("2d");
  pen.drawImage(uploaded, 0, 0, photo.width, photo.height);
  pen.lineWidth = 2;
  pen.font = "bold 16px system-ui, sans-serif";
  for (const digit of digits) {
    const [x, y, width, height] = digit.box.map((value) => value * scale);
    pen.strokeStyle = pen.fillStyle =
      unread(digit) ? NOT_A_DIGIT_COLOUR : digit.unsure ? UNSURE_COLOUR : SURE_COLOUR;
    pen.strokeRect(x, y, width, height);
    const label = unread(digit) ? "?" : digit.unsure ? `${digit.digit}?` : `${digit.digit}`;
    pen.fillText(label, x, y >= 18 ? y - 4 : Math.min(y + height + 16, photo.height - 2));
  }
  photo.hidden = false;
}

function unread(digit) {
  // No digit to give: the not-a-digit check refused the piece, or the reader left its ink out.
  return digit.not_a_digit || digit.left_out;
}

function canvasPoint(event) {
  const box = canvas.getBoundingClientRect();
  return [(event.clientX - box.left) * canvas.width / box.width,
          (event.clientY - box.top) * canvas.height / box.height];
}

function digitCard(digit, position, input, compact) {
  const card = document.createElement("div");
  card.className = "digit" + (unread(digit) ? " not-a-digit" : digit.unsure ? " unsure" : "");
  const title = document.createElement("h2");
  title.textContent = digit.left_out
    ? `Piece ${position + 1}: ink on the line that was taken for no digit, not read`
    : digit.not_a_digit
    ? `Piece ${position + 1}: this does not look like a digit`
    : `Digit ${position + 1}: ${digit.digit} (${digit.percents[digit.digit]})` + (digit.unsure ? ", unsure" : "");
  if (compact) {  // the whole title on hover; on the card, what was read and how sure
    card.title = title.textContent;
    title.textContent = unread(digit) ? "?" : `${digit.digit} ${digit.percents[digit.digit]}`;
  }
  const seen = document.createElement("figure");
  const image = document.createElement("img");
  image.src = input;
  image.alt = "the 28x28 image the model saw";
  const caption = document.createElement("figcaption");
  caption.textContent = "what the model saw";
  seen.append(image, caption);
  const bars = document.createElement("div");
  bars.className = "bars";
  digit.probabilities.forEach((probability, candidate) => {
    const bar = document.createElement("div");
    bar.className = "bar" + (candidate === digit.digit ? " top" : "");  // null: no bar is the answer
    const label = document.createElement("span");
    label.textContent = candidate;
    const fill = document.createElement("span");
    fill.className = "fill";
    fill.style.width = `${(100 * probability).toFixed(1)}%`;
    const value = document.createElement("span");
    value.className = "value";
    value.textContent = digit.percents[candidate];  // as the API words it
    bar.append(label, fill, value);
    bars.append(bar);
  });
  card.append(title, seen, bars);
  return card;
}

function fitText() {
  // A long line of writing shrinks until it fits its column: wrapped, one line of digits would
  // look like two.
  let size = MAX_TEXT_REM;
  text.style.fontSize = `${size}rem`;
  while (result.scrollWidth > result.clientWidth && size > MIN_TEXT_REM) {
    size -= 0.25;
    text.style.fontSize = `${size}rem`;
  }
}

window.addEventListener("resize", fitText);

function answerDigits(reading) {
  // The answer in large type, a span per digit: an unsure digit in orange with a small ? after it
  // (drawn by the style sheet, so the text stays the digits read), a piece that is no digit, or
  // ink left out, as a grey ?; lines of writing on lines of their own.
  const parts = [];
  reading.digits.forEach((digit, index) => {
    if (index > 0 && digit.line !== reading.digits[index - 1].line) {
      parts.push(document.createTextNode("\n"));
    }
    const span = document.createElement("span");
    span.textContent = unread(digit) ? "?" : String(digit.digit);
    span.className = unread(digit) ? "not-a-digit" : digit.unsure ? "unsure" : "";
    if (digit.unsure) {
      span.title = "unsure: check this digit";
    }
    parts.push(span);
  });
  return parts;
}

function showReading(reading) {
  errorBox.hidden = true;
  text.replaceChildren(...answerDigits(reading));
  fitText();
  note.textContent = reading.not_a_digit
    ? "This does not look like any of the digits 0 to 9."
    : reading.digits.some((digit) => digit.left_out)
      ? "A ? is ink on the line that was taken for no digit (too faint or thin beside the others): check it."
    : reading.digits.some((digit) => digit.not_a_digit)
      ? "A ? is a piece that does not look like a digit; the bars show what the model would read."
      : !reading.unsure ? ""
        : reading.digits.length === 1 ? "Unsure: the model is not sure which digit this is."
          : "Unsure: the model is not sure of every digit; check the ones marked unsure below.";
  const compact = reading.digits.length >= COMPACT_FROM;
  digitsBox.classList.toggle("compact", compact);
  digitsBox.replaceChildren(...reading.digits.map(
    (digit, position) => digitCard(digit, position, reading.inputs[position], compact)));
  showPhoto(reading.digits);
}

function showError(message) {
  showNothing();
  errorBox.textContent = message;
  errorBox.hidden = false;
}

async function read(blob, name, request = ++latestRequest) {
  result.dataset.settled = "false";
  lastSent = [blob, name];
  const form = new FormData();
  form.append("image", blob, name);
  if (!checkSwitch.hidden) form.append("not_a_digit", check.checked ? "on" : "off");
  let reading;
  try {
    const response = await fetch("/api/predict", {method: "POST", body: form});
    reading = await response.json();
  } catch (error) {
    reading = {error: `the server did not answer (${error.message})`};
  }
  if (request !== latestRequest) return;  // a newer stroke or upload is on its way
  if (reading.error) showError(reading.error); else showReading(reading);
  result.dataset.settled = "true";
}

canvas.addEventListener("pointerdown", (event) => {
  drawing = true;
  forgetUpload();
  canvas.setPointerCapture(event.pointerId);
  const [x, y] = canvasPoint(event);
  context.strokeStyle = "black";
  context.lineWidth = PEN_WIDTH;
  context.lineCap = "round";
  context.lineJoin = "round";
  context.beginPath();
  context.moveTo(x, y);
  context.lineTo(x, y);
  context.stroke();
});

canvas.addEventListener("pointermove", (event) => {
  if (!drawing) return;
  const [x, y] = canvasPoint(event);
  context.lineTo(x, y);
  context.stroke();
});

function endStroke() {
  if (!drawing) return;
  drawing = false;
  // The canvas is encoded asynchronously: the request counts, and the answer on show is stale,
  // from the moment the stroke ends.
  const request = ++latestRequest;
  result.dataset.settled = "false";
  canvas.toBlob((blob) => read(blob, "drawing.png", request), "image/png");
}
canvas.addEventListener("pointerup", endStroke);
canvas.addEventListener("pointercancel", endStroke);

document.getElementById("clear").addEventListener("click", () => {
  clearCanvas();
  forgetUpload();
  lastSent = null;
  latestRequest++;
  result.dataset.settled = "true";
  showNothing();
});

async function readFile(file) {
  if (!file) return;
  clearCanvas();
  const request = ++latestRequest;
  result.dataset.settled = "false";
  // What the browser cannot show (a TIFF in most browsers, a text file) is still sent: the
  // server's answer, or its error, is shown without the picture.
  const image = await createImageBitmap(file).catch(() => null);
  if (request !== latestRequest) return;  // a stroke, a clear or another upload came first
  uploaded = image;
  read(file, file.name, request);
}

document.getElementById("file").addEventListener("change", (event) => {
  readFile(event.target.files[0]);
  event.target.value = "";
});

dropZone.addEventListener("dragover", (event) => {
  event.preventDefault();
  canvas.parentElement.classList.add("dragging");
});
dropZone.addEventListener("dragleave", () => canvas.parentElement.classList.remove("dragging"));
dropZone.addEventListener("drop", (event) => {
  event.preventDefault();
  canvas.parentElement.classList.remove("dragging");
  readFile(event.dataTransfer.files[0]);
});

// The not-a-digit switch, where the server has a check: as the server was started (--not-a-digit),
// and when turned, the image on show is read again.
check.addEventListener("change", () => {
  if (lastSent) read(...lastSent);
});
fetch("/api/health").then((answer) => answer.json()).then((health) => {
  check.checked = health.not_a_digit;
  checkSwitch.hidden = !health.not_a_digit_check;
}).catch(() => {});

clearCanvas();
