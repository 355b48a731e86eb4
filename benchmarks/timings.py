"""Time what a new user runs, one after the other on one machine, and record it for the README's
timings table: the default training command, a one-image --predict with the shipped model, both
test tiers; and the size of the environment the requirements installed.

    python -m benchmarks.timings --json docs/results/timings.json     # about 7 minutes on 2 cores
"""

import datetime
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.flags import benchmark_parser
from digits.constants import PROJECT_DIR, SCRIPT


def processor():
    """The processor's name as the system gives it."""
    with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
        names = [line.split(":", 1)[1].strip() for line in cpuinfo if line.startswith("model name")]
    return names[0] if names else platform.processor() or platform.machine()


def megabytes(folder):
    """The size of the files under a folder, in MB."""
    return sum(path.stat().st_size for path in Path(folder).rglob("*") if path.is_file()) / 1e6


def wall_seconds(command, cwd=PROJECT_DIR):
    """Run a command to its end; return its wall time in seconds, or stop if it fails."""
    started = time.perf_counter()
    result = subprocess.run(command, cwd=cwd, capture_output=True, text=True)
    if result.returncode != 0:
        tail = "\n".join((result.stdout + result.stderr).splitlines()[-20:])
        sys.exit(f"{tail}\nerror: `{' '.join(command[1:])}` failed (exit status {result.returncode}): "
                 "nothing was recorded")
    return time.perf_counter() - started


def main(argv=None):
    parser = benchmark_parser(__doc__)
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args(argv)
    python = sys.executable
    with tempfile.TemporaryDirectory() as scratch:
        rows = {
            "python HandWritten_digit_Classifier.py": wall_seconds(
                [python, str(SCRIPT), "--output-dir", str(Path(scratch) / "outputs")]),
            # From a folder with no outputs/: the shipped model reads, as before any training.
            "python HandWritten_digit_Classifier.py --predict docs/examples/digit-7.jpg": wall_seconds(
                [python, str(SCRIPT), "--predict", str(PROJECT_DIR / "docs" / "examples" / "digit-7.jpg")],
                cwd=scratch),
        }
    rows['python -m pytest -m "not slow"'] = wall_seconds([python, "-m", "pytest", "-q", "-m", "not slow"])
    rows["python -m pytest"] = wall_seconds([python, "-m", "pytest", "-q"])
    record = {"processor": processor(), "cores": os.cpu_count(), "date": datetime.date.today().isoformat(),
              "environment_mb": megabytes(sys.prefix), "seconds": rows}
    print(f"{record['processor']}, {record['cores']} cores; environment {record['environment_mb']:,.0f} MB")
    for command, seconds in rows.items():
        print(f"{command}: {seconds:.1f} s")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(record, indent=2) + "\n")


if __name__ == "__main__":
    sys.exit(main())
