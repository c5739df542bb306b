"""Running an export in an RQ work horse: write the file, record how it ended, and give
the token's turn to its next waiting export, however the export ends."""

import errno
import json
import logging
import resource
from datetime import UTC, datetime

from flask import has_app_context
from rq.timeouts import JobTimeoutException
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session

from .. import exporters, files, records
from ..auth import principal_for_token_hash
from ..exporters.base import ExportError, ExportScope
from ..exporters.parallel import pieces_left_to_storage
from ..store import get_engine, get_session
from ..store.models import Event, Organizer
from . import counters
from .admission import end_turn
from .messages import (
    DATABASE_UNAVAILABLE,
    DENIED,
    DISK_FULL,
    INTERNAL_ERROR,
    STORAGE_FAILED,
    TIMED_OUT,
)
from .parts import parts_as_jobs
from .progress import ExportCanceled, Heartbeat, publisher_for

log = logging.getLogger(__name__)


# What a job returns when its export was canceled; the worker logs "canceled" for it.
CANCELED_RESULT = {"canceled": True}


def run_export(file_id: str) -> dict | None:
    """The RQ job: write the export, hand it to the storage, and record how it ended."""
    if has_app_context():
        return _run_export(file_id)
    from .. import create_app

    with create_app().app_context():
        return _run_export(file_id)


def _run_export(file_id: str) -> dict | None:
    record = records.load(file_id)
    if record is None:
        return None  # expired, or Redis lost it
    with Heartbeat(file_id):
        if not records.start_running(file_id):
            # Canceled while it waited, or another worker has it.
            return CANCELED_RESULT if _was_canceled(file_id) else None
        try:
            return _write_export(file_id, record)
        finally:
            end_turn(record["token_hash"], file_id)


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
    scope = ExportScope(
        organizer=organizer,
        events=list(events),
        event=event,
        permissions=frozenset(principal.permissions),
    )
    return exporter_cls, scope


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


def _lost_the_database(error: DBAPIError) -> bool:
    """Unreachable, gone away, or past its statement timeout: not a fault of the export."""
    return isinstance(error, OperationalError) or error.connection_invalidated


def _storage_message(error: OSError) -> str:
    return DISK_FULL if error.errno in (errno.ENOSPC, errno.EDQUOT) else STORAGE_FAILED


def _write_export(file_id: str, record: dict) -> dict | None:
    progress = publisher_for(file_id)
    _ensure_export_dir(record)
    partial = files.partial_path(file_id)
    try:
        session = get_session()
        exporter_cls, scope = _rebuild_scope(session, record)
        with pieces_left_to_storage(), parts_as_jobs(file_id, record) as spread:
            exporter = exporter_cls(session, scope)
            result = exporter.write(json.loads(record["params"]), partial, progress)
        ended_fields = {}
        if spread is not None and spread.published is not None:
            size = spread.published
            # Which RQ worker wrote each part.
            ended_fields["parts_by"] = json.dumps(spread.written_by)
        else:
            size = files.publish(file_id)
    except ExportCanceled:
        files.discard_unfinished(file_id)
        return CANCELED_RESULT
    except ExportError as exc:
        _fail(record, str(exc))
        raise
    except JobTimeoutException:
        _fail(record, TIMED_OUT)
        raise
    except OSError as exc:
        log.exception("Export %s could not be written", file_id)
        _fail(record, _storage_message(exc))
        raise ExportError(_storage_message(exc)) from exc
    except DBAPIError as exc:
        if not _lost_the_database(exc):
            log.exception("Export %s (%s) failed", file_id, record.get("exporter"))
            _fail(record, INTERNAL_ERROR)
            raise
        log.warning("Export %s lost the database: %s", file_id, exc)
        _fail(record, DATABASE_UNAVAILABLE)
        raise ExportError(DATABASE_UNAVAILABLE) from exc
    except BaseException:
        log.exception("Export %s (%s) failed", file_id, record.get("exporter"))
        _fail(record, INTERNAL_ERROR)
        raise
    seconds = _seconds_running(file_id)
    try:
        progress.publish(100)
        ended = records.end_once(
            file_id,
            "finished",
            filename=result.filename,
            content_type=result.content_type,
            size=size,
            peak_rss_kb=peak_rss_kb(),
            **ended_fields,
        )
    except ExportCanceled:
        ended = False
    if not ended:
        # Canceled, or given up as lost (a worker frozen too long), while it was being
        # written: the client was told so, and the file must not appear after all.
        files.delete_result(file_id)
        return CANCELED_RESULT
    counters.count_finished(record["exporter"], seconds, size)
    return {"filename": result.filename, "size": size}


def peak_rss_kb() -> int:
    """The most memory this process, or a child it waited for (a worksheet writer), held."""
    return max(
        resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
        resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,
    )


def _was_canceled(file_id: str) -> bool:
    return (records.load(file_id) or {}).get("state") == "canceled"


def _seconds_running(file_id: str) -> float | None:
    """From the moment a worker took the export until now."""
    started = (records.load(file_id) or {}).get("started")
    try:
        return (datetime.now(UTC) - datetime.fromisoformat(started)).total_seconds()
    except (TypeError, ValueError):
        return None


def _ensure_export_dir(record: dict) -> None:
    try:
        files.export_dir()
    except OSError as exc:
        log.exception("The directory for unfinished exports is not usable")
        _fail(record, _storage_message(exc))
        raise ExportError(_storage_message(exc)) from exc


def _fail(record: dict, message: str) -> None:
    file_id = record["file_id"]
    files.discard_unfinished(file_id)
    if records.end_once(file_id, "failed", message=message):
        counters.count_failed(record["exporter"], message)
