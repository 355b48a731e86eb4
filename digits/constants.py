"""What every part agrees on, defined once: the digits' form, the classes and the file names."""

from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
# The seed of every run, benchmark and build unless --seed says otherwise.
SEED = 42
SCRIPT = PROJECT_DIR / "HandWritten_digit_Classifier.py"
DEFAULT_DATA_DIR = PROJECT_DIR / "reduced_mnist"
# Relative, so a run writes beside where it is started, as most command-line tools do.
DEFAULT_OUTPUT_DIR = Path("outputs")

FIELD_SIZE = 28                       # MNIST's images are 28x28, one gray channel
IMAGE_SIZE = (FIELD_SIZE, FIELD_SIZE)
INPUT_SHAPE = (*IMAGE_SIZE, 1)
NUM_CLASSES = 10
CLASS_NAMES = [str(digit) for digit in range(NUM_CLASSES)]

MODEL_FILE = "mnist_cnn_model.h5"
NATIVE_MODEL_FILE = "mnist_cnn_model.keras"
ONNX_MODEL_FILE = "mnist_cnn_model.onnx"
MODEL_FILES = (MODEL_FILE, NATIVE_MODEL_FILE, ONNX_MODEL_FILE)
METRICS_FILE = "metrics.json"
HISTORY_FILE = "history.csv"
REPORT_FILE = "classification_report.txt"
CONFUSION_FIGURE = "confusion_matrix.png"
SAMPLES_FIGURE = "sample_predictions.png"
HISTORY_FIGURE = "training_history.png"
FIGURES = (CONFUSION_FIGURE, SAMPLES_FIGURE, HISTORY_FIGURE)
REPORTS = (METRICS_FILE, HISTORY_FILE, REPORT_FILE)

# The model that ships with the project, made by models/build_model.py: what --predict and
# --serve read with until a model is trained.
SHIPPED_MODEL = PROJECT_DIR / "models" / "mnist_cnn_improved.onnx"
SHIPPED_METRICS = PROJECT_DIR / "models" / METRICS_FILE
# The not-a-digit check, made by models/build_not_a_digit.py; it reads beside whichever model
# reads the digits.
SHIPPED_NOT_A_DIGIT = PROJECT_DIR / "models" / "not_a_digit.onnx"
SHIPPED_NOT_A_DIGIT_INFO = PROJECT_DIR / "models" / "not_a_digit.json"
# The line model, made by models/build_line_model.py: it reads whole lines of digits.
SHIPPED_LINE_MODEL = PROJECT_DIR / "models" / "line_model.onnx"
SHIPPED_LINE_MODEL_INFO = PROJECT_DIR / "models" / "line_model.json"

# What flow_from_directory reads for training; --predict also reads GIF and WebP.
TRAINING_EXTENSIONS = (".png", ".jpg", ".jpeg", ".bmp", ".ppm", ".tif", ".tiff")
IMAGE_EXTENSIONS = (*TRAINING_EXTENSIONS, ".gif", ".webp")

# How far an exported or reloaded model's probabilities may be from the model in memory's.
EXPORT_TOLERANCE = 1e-5

# --export: Keras' name for each format, and the suffix of the file (or folder) it writes.
EXPORT_FORMATS = {"onnx": ("onnx", ".onnx"), "litert": ("litert", ".tflite"),
                  "saved_model": ("tf_saved_model", "_saved_model")}

# --dry-run trains one epoch on this many batches.
DRY_RUN_BATCHES = 4

# --serve: this machine only, unless --host says otherwise.
DEFAULT_PORT = 8000
DEFAULT_HOST = "127.0.0.1"
