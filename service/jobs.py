"""Export jobs: start one, run it in an RQ worker, cancel it, and tell what became of it.

The record (``records``) is the source of truth for how an export ended; RQ's job tells
whether it is still waiting or running, and carries the live ``percentage`` in its meta.
While a job runs it renews a short-lived "alive" key, so an export whose worker was killed
is reported as failed within seconds instead of "running" forever.
"""

import errno
import json
import logging
import os
import resource
import threading
import uuid
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app, has_app_context
from rq import Queue, get_current_job
from rq.exceptions import InvalidJobOperation, NoSuchJobError
from rq.job import Job, JobStatus
from rq.timeouts import JobTimeoutException
from sqlalchemy.orm import Session

from . import exporters, fair_use, files, records
from .auth import principal_for_token_hash
from .exporters.base import ExportError, ExportScope
from .redis_conn import get_redis
from .store import get_engine, get_session
from .store.models import Event, Organizer

log = logging.getLogger(__name__)

INTERNAL_ERROR = "Internal error"
TIMED_OUT = "Export took too long."
CANCELED = "Export canceled."
WORKER_LOST = "The export was interrupted because its worker stopped. Please start it again."
DISK_FULL = "There is not enough disk space to write the export."
STORAGE_FAILED = "The export could not be written to storage."
DENIED = "You do not have permission to perform this action."

ALIVE_KEY = "export-alive:{file_id}"
ALIVE_SECONDS = 15
HEARTBEAT_SECONDS = 5
CLEANUP_JOB_ID = "cleanup-expired-exports"
CLEANUP_EVERY = timedelta(minutes=15)

WAITING_STATUSES = {JobStatus.QUEUED, JobStatus.DEFERRED, JobStatus.SCHEDULED, "created"}
ACTIVE_STATES = {"waiting", "running"}


class TooManyExports(Exception):
    """The token already has its share of exports waiting or running."""


class ExportCanceled(Exception):
    """Raised inside a running export when its record says it was canceled."""


def get_queue() -> Queue:
    return Queue(current_app.config["EXPORT_QUEUE"], connection=get_redis())


# Starting --------------------------------------------------------------------------------
@dataclass(frozen=True)
class StartedExport:
    job_id: str
    file_id: str


def _claim_slot(token_hash: str, file_id: str) -> None:
    if fair_use.claim(token_hash, file_id):
        return
    # A slot may still be held by an export that ended without releasing it (its worker
    # was killed). Exports still waiting, or being started right now, keep theirs.
    for holder in fair_use.holders(token_hash):
        record = records.load(holder)
        if record is None or record["state"] == "waiting":
            continue
        if current_state(record).status not in ACTIVE_STATES:
            fair_use.release(token_hash, holder)
    if not fair_use.claim(token_hash, file_id):
        raise TooManyExports()


def start_export(principal, exporter: exporters.BaseExporter, form: dict) -> StartedExport:
    """Record the export and enqueue it; nothing heavy happens here."""
    job_id, file_id = str(uuid.uuid4()), str(uuid.uuid4())
    _claim_slot(principal.token_hash, file_id)
    scope = exporter.scope
    records.save(
        file_id,
        job_id=job_id,
        token_hash=principal.token_hash,
        organizer_id=scope.organizer.id,
        organizer=scope.organizer.slug,
        event=scope.event.slug if scope.event else "",
        event_ids=json.dumps([e.id for e in scope.events]),
        exporter=exporter.identifier,
        params=json.dumps(form),
        state="waiting",
        created=records.now_iso(),
    )
    records.add_to_token_index(principal.token_hash, file_id)
    ttl = records.ttl_seconds()
    try:
        get_queue().enqueue(
            "service.jobs.run_export",
            file_id,
            job_id=job_id,
            job_timeout=current_app.config["EXPORT_TIMEOUT"],
            result_ttl=ttl,
            failure_ttl=ttl,
            meta={"percentage": None},
            description=f"{exporter.identifier} for {scope.slug}",
        )
    except Exception:
        fair_use.release(principal.token_hash, file_id)
        raise
    return StartedExport(job_id=job_id, file_id=file_id)


# Running (in the worker) -------------------------------------------------------------------
class ProgressPublisher:
    """Writes ``percentage`` to the job's meta when it has risen by a whole percent, and
    stops the export if it was canceled meanwhile.

    Rows map to 0..99; 100 is written only once the file is complete.
    """

    def __init__(self, job, file_id: str) -> None:
        self.job = job
        self.file_id = file_id
        self.published = -1

    def __call__(self, fraction: float) -> None:
        percentage = min(99, int(fraction * 100))
        if percentage > self.published:
            self.publish(percentage)

    def publish(self, percentage: int) -> None:
        record = records.load(self.file_id)
        if record is None or record.get("state") == "canceled":
            raise ExportCanceled()
        self.published = percentage
        if self.job is not None:
            self.job.meta["percentage"] = percentage
            self.job.save_meta()


class Heartbeat:
    """Renews the export's alive key from a background thread while the job runs."""

    def __init__(self, file_id: str) -> None:
        self.key = ALIVE_KEY.format(file_id=file_id)
        self.redis = get_redis()
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._beat, daemon=True)

    def __enter__(self):
        self.redis.set(self.key, "1", ex=ALIVE_SECONDS)
        self.thread.start()
        return self

    def __exit__(self, *exc_info):
        self.stopped.set()
        self.thread.join(timeout=HEARTBEAT_SECONDS)
        self.redis.delete(self.key)

    def _beat(self) -> None:
        while not self.stopped.wait(HEARTBEAT_SECONDS):
            try:
                self.redis.set(self.key, "1", ex=ALIVE_SECONDS)
            except Exception:  # a Redis hiccup must not kill the export
                log.warning("Could not renew %s", self.key, exc_info=True)


def _rebuild_scope(session, record: dict) -> tuple[type, ExportScope]:
    """Check the token's rights again: they may have changed since ``run``."""
    principal = principal_for_token_hash(session, record["token_hash"])
    exporter_cls = exporters.REGISTRY.get(record["exporter"])
    if principal is None or exporter_cls is None:
        raise ExportError(DENIED)
    if str(principal.organizer_id) != record["organizer_id"]:
        raise ExportError(DENIED)
    if not principal.has_permission(exporter_cls.required_permission):
        raise ExportError(DENIED)
    organizer = session.get(Organizer, principal.organizer_id)
    event_ids = json.loads(record["event_ids"])
    events = session.query(Event).filter(Event.id.in_(event_ids)).order_by(Event.slug).all()
    if len(events) != len(event_ids) or not all(principal.can_see_event(e.id) for e in events):
        raise ExportError(DENIED)
    event = events[0] if record["event"] else None
    return exporter_cls, ExportScope(organizer=organizer, events=list(events), event=event)


def warm_up_for_jobs() -> None:
    """Run once in a worker before it forks job processes: SQLAlchemy learns the database's
    dialect and compiles the queries each job starts with, and every job's process inherits
    that instead of spending 10-15 ms on it. No connection is kept: one must never be shared
    across a fork."""
    engine = get_engine()
    try:
        with Session(engine) as session:
            principal_for_token_hash(session, "0" * 64)
            session.get(Organizer, 0)
            session.query(Event).filter(Event.id.in_([0])).order_by(Event.slug).all()
    except Exception:  # the store may be down now; jobs will say so when they run
        log.warning("Could not prepare the store for export jobs", exc_info=True)
    finally:
        engine.dispose()


def run_export(file_id: str) -> dict | None:
    """The RQ job: write the export to disk and record where it is."""
    if has_app_context():
        return _run_export(file_id)
    from . import create_app

    with create_app().app_context():
        return _run_export(file_id)


def _storage_message(error: OSError) -> str:
    return DISK_FULL if error.errno in (errno.ENOSPC, errno.EDQUOT) else STORAGE_FAILED


def _run_export(file_id: str) -> dict | None:
    record = records.load(file_id)
    if record is None or record["state"] != "waiting":
        return None  # expired or canceled while it waited
    try:
        with Heartbeat(file_id):
            records.save(file_id, state="running", started=records.now_iso())
            return _write_export(file_id, record)
    finally:
        fair_use.release(record["token_hash"], file_id)


def _write_export(file_id: str, record: dict) -> dict | None:
    progress = ProgressPublisher(get_current_job(), file_id)
    _ensure_export_dir(file_id)
    partial = files.partial_path(file_id)
    try:
        session = get_session()
        exporter_cls, scope = _rebuild_scope(session, record)
        result = exporter_cls(session, scope).write(json.loads(record["params"]), partial, progress)
        size = os.path.getsize(partial)
        os.replace(partial, files.result_path(file_id))
    except ExportCanceled:
        files.discard(partial)
        return None
    except ExportError as exc:
        _fail(file_id, partial, str(exc))
        raise
    except JobTimeoutException:
        _fail(file_id, partial, TIMED_OUT)
        raise
    except OSError as exc:
        log.exception("Export %s could not be written", file_id)
        _fail(file_id, partial, _storage_message(exc))
        raise ExportError(_storage_message(exc)) from exc
    except BaseException:
        log.exception("Export %s (%s) failed", file_id, record.get("exporter"))
        _fail(file_id, partial, INTERNAL_ERROR)
        raise
    progress.publish(100)
    records.save(
        file_id,
        state="finished",
        finished=records.now_iso(),
        filename=result.filename,
        content_type=result.content_type,
        size=size,
        peak_rss_kb=peak_rss_kb(),
    )
    return {"filename": result.filename, "size": size}


def peak_rss_kb() -> int:
    """The most memory this process, or a child it waited for (a worksheet writer), held."""
    return max(
        resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
        resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,
    )


def _ensure_export_dir(file_id: str) -> None:
    try:
        files.export_dir()
    except OSError as exc:
        log.exception("EXPORT_DIR is not usable")
        _fail(file_id, None, _storage_message(exc))
        raise ExportError(_storage_message(exc)) from exc


def _fail(file_id: str, partial, message: str) -> None:
    if partial is not None:
        files.discard(partial)
    records.save(file_id, state="failed", message=message, finished=records.now_iso())


# Canceling ------------------------------------------------------------------------------
def cancel_export(record: dict) -> None:
    """Stop a waiting or running export; remove the file of a finished one."""
    file_id = record["file_id"]
    state = current_state(record)
    if state.status == "finished":
        files.discard(files.result_path(file_id))
        get_redis().delete(records.RECORD_KEY.format(file_id=file_id))
        return
    if state.status not in ACTIVE_STATES:
        return
    records.save(file_id, state="canceled", message=CANCELED, finished=records.now_iso())
    fair_use.release(record["token_hash"], file_id)
    job = fetch_job(record["job_id"])
    if job is not None and job.get_status() in WAITING_STATUSES:
        try:
            job.cancel()
        except InvalidJobOperation:
            pass  # it started meanwhile; the running job sees the record and stops
    # A running job notices the canceled record at its next progress step and removes its
    # partial file itself.


# Reporting ------------------------------------------------------------------------------
@dataclass(frozen=True)
class ExportState:
    """What a client is told: waiting/running (with percentage), finished, or failed."""

    status: str
    percentage: float | None = None
    message: str | None = None


def fetch_job(job_id: str) -> Job | None:
    try:
        return Job.fetch(job_id, connection=get_redis())
    except NoSuchJobError:
        return None


def _ended(record: dict) -> ExportState | None:
    if record["state"] == "finished":
        return ExportState("finished", percentage=100)
    if record["state"] in ("failed", "canceled"):
        return ExportState("failed", message=record.get("message") or INTERNAL_ERROR)
    return None


def _lost(record: dict, message: str) -> ExportState:
    """The job died without recording how it ended: say so, and clean up after it."""
    fresh = records.load(record["file_id"]) or record
    ended = _ended(fresh)
    if ended is not None:
        return ended
    files.discard_unfinished(record["file_id"])
    fair_use.release(record["token_hash"], record["file_id"])
    records.save(record["file_id"], state="failed", message=message, finished=records.now_iso())
    return ExportState("failed", message=message)


def current_state(record: dict) -> ExportState:
    ended = _ended(record)
    if ended is not None:
        return ended
    job = fetch_job(record["job_id"])
    if job is None:
        return _lost(record, INTERNAL_ERROR)
    status = job.get_status()
    percentage = (job.get_meta() or {}).get("percentage")
    if status in WAITING_STATUSES:
        return ExportState("waiting", percentage=percentage)
    if status == JobStatus.STARTED:
        alive = get_redis().exists(ALIVE_KEY.format(file_id=record["file_id"]))
        if record["state"] == "running" and not alive:
            return _lost(record, WORKER_LOST)
        return ExportState("running", percentage=percentage)
    if status == JobStatus.FINISHED:
        return _ended(records.load(record["file_id"]) or record) or _lost(record, INTERNAL_ERROR)
    return _lost(record, WORKER_LOST)


def state_of_record(record: dict) -> ExportState:
    """Like ``current_state``, but a finished export whose file is gone reads "expired"."""
    state = current_state(record)
    if state.status == "finished" and not files.result_path(record["file_id"]).is_file():
        return ExportState("expired")
    return state


# Housekeeping (runs on the workers' scheduler) ------------------------------------------------
def cleanup_expired_exports() -> int:
    """Delete result files past their TTL and partial files of long-dead jobs; reschedule."""
    max_partial_age = 2 * int(current_app.config["EXPORT_TIMEOUT"]) + 600
    removed = files.remove_expired(records.ttl_seconds(), partial_max_age=max_partial_age)
    schedule_cleanup(get_queue(), force=True)
    return removed


def schedule_cleanup(queue: Queue, force: bool = False) -> None:
    """Keep one cleanup job scheduled; called by every worker at start."""
    if not force and Job.exists(CLEANUP_JOB_ID, connection=queue.connection):
        return
    queue.enqueue_in(
        CLEANUP_EVERY,
        "service.jobs.run_cleanup",
        job_id=CLEANUP_JOB_ID,
        result_ttl=60,
        failure_ttl=int(CLEANUP_EVERY.total_seconds()),
    )


def run_cleanup() -> int:
    if has_app_context():
        return cleanup_expired_exports()
    from . import create_app

    with create_app().app_context():
        return cleanup_expired_exports()


def exports_of_token(token_hash: str) -> list[dict]:
    """The records of the exports a token started and that have not expired, newest first."""
    return records.of_token(token_hash)
