"""``make faults``: the service as operators run it (gunicorn 2 × 4 threads, two workers,
PostgreSQL, a Redis of its own), disturbed on purpose, one fault after another. For each it
prints what the client saw, how many seconds passed until a final answer, and whether the
service recovered without anyone restarting anything.

Run from the project root: ``python -m bench.faults [--orders 50000]``. Everything runs on
127.0.0.1 and every process it starts is stopped on the way out.
"""

import argparse
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import psycopg

from tests.processes import RedisServer, child_pids, kill_worker_and_horse
from tests.tcp_proxy import PausableProxy

from .client import ApiClient, event_path, start
from .procs import BenchError, Processes, _wait_until_ready, free_port
from .stores import PostgresStore, build_event, init_store

POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/test"
QUEUE = "exports-faults"


@dataclass
class Outcome:
    fault: str
    client_saw: str
    seconds: float
    recovered: bool


class Drill:
    """The running service and the API client of one organizer."""

    def __init__(self, env: dict, processes: Processes, log_dir: Path, token: str, event):
        self.env, self.processes, self.log_dir = env, processes, log_dir
        self.port = free_port()
        self.web = processes.start(
            [sys.executable, "-m", "gunicorn", "--workers", "2", "--threads", "4",
             "--bind", f"127.0.0.1:{self.port}", "--log-level", "warning", "wsgi:app"],
            env, log_dir / "gunicorn.log",
        )  # fmt: skip
        self.workers = [self.start_worker() for _ in range(2)]
        _wait_until_ready(self.port, {self.web: log_dir / "gunicorn.log"})
        self.client = ApiClient(self.port, token, timeout=30)
        self.base = event_path(event.organizer, event.event)
        self.exports_path = f"/api/v1/organizers/{event.organizer}/exports/"

    def start_worker(self, **extra) -> subprocess.Popen:
        name = f"worker-{len(getattr(self, 'workers', []))}.log"
        return self.processes.start(
            [sys.executable, "worker.py"], {**self.env, **extra}, self.log_dir / name
        )

    def run(self, fmt: str = "xlsx") -> str:
        return start(self.client, self.base, "orderlist", {"_format": fmt})[0]

    def status(self, url: str) -> tuple[int, dict]:
        try:
            reply = self.client.request("GET", url)
        except OSError as exc:
            return 0, {"error": type(exc).__name__}
        try:
            return reply.status, reply.json()
        except ValueError:
            return reply.status, {}

    def wait_running(self, url: str) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            status, body = self.status(url)
            if status == 409 and body.get("status") == "running" and (body["percentage"] or 0) > 2:
                return
            time.sleep(0.05)
        raise BenchError(f"{url} never ran")

    def final(self, url: str, timeout: float = 120) -> tuple[int, dict, list[int]]:
        """Poll until the answer is neither 409 nor 503; every status seen on the way."""
        seen, deadline = [], time.monotonic() + timeout
        while time.monotonic() < deadline:
            status, body = self.status(url)
            if not seen or seen[-1] != status:
                seen.append(status)
            if status not in (409, 503, 0):
                return status, body, seen
            time.sleep(0.2)
        return 0, {}, seen

    def next_export_works(self) -> bool:
        try:
            status, _body, _seen = self.final(self.run("fees:default"), timeout=90)
        except (BenchError, OSError):
            return False
        return status == 200

    def workers_alive(self) -> bool:
        return all(worker.poll() is None for worker in self.workers)


def describe(seen: list[int], status: int, body: dict) -> str:
    path = " → ".join(str(s) for s in seen[:-1])
    final = f"{status} {body.get('message') or body.get('detail') or ''}".strip()
    return f"{path} → {final}" if path else final


# The faults --------------------------------------------------------------------------------
def has_work_horse(worker: subprocess.Popen) -> bool:
    """RQ runs a work horse in a process group of its own; the worker's housekeeping
    process stays in the worker's."""
    own_group = os.getpgid(worker.pid)
    return any(os.getpgid(pid) != own_group for pid in child_pids(worker.pid))


def worker_killed(drill: Drill, _ctx) -> Outcome:
    url = drill.run()
    drill.wait_running(url)
    victim = next(w for w in drill.workers if w.poll() is None and has_work_horse(w))
    began = time.monotonic()
    kill_worker_and_horse(victim)
    status, body, seen = drill.final(url)
    seconds = time.monotonic() - began
    drill.workers.remove(victim)
    recovered = drill.next_export_works()
    drill.workers.append(drill.start_worker())
    return Outcome("worker SIGKILLed mid-export", describe(seen, status, body), seconds, recovered)


def dependency_away(fault: str, away, back, seconds_away: float):
    """A fault that takes a dependency away for a while during a running export."""

    def drill_it(drill: Drill, ctx) -> Outcome:
        url = drill.run()
        drill.wait_running(url)
        began = time.monotonic()
        away(ctx)
        during = drill.status(url)[0]
        answered_in = time.monotonic() - began
        time.sleep(max(0.0, seconds_away - answered_in))
        back(ctx)
        status, body, seen = drill.final(url)
        seconds = time.monotonic() - began
        recovered = drill.workers_alive() and drill.next_export_works()
        saw = f"{during} in {answered_in:.1f} s during → {describe(seen, status, body)}"
        return Outcome(fault, saw, seconds, recovered)

    drill_it.__name__ = fault
    return drill_it


def _signal_redis(signum):
    return lambda ctx: os.kill(ctx["redis"].process.pid, signum)


redis_restarted_empty = dependency_away(
    "Redis down 20 s, back empty",
    lambda ctx: ctx["redis"].stop(),
    lambda ctx: ctx["redis"].start(),
    20,
)
redis_hung = dependency_away(
    "Redis hung 20 s (SIGSTOP)", _signal_redis(signal.SIGSTOP), _signal_redis(signal.SIGCONT), 20
)
# Longer than the drill's EXPORT_TIMEOUT: the running export must not outlive it.
database_hung = dependency_away(
    "PostgreSQL hung 30 s mid-export",
    lambda ctx: ctx["proxy"].pause(),
    lambda ctx: ctx["proxy"].resume(),
    30,
)


def malformed_chunked(drill: Drill, _ctx) -> Outcome:
    began = time.monotonic()
    request = (
        f"POST {drill.base}orderlist/run/ HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        f"Authorization: {drill.client.headers['Authorization']}\r\n"
        "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n"
    ).encode()
    with socket.create_connection(("127.0.0.1", drill.port), timeout=10) as sock:
        sock.sendall(request)
        head = sock.recv(200).decode(errors="replace").split("\r\n", 1)[0]
    seconds = time.monotonic() - began
    return Outcome("chunked body with a bad chunk size", head, seconds, drill.next_export_works())


def flood(drill: Drill, _ctx) -> Outcome:
    began = time.monotonic()
    urls, codes = [], []
    for _ in range(21):
        reply = drill.client.request("POST", f"{drill.base}orderlist/run/", {"_format": "xlsx"})
        codes.append(reply.status)
        if reply.status == 202:
            urls.append(urlsplit(reply.json()["download"]).path)
    seconds = time.monotonic() - began
    statuses = [drill.status(url)[1].get("status") for url in urls]
    summary = (
        f"{codes.count(202)} × 202 ({statuses.count('running')} running, "
        f"{statuses.count('waiting')} waiting), then {codes[-1]}"
    )
    for url in urls:
        drill.client.request("DELETE", url)
    return Outcome("21 runs in a row from one token", summary, seconds, drill.next_export_works())


FAULTS = (worker_killed, redis_restarted_empty, redis_hung, database_hung, malformed_chunked, flood)


def table(outcomes: list[Outcome]) -> str:
    lines = [
        "| fault | what the client saw | seconds to a final answer | recovered without a restart |",
        "| --- | --- | --- | --- |",
    ]
    for o in outcomes:
        lines.append(
            f"| {o.fault} | {o.client_saw} | {o.seconds:.1f} | {'yes' if o.recovered else 'no'} |"
        )
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--orders", type=int, default=50000)
    args = parser.parse_args(argv)
    processes = Processes()
    redis = RedisServer()
    proxy = PausableProxy(("127.0.0.1", 5432))
    workdir = Path(tempfile.mkdtemp(prefix="faults-"))
    store = PostgresStore(
        POSTGRES_URL.replace(":5432/", f":{proxy.port}/"), f"faults_{os.getpid()}"
    )
    try:
        redis.start()
        store.reset()
        env = {
            **os.environ,
            "DATABASE_URL": store.url,
            "REDIS_URL": redis.url,
            "EXPORT_DIR": str(workdir / "exports"),
            "INSTANCE_DIR": str(workdir / "instance"),
            "EXPORT_QUEUE": QUEUE,
            # A hung database holds an export until its time limit: keep the drill short.
            "EXPORT_TIMEOUT": "20",
            "PYTHONUNBUFFERED": "1",
        }
        init_store(env)
        event = build_event(store, env, args.orders)
        drill = Drill(env, processes, workdir, event.token, event)
        outcomes = []
        for fault in FAULTS:
            print(f"· {fault.__name__}", file=sys.stderr, flush=True)
            outcomes.append(fault(drill, {"redis": redis, "proxy": proxy}))
        print(table(outcomes))
        return 0 if all(o.recovered for o in outcomes) else 1
    finally:
        processes.stop_all()
        if redis.running():
            redis.stop()
        proxy.resume()
        try:
            with psycopg.connect(POSTGRES_URL, autocommit=True) as connection:
                connection.execute(f"DROP SCHEMA IF EXISTS {store.schema} CASCADE")
        finally:
            proxy.close()


if __name__ == "__main__":
    sys.exit(main())
