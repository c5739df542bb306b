"""Export jobs: start one, run it in an RQ worker, and tell what became of it.

Each export has a record (a Redis hash that expires with the result) that outlives the RQ
job: who started it, for what, with which parameters, its state, and its file. RQ's job
carries the live progress in ``job.meta["percentage"]``.
"""

import json
import logging
import os
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from flask import current_app, has_app_context
from rq import Queue, get_current_job
from rq.exceptions import NoSuchJobError
from rq.job import Job, JobStatus
from rq.timeouts import JobTimeoutException
from sqlalchemy import select

from . import exporters, files
from .auth import principal_for_token_hash
from .exporters.base import ExportError, ExportScope
from .redis_conn import get_redis
from .store import get_session
from .store.models import Event, Organizer

log = logging.getLogger(__name__)

INTERNAL_ERROR = "Internal error"
TIMED_OUT = "Export took too long."
RECORD_KEY = "export:{file_id}"
TOKEN_INDEX_KEY = "exports-by-token:{token_hash}"
WAITING_STATUSES = {JobStatus.QUEUED, JobStatus.DEFERRED, JobStatus.SCHEDULED, "created"}
ENDED_STATUSES = {JobStatus.FAILED, JobStatus.STOPPED, JobStatus.CANCELED}


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def ttl_seconds() -> int:
    return int(current_app.config["EXPORT_TTL_HOURS"] * 3600)


def get_queue() -> Queue:
    return Queue(current_app.config["EXPORT_QUEUE"], connection=get_redis())


# Records -------------------------------------------------------------------------------
def save_record(file_id: str, **fields) -> None:
    key = RECORD_KEY.format(file_id=file_id)
    redis = get_redis()
    pipe = redis.pipeline()
    fields["file_id"] = file_id
    pipe.hset(key, mapping={k: "" if v is None else str(v) for k, v in fields.items()})
    pipe.expire(key, ttl_seconds())
    pipe.execute()


def load_record(file_id: str) -> dict | None:
    raw = get_redis().hgetall(RECORD_KEY.format(file_id=file_id))
    if not raw:
        return None
    return {k.decode(): v.decode() for k, v in raw.items()}


# Starting --------------------------------------------------------------------------------
@dataclass(frozen=True)
class StartedExport:
    job_id: str
    file_id: str


def start_export(principal, exporter: exporters.BaseExporter, form: dict) -> StartedExport:
    """Record the export and enqueue it; nothing heavy happens here."""
    job_id, file_id = str(uuid.uuid4()), str(uuid.uuid4())
    scope = exporter.scope
    save_record(
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
        created=_now(),
    )
    redis = get_redis()
    index = TOKEN_INDEX_KEY.format(token_hash=principal.token_hash)
    redis.zadd(index, {file_id: time.time()})
    redis.expire(index, ttl_seconds())
    ttl = ttl_seconds()
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
    return StartedExport(job_id=job_id, file_id=file_id)


# Running (in the worker) ---------------------------------------------------------------------
class ProgressPublisher:
    """Writes ``percentage`` to the job's meta when it has risen by a whole percent.

    Rows map to 0..99; 100 is written only once the file is complete.
    """

    def __init__(self, job) -> None:
        self.job = job
        self.published = -1

    def __call__(self, fraction: float) -> None:
        percentage = min(99, int(fraction * 100))
        if percentage > self.published:
            self.publish(percentage)

    def publish(self, percentage: int) -> None:
        self.published = percentage
        if self.job is not None:
            self.job.meta["percentage"] = percentage
            self.job.save_meta()


def _rebuild_scope(session, record: dict) -> tuple[type, ExportScope]:
    """Check the token's rights again: they may have changed since ``run``."""
    principal = principal_for_token_hash(session, record["token_hash"])
    denied = ExportError("You do not have permission to perform this action.")
    exporter_cls = exporters.REGISTRY.get(record["exporter"])
    if principal is None or exporter_cls is None:
        raise denied
    if str(principal.organizer_id) != record["organizer_id"]:
        raise denied
    if not principal.has_permission(exporter_cls.required_permission):
        raise denied
    organizer = session.get(Organizer, principal.organizer_id)
    event_ids = json.loads(record["event_ids"])
    events = session.scalars(
        select(Event).where(Event.id.in_(event_ids)).order_by(Event.slug)
    ).all()
    if len(events) != len(event_ids) or not all(principal.can_see_event(e.id) for e in events):
        raise denied
    event = events[0] if record["event"] else None
    return exporter_cls, ExportScope(organizer=organizer, events=list(events), event=event)


def run_export(file_id: str) -> dict:
    """The RQ job: write the export to disk and record where it is."""
    if has_app_context():
        return _run_export(file_id)
    from . import create_app

    with create_app().app_context():
        return _run_export(file_id)


def _run_export(file_id: str) -> dict:
    record = load_record(file_id)
    if record is None:
        raise ExportError("The export expired before it could run.")
    save_record(file_id, state="running", started=_now())
    job = get_current_job()
    progress = ProgressPublisher(job)
    partial = files.partial_path(file_id)
    try:
        session = get_session()
        exporter_cls, scope = _rebuild_scope(session, record)
        exporter = exporter_cls(session, scope)
        result = exporter.write(json.loads(record["params"]), partial, progress)
        size = os.path.getsize(partial)
        os.replace(partial, files.result_path(file_id))
    except ExportError as exc:
        files.discard(partial)
        save_record(file_id, state="failed", message=str(exc), finished=_now())
        raise
    except JobTimeoutException:
        files.discard(partial)
        save_record(file_id, state="failed", message=TIMED_OUT, finished=_now())
        raise
    except BaseException:
        files.discard(partial)
        log.exception("Export %s (%s) failed", file_id, record.get("exporter"))
        save_record(file_id, state="failed", message=INTERNAL_ERROR, finished=_now())
        raise
    progress.publish(100)
    save_record(
        file_id,
        state="finished",
        finished=_now(),
        filename=result.filename,
        content_type=result.content_type,
        size=size,
    )
    return {"filename": result.filename, "size": size}


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


def current_state(record: dict) -> ExportState:
    if record["state"] == "finished":
        return ExportState("finished", percentage=100)
    if record["state"] == "failed":
        return ExportState("failed", message=record.get("message") or INTERNAL_ERROR)
    job = fetch_job(record["job_id"])
    if job is None:
        return ExportState("failed", message=INTERNAL_ERROR)
    status = job.get_status()
    percentage = (job.get_meta() or {}).get("percentage")
    if status in WAITING_STATUSES:
        return ExportState("waiting", percentage=percentage)
    if status == JobStatus.STARTED:
        return ExportState("running", percentage=percentage)
    if status == JobStatus.FINISHED:
        # The record is written before the job ends; reload in case we raced it.
        fresh = load_record(record["file_id"]) or record
        if fresh["state"] == "finished":
            return ExportState("finished", percentage=100)
        return ExportState("failed", message=fresh.get("message") or INTERNAL_ERROR)
    fresh = load_record(record["file_id"]) or record
    return ExportState("failed", message=fresh.get("message") or INTERNAL_ERROR)


def exports_of_token(token_hash: str) -> list[dict]:
    """The records of the exports a token started and that have not expired, newest first."""
    redis = get_redis()
    index = TOKEN_INDEX_KEY.format(token_hash=token_hash)
    file_ids = [f.decode() for f in redis.zrevrange(index, 0, -1)]
    pipe = redis.pipeline()
    for file_id in file_ids:
        pipe.hgetall(RECORD_KEY.format(file_id=file_id))
    records, expired = [], []
    for file_id, raw in zip(file_ids, pipe.execute(), strict=True):
        if raw:
            records.append({k.decode(): v.decode() for k, v in raw.items()})
        else:
            expired.append(file_id)
    if expired:
        redis.zrem(index, *expired)
    return records
