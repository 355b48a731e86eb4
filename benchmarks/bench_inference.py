"""Time --predict with the ONNX model (ONNX Runtime, no TensorFlow) against the Keras .h5 model.

For each path, every measurement runs in a fresh process, --runs times:
- the wall time of a one-image `--predict` from process start to exit (the fastest run), and
  its peak memory (the largest of the runs);
- images per second reading the 1,000 committed test digits one at a time (batch 1) and all at
  once (batch 1,000), the model call alone, after a warm-up.
Needs a trained model: run `python HandWritten_digit_Classifier.py` first.

    python -m benchmarks.bench_inference [--model-dir outputs] [--runs 5] [--image docs/examples/digit-7.jpg]
"""

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

from benchmarks.flags import benchmark_parser
from digits.constants import DEFAULT_DATA_DIR, MODEL_FILE, ONNX_MODEL_FILE, PROJECT_DIR, SCRIPT

PATHS = {"onnx": ("ONNX Runtime (.onnx)", ONNX_MODEL_FILE),
         "keras": ("Keras (.h5)", MODEL_FILE)}
BATCH_SIZES = (1, 1000)


def parse_args(argv=None):
    """Read the benchmark's flags."""
    parser = benchmark_parser(__doc__)
    parser.add_argument("--model-dir", type=Path, default=Path("outputs"),
                        help="folder holding the trained mnist_cnn_model.onnx and .h5")
    parser.add_argument("--runs", type=int, default=5, help="fresh processes per measurement")
    parser.add_argument("--image", type=Path, default=PROJECT_DIR / "docs" / "examples" / "digit-7.jpg",
                        help="the image of the one-image --predict")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument("--child", choices=sorted(PATHS), help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def one_image_predict(model, image):
    """Wall seconds and peak memory (MB) of one `--predict` run, process start to exit."""
    command = [sys.executable, str(SCRIPT), "--predict", str(image), "--model", str(model)]
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    answer = process.stdout.read().decode().strip()
    if status != 0:
        raise RuntimeError(f"--predict failed: {process.stderr.read().decode().strip()}")
    return seconds, usage.ru_maxrss / 1024, answer


def child(path, model_dir):
    """Measure the model call alone in this process and print it as JSON."""
    import resource

    import numpy as np
    from PIL import Image

    from digits.reading.readings import load_model

    model = load_model(model_dir / PATHS[path][1])
    images = np.stack([np.asarray(Image.open(file), dtype=np.float32) / 255
                       for file in sorted((DEFAULT_DATA_DIR / "test").glob("*/*.png"))])
    speeds = {}
    for batch_size in BATCH_SIZES:
        model.probabilities(images[:batch_size])  # warm-up
        started = time.perf_counter()
        for start in range(0, len(images), batch_size):
            model.probabilities(images[start:start + batch_size])
        speeds[str(batch_size)] = len(images) / (time.perf_counter() - started)
    print(json.dumps({"images_per_second": speeds,
                      "peak_memory_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))


def measure_speed(path, model_dir):
    """The model-call speeds of one path, measured in a fresh process."""
    command = [sys.executable, "-m", __spec__.name, "--child", path, "--model-dir", str(model_dir)]
    completed = subprocess.run(command, capture_output=True, text=True, check=True, cwd=PROJECT_DIR)
    return json.loads(completed.stdout.strip().splitlines()[-1])


def main(argv=None):
    """Measure both paths, alternating them, and print a Markdown table."""
    args = parse_args(argv)
    if args.child:
        return child(args.child, args.model_dir)
    missing = [name for _, name in PATHS.values() if not (args.model_dir / name).is_file()]
    if missing:
        sys.exit(f"error: {', '.join(missing)} not in {args.model_dir}; run "
                 "`python HandWritten_digit_Classifier.py` first")
    walls = {path: [] for path in PATHS}
    for _ in range(args.runs):
        for path in PATHS:
            walls[path].append(one_image_predict(args.model_dir / PATHS[path][1], args.image))
    rows = {}
    for path in PATHS:
        speeds = [measure_speed(path, args.model_dir) for _ in range(args.runs)]
        seconds, memory, answers = zip(*walls[path])
        if len(set(answers)) != 1:
            sys.exit(f"error: the {path} runs answered differently: {set(answers)}")
        rows[path] = {"predict_wall_seconds": min(seconds), "predict_peak_memory_mb": max(memory),
                      "answer": answers[0],
                      **{f"images_per_second_batch_{size}": max(s["images_per_second"][str(size)]
                                                                 for s in speeds)
                         for size in BATCH_SIZES}}
    print(f"\nOne-image --predict of {args.image}, {args.runs} fresh processes each:\n")
    print("| model | --predict wall s (fastest) | peak memory MB (largest) | images/s, batch 1 | images/s, batch 1,000 |")
    print("|---|---|---|---|---|")
    for path, row in rows.items():
        print(f"| {PATHS[path][0]} | {row['predict_wall_seconds']:.2f} | "
              f"{row['predict_peak_memory_mb']:,.0f} | {row['images_per_second_batch_1']:,.0f} | "
              f"{row['images_per_second_batch_1000']:,.0f} |")
    print(f"\nAnswers: {rows['onnx']['answer']} | {rows['keras']['answer']}")
    if args.json:
        args.json.write_text(json.dumps({"runs": args.runs, "image": str(args.image), "rows": rows},
                                        indent=2) + "\n")


if __name__ == "__main__":
    sys.exit(main())
