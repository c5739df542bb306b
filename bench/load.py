"""A bounded load loop: N threads, each with its own keep-alive connection, send the same GET
to 127.0.0.1 for a fixed number of seconds; prints one JSON object with what they measured.

It runs as a process of its own (``python -m bench.load``) so that its work does not share
the benchmark's interpreter lock. The token comes from ``BENCH_TOKEN``, not the command line.
"""

import argparse
import http.client
import json
import os
import sys
import threading
import time
from collections import Counter

from .stats import percentile


def hammer(port: int, path: str, token: str, threads: int, seconds: float) -> dict:
    headers = {"Authorization": f"Token {token}"}
    deadline = time.monotonic() + seconds
    latencies: list[list[float]] = [[] for _ in range(threads)]
    statuses: list[Counter] = [Counter() for _ in range(threads)]
    errors = [0] * threads

    def loop(index: int) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        while time.monotonic() < deadline:
            started = time.perf_counter()
            try:
                connection.request("GET", path, headers=headers)
                response = connection.getresponse()
                response.read()
            except (OSError, http.client.HTTPException):
                errors[index] += 1
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
                continue
            latencies[index].append(time.perf_counter() - started)
            statuses[index][response.status] += 1
        connection.close()

    workers = [threading.Thread(target=loop, args=(n,), daemon=True) for n in range(threads)]
    started = time.perf_counter()
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=seconds + 30)
    elapsed = time.perf_counter() - started
    merged = sorted(value for values in latencies for value in values)
    status_counts = sum(statuses, Counter())
    return {
        "threads": threads,
        "seconds": round(elapsed, 3),
        "requests": len(merged),
        "requests_per_second": round(len(merged) / elapsed, 1),
        "p50_ms": round(percentile(merged, 50) * 1000, 2) if merged else None,
        "p99_ms": round(percentile(merged, 99) * 1000, 2) if merged else None,
        "statuses": {str(code): count for code, count in sorted(status_counts.items())},
        "errors": sum(errors),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--path", required=True)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=5.0)
    args = parser.parse_args()
    token = os.environ.get("BENCH_TOKEN", "")
    result = hammer(args.port, args.path, token, args.threads, args.seconds)
    json.dump(result, sys.stdout)


if __name__ == "__main__":
    main()
