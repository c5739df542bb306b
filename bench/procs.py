"""The long-running processes of a benchmark run: gunicorn and one RQ worker per backend.

Each runs in a session of its own, so that stopping it stops its children (gunicorn's workers,
RQ's work horse) too; ``Processes.stop_all`` runs on every way out of the benchmark. Short
commands (``demo-data``, the load generator) run with ``subprocess.run``, which kills them if
the benchmark stops while they run.
"""

import contextlib
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
STOP_SECONDS = 10


class BenchError(Exception):
    """A step of the benchmark failed; the message says which step and why."""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def log_tail(path: Path, lines: int = 20) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


class Processes:
    """Every long-running process of a benchmark run, stopped in reverse order of starting."""

    def __init__(self) -> None:
        self._running: list[subprocess.Popen] = []

    def start(self, args: list[str], env: dict, log_path: Path) -> subprocess.Popen:
        with open(log_path, "wb") as log:
            process = subprocess.Popen(
                args,
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self._running.append(process)
        return process

    def stop(self, process: subprocess.Popen) -> None:
        """SIGTERM to the process group, SIGKILL if it is still there after a while."""
        if process in self._running:
            self._running.remove(process)
        if process.poll() is not None:
            return
        try:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=STOP_SECONDS)
        except ProcessLookupError:
            return
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=STOP_SECONDS)

    def stop_all(self) -> None:
        for process in reversed(list(self._running)):
            self.stop(process)


@dataclass
class Stack:
    """The service as a client sees it: gunicorn on a loopback port, one worker behind it."""

    port: int
    web: subprocess.Popen
    worker: subprocess.Popen


def start_stack(processes: Processes, env: dict, log_dir: Path, name: str, threads: int) -> Stack:
    port = free_port()
    web_log, worker_log = log_dir / f"{name}-gunicorn.log", log_dir / f"{name}-worker.log"
    web = processes.start(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "--workers",
            "2",
            "--threads",
            str(threads),
            "--bind",
            f"127.0.0.1:{port}",
            # Long enough that the client's keep-alive connection survives the floor phase.
            "--keep-alive",
            "30",
            "--graceful-timeout",
            "5",
            "--log-level",
            "warning",
            "wsgi:app",
        ],
        env,
        web_log,
    )
    worker = processes.start([sys.executable, "worker.py"], env, worker_log)
    _wait_until_ready(port, {web: web_log, worker: worker_log})
    return Stack(port=port, web=web, worker=worker)


def _wait_until_ready(port: int, logs: dict, timeout: float = 60.0) -> None:
    """Until ``/healthz`` answers 200 and counts a live worker."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for process, log in logs.items():
            if process.poll() is not None:
                raise BenchError(f"{log.name}: the process exited early\n{log_tail(log)}")
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        try:
            connection.request("GET", "/healthz")
            response = connection.getresponse()
            body = response.read()
            if response.status == 200 and (json.loads(body).get("workers") or 0) >= 1:
                return
        except (OSError, http.client.HTTPException, ValueError):
            pass
        finally:
            connection.close()
        time.sleep(0.2)
    raise BenchError(f"the service on port {port} was not ready within {timeout:.0f} s")


def rss_mb(pid: int) -> float:
    return psutil.Process(pid).memory_info().rss / 2**20


class HorseWatch:
    """The processes a worker forks while it runs a job (RQ's work horse): their peak RSS,
    sampled every 50 ms, and their CPU time, counted once the worker has reaped them.

    The worker's children that exist before the job (its scheduler) are left out.
    """

    def __init__(self, worker_pid: int, interval: float = 0.05) -> None:
        self.worker = psutil.Process(worker_pid)
        self.interval = interval
        self.peak_bytes = 0
        self.cpu_seconds: float | None = None
        self._known: set[int] = set()
        self._cpu_before = 0.0
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def __enter__(self) -> "HorseWatch":
        self._known = {child.pid for child in self.worker.children(recursive=True)}
        self._cpu_before = self._reaped_cpu()
        self._thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._stopped.set()
        self._thread.join(timeout=5)
        if exc_info[0] is None and self._wait_reaped():
            self.cpu_seconds = self._reaped_cpu() - self._cpu_before

    @property
    def peak_mb(self) -> float | None:
        return self.peak_bytes / 2**20 if self.peak_bytes else None

    def _reaped_cpu(self) -> float:
        times = self.worker.cpu_times()
        return times.children_user + times.children_system

    def _new_children(self) -> list:
        return [c for c in self.worker.children(recursive=True) if c.pid not in self._known]

    def _wait_reaped(self, timeout: float = 10.0) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if not self._new_children():
                    return True
            except psutil.Error:
                return False
            time.sleep(0.01)
        return False

    def _sample(self) -> None:
        while not self._stopped.wait(self.interval):
            try:
                children = self._new_children()
            except psutil.Error:
                return
            for child in children:
                with contextlib.suppress(psutil.Error):
                    self.peak_bytes = max(self.peak_bytes, child.memory_info().rss)
