"""Load-test the web page's API on 127.0.0.1: requests per second, latency, the server's memory.

Starts the server as a user would (`--serve --port 0`, the default .onnx model), then sends
--requests POSTs of one single-digit photo to /api/predict from --clients concurrent clients,
checks every answer (status 200, the expected digit), and prints requests per second, the 50th,
95th and 99th percentile latency, and the resident memory of the server's processes added up:
its peak, and its size after each quarter of the requests (flat means no leak). Needs a
trained model.

    python -m benchmarks.bench_server [--requests 400] [--clients 8] [--image docs/examples/digit-7.jpg]
"""

import http.client
import json
import re
import statistics
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from benchmarks.flags import benchmark_parser
from digits.constants import PROJECT_DIR, SCRIPT


def parse_args(argv=None):
    """Read the benchmark's flags."""
    parser = benchmark_parser(__doc__)
    parser.add_argument("--requests", type=int, default=400, help="requests in all")
    parser.add_argument("--clients", type=int, default=8, help="clients sending at the same time")
    parser.add_argument("--image", type=Path, default=PROJECT_DIR / "docs" / "examples" / "digit-7.jpg",
                        help="the photo every request sends")
    parser.add_argument("--expect", default="7", help="the digits the photo must be read as")
    parser.add_argument("--output-dir", type=Path, default=Path("outputs"),
                        help="the training output folder whose model the server loads")
    return parser.parse_args(argv)


def memory_mb(pid, field):
    """A memory figure from /proc (VmRSS now, VmHWM its peak) of the server's processes (it and
    its helpers) added up, in MB; pages they share are counted once per process."""
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    total = 0
    for process in [pid, *map(int, children)]:
        status = Path(f"/proc/{process}/status").read_text()
        total += int(re.search(rf"^{field}:\s+(\d+) kB", status, re.MULTILINE).group(1))
    return total / 1024


def start_server(output_dir):
    """Start `--serve --port 0`; return the process, host and port it printed."""
    server = subprocess.Popen([sys.executable, str(SCRIPT), "--serve", "--port", "0", "--output-dir",
                               str(output_dir)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True)
    line = server.stdout.readline()
    address = re.search(r"http://([\d.]+):(\d+)/", line)
    if not address:
        server.kill()
        sys.exit(f"error: the server did not start: {line}{server.stderr.read()}")
    return server, address.group(1), int(address.group(2))


def main(argv=None):
    """Run the load test and print its figures."""
    args = parse_args(argv)
    body = args.image.read_bytes()
    server, host, port = start_server(args.output_dir)
    local = threading.local()
    try:
        def post(_):
            if not hasattr(local, "connection"):  # one keep-alive connection per client
                local.connection = http.client.HTTPConnection(host, port, timeout=60)
            started = time.perf_counter()
            local.connection.request("POST", "/api/predict", body, {"Content-Type": "image/jpeg"})
            response = local.connection.getresponse()
            answer = json.loads(response.read())
            seconds = time.perf_counter() - started
            return seconds, response.status == 200 and answer.get("text") == args.expect

        post(None)  # the first request also wakes the model up
        quarter = args.requests // 4
        latencies, failures, memory = [], 0, []
        started = time.perf_counter()
        with ThreadPoolExecutor(args.clients) as clients:
            for part in range(4):
                for seconds, right in clients.map(post, range(quarter)):
                    latencies.append(seconds)
                    failures += not right
                memory.append(memory_mb(server.pid, "VmRSS"))
        elapsed = time.perf_counter() - started
        peak = memory_mb(server.pid, "VmHWM")
    finally:
        server.terminate()
        server.wait(timeout=30)
    cuts = statistics.quantiles(latencies, n=100)
    print(f"\n{len(latencies)} requests of {args.image.name} ({len(body):,} bytes) from {args.clients} "
          f"clients to 127.0.0.1, {failures} failed or wrong\n")
    print("| requests/s | p50 ms | p95 ms | p99 ms | server peak memory MB | memory after each quarter MB |")
    print("|---|---|---|---|---|---|")
    print(f"| {len(latencies) / elapsed:.0f} | {1000 * cuts[49]:.0f} | {1000 * cuts[94]:.0f} | "
          f"{1000 * cuts[98]:.0f} | {peak:.0f} | {' / '.join(f'{m:.0f}' for m in memory)} |")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
