"""The export worker process: RQ's forking worker, kept alive through Redis outages, with
the export time limit of its own configuration and housekeeping running beside it."""

import logging
import signal
import threading

from flask import Flask
from redis import Redis
from rq import Queue, Worker
from rq.job import Job

from .housekeeping import Housekeeping
from .part_writers import RUN_EXPORT_PART
from .queue import RUN_EXPORT
from .run import CANCELED_RESULT, warm_up_for_jobs

log = logging.getLogger(__name__)

BACKOFF_FIRST_SECONDS = 1
BACKOFF_MAX_SECONDS = 30


class ExportWorker(Worker):
    """Runs exports with this worker's ``EXPORT_TIMEOUT``: the limit is the operator's
    setting where the work happens, not whatever the web process enqueued with."""

    export_timeout: int = 3600

    def execute_job(self, job: Job, queue: Queue):
        if job.func_name in (RUN_EXPORT, "service.jobs.run_export", RUN_EXPORT_PART):
            job.timeout = self.export_timeout
        return super().execute_job(job, queue)

    def _finalize_success(self, job: Job, queue: Queue, execution, return_value) -> None:
        """RQ logs "Job OK" for every job that returned; a canceled export says so instead."""
        if return_value != CANCELED_RESULT:
            return super()._finalize_success(job, queue, execution, return_value)
        canceled = _SayCanceled()
        self.log.addFilter(canceled)
        try:
            return super()._finalize_success(job, queue, execution, return_value)
        finally:
            self.log.removeFilter(canceled)


class _SayCanceled(logging.Filter):
    """Rewrites RQ's "Job OK" line of one job to "canceled"."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple) and any("Job OK" in str(a) for a in record.args):
            record.args = tuple(
                str(a).replace("Job OK", "canceled") if "Job OK" in str(a) else a
                for a in record.args
            )
        return True


def work(app: Flask, burst: bool = False) -> None:
    """Work until told to stop. Whatever a Redis outage does to RQ's loop (it quits on
    errors it did not expect), a new worker takes over after a backoff, so the next export
    runs without anyone restarting anything."""
    stop = threading.Event()
    with app.app_context():
        warm_up_for_jobs()
    housekeeping = None if burst else Housekeeping(app).start()
    backoff = BACKOFF_FIRST_SECONDS
    try:
        while not stop.is_set():
            worker, worked = None, False
            try:
                worker = _new_worker(app)
                with app.app_context():
                    worked = worker.work(burst=burst, logging_level="INFO")
            except Exception as exc:  # Redis away while RQ starts, registers or signs off
                log.warning("Worker lost Redis: %s", exc)
            if burst or (worker is not None and _told_to_stop(worker)):
                break
            backoff = BACKOFF_FIRST_SECONDS if worked else min(2 * backoff, BACKOFF_MAX_SECONDS)
            log.warning("Worker stopped unexpectedly; starting again in %s s", backoff)
            _wait_unless_stopped(stop, backoff)
    finally:
        if housekeeping is not None:
            housekeeping.stop()


def _told_to_stop(worker: ExportWorker) -> bool:
    """SIGTERM or SIGINT reached RQ's worker (a warm or cold shutdown)."""
    return worker._stop_requested or worker._shutdown_requested_date is not None


def _new_worker(app: Flask) -> ExportWorker:
    # No socket timeout: the worker blocks on Redis while it waits for jobs.
    connection = Redis.from_url(app.config["REDIS_URL"], health_check_interval=30)
    queue = Queue(app.config["EXPORT_QUEUE"], connection=connection)
    worker = ExportWorker([queue], connection=connection)
    worker.export_timeout = int(app.config["EXPORT_TIMEOUT"])
    return worker


def _wait_unless_stopped(stop: threading.Event, seconds: float) -> None:
    """Sleep through a backoff; SIGTERM or SIGINT meanwhile ends the worker."""

    def request_stop(_signum, _frame):
        stop.set()

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    stop.wait(seconds)
