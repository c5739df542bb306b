"""``make bench``: how fast the service exports big events, measured against the bare write.

For each backend (SQLite, PostgreSQL) it builds events of each size with ``demo-data``, starts
the service as it runs in production (gunicorn, one ``python worker.py``), and measures:
the ``orderlist`` export end to end through the API (xlsx, orders and positions CSV, and the
``json`` exporter when the event lists it) with the worker's peak RSS; the floor for the same
rows (one plain query, ``csv.writer`` or openpyxl write-only); the latency of ``run`` per size;
409 polls while a big export runs, alone and under load from a second process; and whether the
progress percentage keeps its promises. It prints a table, writes ``bench/results.json`` and
checks the figures against the targets of issue 6.

Run from the project root: ``python -m bench.run [--sizes 1000,10000] [--backends sqlite]``.
Everything runs on 127.0.0.1 and every process it starts is stopped on the way out.
"""

import argparse
import contextlib
import csv
import http.client
import json
import os
import platform
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import traceback
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

from redis import Redis
from rq import Worker
from rq.worker import WorkerStatus

from . import client as api
from . import progress
from .floor import csv_floor, xlsx_floor
from .procs import ROOT, BenchError, HorseWatch, Processes, rss_mb, start_stack
from .report import TARGET_SETS, evaluate_targets, format_report
from .stats import latency_summary, median_ms
from .stores import (
    DATA_DIR,
    PostgresStore,
    SqliteStore,
    build_event,
    init_store,
    item_ids,
    require_loopback,
    size_label,
)
from .workbook_check import check_sheets
from .writers import compare_writers

DEFAULT_SIZES = "1000,10000,100000"
BACKENDS = ("sqlite", "postgresql")
DEFAULT_POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/test"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/14"
QUEUE = "bench"
# The benchmark starts many exports in a row with one token.
MAX_ACTIVE_EXPORTS = 1000
# Sheets of the CSV formats, and which rows each format counts.
CSV_SHEETS = {"orders:default": "orders", "positions:default": "positions"}
EXTENSIONS = {"xlsx": "xlsx", "json": "json"}
# The workbook's sheets (the floor's names) and their titles, in the workbook's order.
XLSX_TITLES = {"orders": "Orders", "positions": "Order positions", "fees": "Order fees"}
# The accounting exports, each under its own name, and the rows each writes.
ACCOUNTING = {
    "transactions:default": ("transactions", {"_format": "default"}, "transactions"),
    "invoicedata:invoices": ("invoicedata", {"_format": "invoices:default"}, "invoices"),
}
# The box-office export: every scan of the event, of every product (the event's item ids are
# filled in, since pretix requires ``items``).
SCANS = "checkinlog:default"
ALL_EXPORTS = ("xlsx", *CSV_SHEETS, "json", *ACCOUNTING, SCANS)
LOAD_TIMEOUT_MARGIN = 60


def log(message: str) -> None:
    print(f"[{datetime.now():%H:%M:%S}] {message}", file=sys.stderr, flush=True)


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.run", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--sizes", default=DEFAULT_SIZES, help="orders per event, comma-separated")
    parser.add_argument("--backends", default=",".join(BACKENDS), help="sqlite and/or postgresql")
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("BENCH_POSTGRES_URL", DEFAULT_POSTGRES_URL),
        help="a database the benchmark may add a schema to (env BENCH_POSTGRES_URL)",
    )
    parser.add_argument("--postgres-schema", default="bench", help="dropped and recreated")
    parser.add_argument(
        "--redis-url",
        default=os.environ.get("BENCH_REDIS_URL", DEFAULT_REDIS_URL),
        help="a Redis database the benchmark may flush (env BENCH_REDIS_URL)",
    )
    parser.add_argument("--threads", type=int, default=4, help="threads per gunicorn worker")
    parser.add_argument("--run-samples", type=int, default=5, help="run calls per size")
    parser.add_argument("--polls", type=int, default=200, help="409 polls in a row")
    parser.add_argument("--load-threads", type=int, default=8)
    parser.add_argument("--load-seconds", type=float, default=5.0)
    parser.add_argument(
        "--csv-repeats", type=int, default=3, help="times each CSV export and its floor run"
    )
    parser.add_argument("--export-timeout", type=float, default=1200.0, help="seconds per export")
    parser.add_argument(
        "--exports",
        default=",".join(ALL_EXPORTS),
        help="which exports to time, comma-separated (default: all)",
    )
    parser.add_argument(
        "--no-floor", action="store_true", help="time the exports only, not their floors"
    )
    parser.add_argument(
        "--targets",
        choices=sorted(TARGET_SETS),
        default="issue6",
        help="the targets to check: issue 6's (export/floor) or a million orders' (seconds)",
    )
    parser.add_argument("--output", type=Path, default=ROOT / "bench" / "results.json")
    args = parser.parse_args(argv)
    try:
        args.sizes = sorted({int(s) for s in args.sizes.split(",") if s.strip()})
    except ValueError:
        parser.error("--sizes takes whole numbers, e.g. 1000,10000")
    if not args.sizes or min(args.sizes) < 1:
        parser.error("--sizes needs at least one size of 1 or more orders")
    args.exports = [e.strip() for e in args.exports.split(",") if e.strip()]
    if unknown_exports := set(args.exports) - set(ALL_EXPORTS):
        parser.error(f"--exports: unknown {sorted(unknown_exports)}; known: {ALL_EXPORTS}")
    args.backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    unknown = set(args.backends) - set(BACKENDS)
    if unknown or not args.backends:
        parser.error(f"--backends takes {' and/or '.join(BACKENDS)}")
    return args


def _interrupt(signum, _frame):
    raise KeyboardInterrupt(f"signal {signum}")


def main(argv=None) -> int:
    args = parse_args(argv)
    # Also when started in the background, where SIGINT would otherwise be ignored.
    signal.signal(signal.SIGINT, _interrupt)
    signal.signal(signal.SIGTERM, _interrupt)
    results = {"meta": run_meta(args), "backends": [], "targets": [], "error": None}
    processes = Processes()
    scratch = Path(tempfile.mkdtemp(prefix="export-bench-"))
    status = 0
    try:
        require_loopback(args.redis_url)
        for backend in args.backends:
            entry = {"backend": backend, "builds": [], "sizes": []}
            results["backends"].append(entry)
            bench_backend(entry, make_store(backend, args), args, processes, scratch / backend)
    except KeyboardInterrupt:
        results["error"] = "interrupted"
        status = 130
    except BenchError as exc:
        results["error"] = str(exc)
        status = 1
    except Exception as exc:
        traceback.print_exc()
        results["error"] = f"{type(exc).__name__}: {exc}"
        status = 1
    finally:
        processes.stop_all()
        shutil.rmtree(scratch, ignore_errors=True)
    results["meta"]["finished"] = _now()
    results["meta"]["load_average_end"] = _load_average()
    results["targets"] = evaluate_targets(results)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(results, indent=2) + "\n")
    print(format_report(results))
    print(f"\nFigures written to {args.output}")
    return status


def make_store(backend: str, args):
    if backend == "sqlite":
        return SqliteStore()
    return PostgresStore(args.postgres_url, args.postgres_schema)


def service_env(store, args, workdir: Path) -> dict:
    """The environment of ``demo-data``, gunicorn and the worker: nothing from ``instance/``."""
    export_dir, instance_dir = workdir / "exports", workdir / "instance"
    export_dir.mkdir(parents=True, exist_ok=True)
    instance_dir.mkdir(parents=True, exist_ok=True)
    return {
        **os.environ,
        "DATABASE_URL": store.url,
        "REDIS_URL": args.redis_url,
        "EXPORT_DIR": str(export_dir),
        "EXPORT_QUEUE": QUEUE,
        "INSTANCE_DIR": str(instance_dir),
        "MAX_ACTIVE_EXPORTS_PER_TOKEN": str(MAX_ACTIVE_EXPORTS),
        "PYTHONUNBUFFERED": "1",
    }


# One backend -----------------------------------------------------------------------------
def bench_backend(entry: dict, store, args, processes: Processes, workdir: Path) -> None:
    """Fresh data, a fresh service, then every measurement on this backend."""
    entry["database"] = store.describe()
    log(f"{store.backend}: rebuilding {store.describe()}")
    store.reset()
    redis = Redis.from_url(args.redis_url, socket_timeout=10)
    redis.flushdb()
    env = service_env(store, args, workdir)
    init_store(env)
    events = build_events(entry, store, env, args.sizes)

    log_dir = DATA_DIR / "logs"
    log_dir.mkdir(parents=True, exist_ok=True)
    stack = start_stack(processes, env, log_dir, store.backend, args.threads)
    entry["gunicorn_threads"] = args.threads
    entry["worker_idle_rss_mb"] = round(rss_mb(stack.worker.pid), 1)
    try:
        sizes = [{"orders": e.orders, "counts": e.counts, "exports": []} for e in events]
        entry["sizes"] = sizes
        latencies = run_latencies(stack, redis, events, args.run_samples)
        for size, figures in zip(sizes, latencies, strict=True):
            size["run_latency_ms"] = figures
        log(f"{store.backend}: run latency medians {[f['median_ms'] for f in latencies]} ms")
        for size, event in zip(sizes, events, strict=True):
            # The contract is checked on the largest xlsx; only there does Redis get read
            # every 10 ms besides the polls.
            sampler = progress.MetaSampler(redis) if event is events[-1] else None
            xlsx_progress = bench_size(size, event, stack, store, redis, args, workdir, sampler)
        entry["progress"] = {"orders": events[-1].orders, **xlsx_progress}
        latency_phase(entry, events[-1], stack, args)
        entry["xlsx_writers"] = compare_writers(store, events[-1].event_id, workdir)
        log(f"{store.backend}: xlsx writers {entry['xlsx_writers']}")
    finally:
        processes.stop(stack.worker)
        processes.stop(stack.web)


def build_events(entry: dict, store, env: dict, sizes: list[int]) -> list:
    events = []
    for orders in sizes:
        event = build_event(store, env, orders)
        events.append(event)
        entry["builds"].append(
            {
                "orders": orders,
                "organizer": event.organizer,
                "event": event.event,
                "seconds": round(event.build_seconds, 2),
                "counts": event.counts,
            }
        )
        log(
            f"{store.backend}: built {size_label(orders)} in {event.build_seconds:.1f} s "
            f"{event.counts}"
        )
    settle = getattr(store, "settle", None)
    if settle is not None:
        seconds = settle()
        entry["settle_seconds"] = round(seconds, 2)
        log(f"{store.backend}: the loaded rows written out (CHECKPOINT) in {seconds:.1f} s")
    return events


# One size ------------------------------------------------------------------------------------
def bench_size(size: dict, event, stack, store, redis, args, workdir: Path, sampler) -> dict:
    """The timed exports and their floors; returns the xlsx export's progress, with the
    job's meta as ``sampler`` saw it if one is given."""
    label = f"{store.backend} {size_label(event.orders)}"
    client = api.ApiClient(stack.port, event.token)
    base = api.event_path(event.organizer, event.event)
    listed = api.exporter_identifiers(client, base)
    size["exporters_listed"] = listed

    formats = [("orderlist", {"_format": "xlsx"})]
    formats += [("orderlist", {"_format": name}) for name in CSV_SHEETS]
    if "json" in listed:
        formats.append(("json", {}))
    formats += [(i, body) for i, body, _rows in ACCOUNTING.values() if i in listed]
    if "checkinlog" in listed and SCANS in args.exports:
        every_item = item_ids(store, event.event_id)
        body = {"_format": "default", "items": every_item, "successful_only": False}
        formats.append(("checkinlog", body))
    formats = [(i, body) for i, body in formats if export_name(i, body) in args.exports]
    xlsx_progress = None
    for identifier, body in formats:
        name = export_name(identifier, body)
        # The CSV sheets take seconds: each is timed several times, taking turns with its
        # floor, and compared by the medians (one sample of a few seconds on a shared
        # machine is easily 10% off). The workbook and json are timed once.
        repeats = args.csv_repeats if name in CSV_SHEETS else 1
        samples = [
            timed_export_and_floor(
                identifier, body, event, stack, store, redis, args, workdir, sampler
            )
            for _ in range(repeats)
        ]
        figures, floor = median_sample(samples)
        if floor is not None:
            figures["floor"] = floor
            figures["ratio"] = round(figures["seconds"] / floor["seconds"], 3)
            if figures["cpu_seconds"] and floor["cpu_seconds"]:
                figures["cpu_ratio"] = round(figures["cpu_seconds"] / floor["cpu_seconds"], 3)
        if repeats > 1:
            figures["samples"] = {
                "seconds": [f["seconds"] for f, _ in samples],
                "floor_seconds": [f["seconds"] for _, f in samples if f is not None],
            }
        size["exports"].append(figures)
        if name == "xlsx":
            xlsx_progress = figures["progress"]
        log(
            f"{label}: {name} {figures['seconds']:.2f} s, {figures['rows_per_second']:,.0f} rows/s"
            + (f", floor {floor['seconds']:.2f} s" if floor else "")
            + (f" (medians of {repeats})" if repeats > 1 else "")
            + f", peak RSS {figures['peak_rss_mb']} MB"
        )
    client.close()
    return xlsx_progress


def timed_export_and_floor(
    identifier: str, body: dict, event, stack, store, redis, args, workdir: Path, sampler
) -> tuple[dict, dict | None]:
    """One export end to end through the API, then its floor on the same rows."""
    label = f"{store.backend} {size_label(event.orders)}"
    name = export_name(identifier, body)
    client = api.ApiClient(stack.port, event.token)
    base = api.event_path(event.organizer, event.event)
    dest = workdir / f"export-{name.replace(':', '-')}.{EXTENSIONS.get(name, 'csv')}"
    watcher = sampler if name == "xlsx" else None
    try:
        with HorseWatch(stack.worker.pid) as horse:
            try:
                run = api.timed_export(
                    client,
                    base,
                    identifier,
                    body,
                    dest,
                    args.export_timeout,
                    on_started=watcher.start if watcher else None,
                )
            finally:
                if watcher:
                    watcher.stop()
    finally:
        client.close()
    figures = export_figures(name, run, event.counts, redis, horse)
    figures["progress"] = progress.summary(run, redis, watcher)
    if name == "xlsx":
        expected = {sheet: (title, event.counts[sheet]) for sheet, title in XLSX_TITLES.items()}
        figures["sheets"], columns = check_sheets(dest, expected)
    else:
        columns = column_counts(name, dest)
    figures["columns"] = columns
    dest.unlink(missing_ok=True)
    floor = None if args.no_floor else measure_floor(name, store, event.event_id, columns, workdir)
    if floor is not None and floor["rows"] != figures["rows"]:
        raise BenchError(f"{label} {name}: floor wrote {floor['rows']} rows, not {figures['rows']}")
    return figures, floor


def median_sample(samples: list[tuple[dict, dict | None]]) -> tuple[dict, dict | None]:
    """The export of median time with the floor of median time (each taken on its own)."""
    exports = sorted((figures for figures, _ in samples), key=lambda f: f["seconds"])
    floors = sorted((f for _, f in samples if f is not None), key=lambda f: f["seconds"])
    middle = len(samples) // 2
    return exports[middle], (floors[middle] if floors else None)


def run_latencies(stack, redis, events: list, samples: int) -> list[dict]:
    """``run`` timed alone, per event: each export is canceled and its worker idle again
    before the next ``run``, and the events take turns, so that a change in the machine's
    load while this runs falls on every size alike."""
    clients = [api.ApiClient(stack.port, event.token) for event in events]
    bases = [api.event_path(event.organizer, event.event) for event in events]
    seconds: list[list[float]] = [[] for _ in events]
    for attempt in range(samples + 1):
        for index, (client, base) in enumerate(zip(clients, bases, strict=True)):
            download, reply = api.start(client, base, "orderlist", {"_format": "xlsx"})
            api.cancel(client, download)
            wait_worker_idle(redis)
            if attempt:  # the first round warms up the gunicorn worker and its connections
                seconds[index].append(reply.seconds)
    for client in clients:
        client.close()
    return [
        {"samples_ms": [round(s * 1000, 2) for s in values], "median_ms": median_ms(values)}
        for values in seconds
    ]


def wait_worker_idle(redis, timeout: float = 120.0) -> None:
    """A canceled export reads "failed" at once, but its work horse runs on until its next
    progress step; wait for the worker to be back at the queue."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if all(worker.get_state() == WorkerStatus.IDLE for worker in Worker.all(connection=redis)):
            return
        time.sleep(0.02)
    raise BenchError(f"the worker was still busy {timeout:.0f} s after its export was canceled")


def export_name(identifier: str, body: dict) -> str:
    """How the figures name an export: the order list by its format, others by their own."""
    if identifier == "checkinlog":
        return SCANS
    for name, (other, other_body, _rows) in ACCOUNTING.items():
        if (identifier, body) == (other, other_body):
            return name
    return body.get("_format", identifier)


def rows_of(name: str, counts: dict) -> int:
    if name == SCANS:
        return counts["checkins"]
    if name in ACCOUNTING:
        return counts[ACCOUNTING[name][2]]
    if name == "xlsx":
        return counts["orders"] + counts["positions"] + counts["fees"]
    return counts[CSV_SHEETS[name]] if name in CSV_SHEETS else counts["orders"]


def export_figures(name: str, run, counts: dict, redis, horse: HorseWatch) -> dict:
    rows = rows_of(name, counts)
    peak_kb = redis.hget(f"export:{run.file_id}", "peak_rss_kb")
    return {
        "format": name,
        "exporter": run.identifier,
        "rows": rows,
        "seconds": round(run.seconds, 3),
        "rows_per_second": round(rows / run.seconds, 1),
        "run_ms": round(run.run_seconds * 1000, 2),
        "size_bytes": run.size_bytes,
        "peak_rss_mb": round(int(peak_kb) / 1024, 1) if peak_kb else None,
        "sampled_rss_mb": round(horse.peak_mb, 1) if horse.peak_mb else None,
        # The work horse's own CPU; the database server's is in neither this nor the floor's.
        "cpu_seconds": round(horse.cpu_seconds, 3) if horse.cpu_seconds else None,
        "polls_409": latency_summary([s.latency for s in run.samples]),
        "server_errors": run.server_errors,
        "floor": None,
        "ratio": None,
        "cpu_ratio": None,
    }


def column_counts(name: str, path: Path) -> dict[str, int]:
    """Columns of a CSV sheet, read from the header of the file the export wrote."""
    if name in CSV_SHEETS:
        with open(path, encoding="utf-8", newline="") as handle:
            return {CSV_SHEETS[name]: len(next(csv.reader(handle)))}
    return {}


def measure_floor(name: str, store, event_id: int, columns: dict, workdir: Path) -> dict | None:
    if name == "xlsx":
        floor = xlsx_floor(store, event_id, columns, workdir / "floor.xlsx")
    elif name in CSV_SHEETS:
        sheet = CSV_SHEETS[name]
        floor = csv_floor(store, event_id, sheet, columns[sheet], workdir / "floor.csv")
    else:
        return None
    for leftover in ("floor.xlsx", "floor.csv"):
        (workdir / leftover).unlink(missing_ok=True)
    return {
        "seconds": round(floor.seconds, 3),
        "cpu_seconds": round(floor.cpu_seconds, 3),
        "rows": floor.rows,
        "rows_per_second": round(floor.rows / floor.seconds, 1),
        "columns": floor.columns,
        "size_bytes": floor.size_bytes,
    }


# 409 polls and load ------------------------------------------------------------------------
def latency_phase(entry: dict, event, stack, args) -> None:
    """While the largest xlsx runs: 409 polls in a row, then the 409 poll and the exporter
    list under load from a second process. Two more exports wait behind the running one, so
    the polled export is still waiting however fast the first one is."""
    client = api.ApiClient(stack.port, event.token)
    base = api.event_path(event.organizer, event.event)
    body = {"_format": "xlsx"}
    started = []
    try:
        for _ in range(3):
            started.append(api.start(client, base, "orderlist", body)[0])
        running, waiting = started[0], started[-1]
        api.wait_running(client, running)
        seconds, server_errors = [], 0
        for _ in range(args.polls):
            reply = client.request("GET", running)
            if reply.status == 409:
                seconds.append(reply.seconds)
            elif reply.status >= 500:
                server_errors += 1
            else:
                break
        entry["poll_409"] = {
            "orders": event.orders,
            "export": "xlsx",
            **latency_summary(seconds),
            "server_errors": server_errors,
        }
        log(f"{entry['backend']}: 409 poll {entry['poll_409']}")
        entry["load"] = {
            "409 poll": run_load(stack.port, waiting, event.token, args),
            "exporter list": run_load(stack.port, base, event.token, args),
        }
        log(f"{entry['backend']}: load {entry['load']}")
    finally:
        for download in started:
            with contextlib.suppress(OSError, http.client.HTTPException, BenchError):
                api.cancel(client, download)
        client.close()


def run_load(port: int, path: str, token: str, args) -> dict:
    command = [
        sys.executable,
        "-m",
        "bench.load",
        "--port",
        str(port),
        "--path",
        path,
        "--threads",
        str(args.load_threads),
        "--seconds",
        str(args.load_seconds),
    ]
    try:
        done = subprocess.run(
            command,
            cwd=ROOT,
            env={**os.environ, "BENCH_TOKEN": token},
            capture_output=True,
            text=True,
            timeout=args.load_seconds + LOAD_TIMEOUT_MARGIN,
        )
    except subprocess.TimeoutExpired as exc:
        raise BenchError(f"the load generator on {path} did not finish") from exc
    if done.returncode != 0:
        raise BenchError(f"the load generator failed:\n{done.stderr[-2000:]}")
    return json.loads(done.stdout)


# Run facts -----------------------------------------------------------------------------------
def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _load_average() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def _commit() -> str | None:
    try:
        done = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True, timeout=10
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout.strip() or None


def run_meta(args) -> dict:
    versions = {}
    for package in (
        "openpyxl",
        "XlsxWriter",
        "SQLAlchemy",
        "psycopg",
        "rq",
        "redis",
        "gunicorn",
        "lxml",
    ):
        with contextlib.suppress(metadata.PackageNotFoundError):
            versions[package] = metadata.version(package)
    return {
        "started": _now(),
        "commit": _commit(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpu_count": os.cpu_count(),
        "load_average_start": _load_average(),
        "sizes": args.sizes,
        "backends": args.backends,
        "gunicorn": {"workers": 2, "threads": args.threads},
        "load": {"threads": args.load_threads, "seconds": args.load_seconds},
        "poll_interval_ms": round(api.POLL_INTERVAL * 1000),
        "versions": versions,
        "exports": args.exports,
        "floor": not args.no_floor,
        "targets": args.targets,
    }


if __name__ == "__main__":
    sys.exit(main())
