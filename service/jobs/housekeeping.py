"""Housekeeping that runs beside every worker, in a process of its own, so it cannot drop itself:

* presence: each worker says every few seconds that it is alive (``/healthz`` counts these);
* lines: exports whose worker died are ended and the token's next ones admitted, and an
  admitted export that never reached the queue is put there;
* cleanup: every ``CLEANUP_INTERVAL_SECONDS`` one worker of the fleet deletes expired
  results and the partial files of exports that no longer run, and each worker the partial
  files in its own scratch directory (on other hosts than the one that cleans up);
* schedules: due scheduled exports are claimed and started, and finished ones mailed
  (``service.schedules.runner``).

Each step survives Redis or disk failures: it logs them and tries again next round.
"""

import logging
import multiprocessing
import os
import signal
import socket
import threading
import time
import uuid

from flask import Flask, current_app

from .. import files, records
from ..redis_conn import get_redis
from ..schedules.runner import tend_schedules
from . import line
from .admission import end_turn
from .progress import ALIVE_SECONDS, HEARTBEAT_SECONDS, is_alive
from .queue import enqueue_created
from .state import ACTIVE_STATES, current_state

WORKERS_KEY = "export-workers"  # sorted set: worker name → last time it said it was alive
WORKER_FRESH_SECONDS = 3 * HEARTBEAT_SECONDS
CLEANUP_LOCK_KEY = "export-cleanup:lock"
CLEANUP_STATS_KEY = "export-cleanup:stats"
SCHEDULES_ROUND_KEY = "export-schedules:last-round"  # when a worker last tended schedules
# An admitted export put on the queue by whoever admitted it; if that process died before
# it could, housekeeping does it after this long.
ADMITTED_GRACE_SECONDS = 30

log = logging.getLogger(__name__)


# Presence ---------------------------------------------------------------------------------
def say_alive(name: str) -> None:
    get_redis().zadd(WORKERS_KEY, {name: time.time()})


def say_gone(name: str) -> None:
    get_redis().zrem(WORKERS_KEY, name)


def live_workers() -> int:
    """Workers that said they were alive within the last few heartbeats."""
    redis = get_redis()
    now = time.time()
    redis.zremrangebyscore(WORKERS_KEY, "-inf", now - 24 * 3600)
    return int(redis.zcount(WORKERS_KEY, now - WORKER_FRESH_SECONDS, "+inf"))


# Lines ------------------------------------------------------------------------------------
def tend_lines() -> None:
    """End exports whose worker died, and let each token's next exports in."""
    now = time.time()
    for token_hash in line.tokens():
        for file_id, admitted_at in line.admitted(token_hash):
            record = records.load(file_id)
            if record is None:
                end_turn(token_hash, file_id)
                continue
            state = current_state(record)  # ends it if its worker died
            if state.status not in ACTIVE_STATES:
                end_turn(token_hash, file_id)
            elif state.status == "waiting" and now - admitted_at > ADMITTED_GRACE_SECONDS:
                enqueue_created(record["job_id"])
        for file_id in line.waiting(token_hash):
            if records.load(file_id) is None:
                end_turn(token_hash, file_id)
        end_turn(token_hash)


# Cleanup ----------------------------------------------------------------------------------
def cleanup_expired_exports() -> int:
    """Delete result files past their TTL and the parts of exports that no longer run."""
    removed = files.remove_expired(
        records.ttl_seconds(), is_running=is_alive, partial_grace_seconds=2 * ALIVE_SECONDS
    )
    redis = get_redis()
    pipe = redis.pipeline()
    pipe.hincrby(CLEANUP_STATS_KEY, "runs", 1)
    pipe.hincrby(CLEANUP_STATS_KEY, "removed", removed)
    pipe.hset(CLEANUP_STATS_KEY, "last_run", records.now_iso())
    pipe.execute()
    return removed


def cleanup_if_due(name: str) -> bool:
    """Run the cleanup if no worker of the fleet has within the interval."""
    interval = max(1, int(current_app.config["CLEANUP_INTERVAL_SECONDS"]))
    if not get_redis().set(CLEANUP_LOCK_KEY, name, nx=True, ex=interval):
        return False
    cleanup_expired_exports()
    return True


# Schedules --------------------------------------------------------------------------------
def tend_schedules_and_say_so() -> None:
    """Tend the schedules, and note when, so that the operator page can tell a stalled
    scheduler from an idle one."""
    tend_schedules()
    get_redis().set(SCHEDULES_ROUND_KEY, records.now_iso())


def sweep_own_scratch() -> int:
    """This host's partial files of exports that no longer run."""
    return files.remove_abandoned_partials(is_alive, 2 * ALIVE_SECONDS)


# The loop ---------------------------------------------------------------------------------
def worker_name() -> str:
    """Host name and pid say where a worker runs, but need not tell two workers apart: in
    containers that share the host's name (host networking), each worker may be pid 1 of its
    own pid namespace. A random part keeps their presence apart."""
    return f"{socket.gethostname()}.{os.getpid()}.{uuid.uuid4().hex[:8]}"


class Housekeeping:
    """A process of its own beside the worker. The worker forks a work horse for each job,
    and a fork while one of its threads holds a lock (SQLAlchemy's, a connection pool's)
    would leave the horse waiting for that lock forever; a spawned process shares no lock
    and no connection with the worker. It ends with the worker, however the worker ends."""

    def __init__(self, app: Flask) -> None:
        self.name = worker_name()
        context = multiprocessing.get_context("spawn")
        self.process = context.Process(
            target=run_housekeeping, args=(self.name, os.getpid()), name="housekeeping"
        )

    def start(self) -> "Housekeeping":
        self.process.start()
        return self

    def stop(self) -> None:
        if self.process.is_alive():
            self.process.terminate()  # SIGTERM: it finishes its round and signs off
            self.process.join(timeout=HEARTBEAT_SECONDS + 10)
        if self.process.is_alive():
            self.process.kill()
            self.process.join()


def run_housekeeping(name: str, worker_pid: int) -> None:
    """The housekeeping process: rounds until SIGTERM, or until its worker is gone."""
    from .. import create_app

    app = create_app()
    Rounds(app, name, worker_pid).run()


class Rounds:
    """What the housekeeping process does every few seconds."""

    def __init__(self, app: Flask, name: str, worker_pid: int) -> None:
        self.app = app
        self.name = name
        self.worker_pid = worker_pid
        # A short cleanup or schedule interval (tests use one second) makes the rounds that
        # short too.
        self.interval = min(
            HEARTBEAT_SECONDS,
            max(1, int(app.config["CLEANUP_INTERVAL_SECONDS"])),
            max(1, int(app.config["SCHEDULE_POLL_SECONDS"])),
        )
        self.next_sweep = 0.0
        self.stopped = threading.Event()

    def run(self) -> None:
        signal.signal(signal.SIGTERM, lambda _signum, _frame: self.stopped.set())
        signal.signal(signal.SIGINT, lambda _signum, _frame: self.stopped.set())
        while not self.stopped.is_set() and os.getppid() == self.worker_pid:
            self._round()
            self.stopped.wait(self.interval)
        with self.app.app_context():
            try:
                say_gone(self.name)
            except Exception:
                log.warning("Could not sign off %s", self.name, exc_info=True)

    def _round(self) -> None:
        with self.app.app_context():
            steps = (
                lambda: say_alive(self.name),
                tend_lines,
                lambda: cleanup_if_due(self.name),
                self._sweep_if_due,
                tend_schedules_and_say_so,
            )
            for step in steps:
                try:
                    step()
                except Exception as exc:  # Redis or disk away: try again next round
                    log.warning("Housekeeping step failed: %s", exc)

    def _sweep_if_due(self) -> None:
        if time.monotonic() >= self.next_sweep:
            self.next_sweep = time.monotonic() + int(self.app.config["CLEANUP_INTERVAL_SECONDS"])
            sweep_own_scratch()
