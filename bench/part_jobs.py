"""One export of the million-order event (``make bench-million`` builds it in the schema
``bench_million``) written two ways on this machine, results in a directory: by several
worker processes as part jobs (``EXPORT_PART_JOBS``), and by one worker with a local process
per core. Prints the time from ``run`` until the record says finished, and whether the files
agree (CSV byte for byte; a workbook entry for entry, inflated, every CRC-32 checked).

    python -m bench.part_jobs --format xlsx --workers 3 --parts 3
"""

import argparse
import hashlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
import zipfile
from pathlib import Path

from .procs import ROOT

DATABASE = "postgresql+psycopg://postgres@127.0.0.1:5432/test?options=-csearch_path%3D{schema}"
REDIS = "redis://127.0.0.1:6379/7"
ORGANIZER, EVENT = "bench1000k", "ev"


def timed_export(fmt: str, workers: int, parts: int, schema: str, directory: Path):
    """(seconds, result path, who wrote each part) of one export."""
    queue = f"part-jobs-{uuid.uuid4().hex[:8]}"
    env = {
        **os.environ,
        "DATABASE_URL": DATABASE.format(schema=schema),
        "REDIS_URL": REDIS,
        "EXPORT_DIR": str(directory),
        "EXPORT_QUEUE": queue,
        "EXPORT_PART_JOBS": str(parts),
        "WORKER_NICENESS": "0",
    }
    processes = [
        subprocess.Popen(
            [sys.executable, "worker.py"],
            cwd=ROOT,
            env=env,
            start_new_session=True,
            stdout=subprocess.DEVNULL,
            stderr=open(directory / f"worker{n}.log", "w"),  # noqa: SIM115
        )
        for n in range(workers)
    ]
    try:
        return _run(fmt, env)
    finally:
        for process in processes:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=30)


def _run(fmt: str, env: dict):
    from service import create_app, records
    from service.auth import create_team_token
    from service.jobs.housekeeping import live_workers
    from service.store import get_session
    from service.store.models import Organizer

    app = create_app(
        {
            "TESTING": True,
            **{k: env[k] for k in ("DATABASE_URL", "REDIS_URL", "EXPORT_DIR", "EXPORT_QUEUE")},
            "MAX_ACTIVE_EXPORTS_PER_TOKEN": 100,
        }
    )
    with app.app_context():
        deadline = time.monotonic() + 60
        while not live_workers() and time.monotonic() < deadline:
            time.sleep(0.2)
        session = get_session()
        organizer = session.query(Organizer).filter_by(slug=ORGANIZER).one()
        token = create_team_token(session, organizer, "part jobs benchmark")
        session.commit()
        started = time.monotonic()
        answer = app.test_client().post(
            f"/api/v1/organizers/{ORGANIZER}/events/{EVENT}/exporters/orderlist/run/",
            headers={"Authorization": f"Token {token}"},
            json={"_format": fmt},
        )
        file_id = answer.json["download"].rstrip("/").rsplit("/", 1)[1]
        while (record := records.load(file_id))["state"] in ("waiting", "running"):
            time.sleep(0.05)
        seconds = time.monotonic() - started
        if record["state"] != "finished":
            raise SystemExit(f"{fmt}: {record['state']} ({record.get('message')})")
        return seconds, Path(env["EXPORT_DIR"]) / file_id, record.get("parts_by")


def content(path: Path, fmt: str):
    """A CSV file's digest; a workbook's entries (name, length, digest), read through
    zipfile, which checks each one's CRC-32."""
    if fmt != "xlsx":
        with open(path, "rb") as handle:
            return hashlib.file_digest(handle, "sha256").hexdigest()
    entries = []
    with zipfile.ZipFile(path) as archive:
        for name in archive.namelist():
            digest, length = hashlib.sha256(), 0
            with archive.open(name) as entry:
                while block := entry.read(1 << 20):
                    digest.update(block)
                    length += len(block)
            entries.append((name, length, digest.hexdigest()))
    return entries


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--format", default="xlsx")
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--parts", type=int, default=3)
    parser.add_argument("--schema", default="bench_million")
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="part-jobs-"))
    try:
        print(f"load average {os.getloadavg()}", flush=True)
        spread_dir, local_dir = work / "spread", work / "local"
        spread_dir.mkdir(), local_dir.mkdir()
        spread = timed_export(args.format, args.workers, args.parts, args.schema, spread_dir)
        seconds, path, parts_by = spread
        size = path.stat().st_size
        print(f"{args.format}: {args.workers} workers, {args.parts} part jobs: {seconds:.1f} s")
        print(f"  {size:,} bytes, parts by {parts_by}", flush=True)
        local = timed_export(args.format, 1, 0, args.schema, local_dir)
        size = local[1].stat().st_size
        print(f"{args.format}: one worker, local processes: {local[0]:.1f} s, {size:,} bytes")
        same = content(spread[1], args.format) == content(local[1], args.format)
        print("the same file" if same else "THE FILES DIFFER", flush=True)
        return 0 if same else 1
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
