"""The housekeeping step that runs schedules, in every worker:

* every ``SCHEDULE_POLL_SECONDS``: claim each due schedule (``claim``) and start its export,
  an ordinary one (``jobs.start_export``) in the name of the token that made the schedule;
* every round: follow the runs whose export has not ended; hand a finished one to a mail
  thread; retry one whose worker died; count a failure against the schedule.

Everything a run needs is in the store, so a run survives the worker that claimed it: a
claim without an export, or a mail left half sent, is taken over after a grace period.
"""

import json
import logging
import threading
import time
from datetime import UTC, datetime, timedelta

from flask import current_app
from marshmallow import ValidationError
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from .. import catalog, files, jobs, records
from ..auth import PermissionDenied, principal_for_token_hash
from ..exporters.base import EMPTY_EXPORT
from ..store import get_session
from ..store.models import Event, Organizer
from ..store.schedules import MAX_ERRORS, ScheduledExport, ScheduleRun
from . import claim, delivery, form_data, links, mailer, rules
from .access import NO_ACCESS

log = logging.getLogger(__name__)

OPEN_STATES = ("claimed", "running", "delivering")
CLAIM_GRACE = timedelta(seconds=30)  # a claim still without an export after this: its worker died
DELIVERY_GRACE = timedelta(minutes=10)  # well past the SMTP timeouts of one delivery
MAX_ATTEMPTS = 3  # exports started for one run whose worker died
TOKEN_GONE = "The API token of this schedule has been revoked."
NOT_RUNNABLE = "The export's parameters are no longer valid: {errors}"

_last_poll = {"at": 0.0}


class RunRefused(Exception):
    """The run cannot start: the text says why, and it counts as a failure."""


def now_utc() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def tend_schedules() -> None:
    """One housekeeping round."""
    session = get_session()
    interval = max(1, int(current_app.config["SCHEDULE_POLL_SECONDS"]))
    if time.monotonic() - _last_poll["at"] >= interval:
        _last_poll["at"] = time.monotonic()
        run_due(session)
    follow_open_runs(session)


# Claiming and starting ----------------------------------------------------------------------
def run_due(session: Session) -> list[int]:
    """Claim and start every due schedule; the ids of the runs this worker claimed."""
    claimed = []
    now = now_utc()
    for schedule_id, due_at in [(s.id, s.schedule_next_run) for s in claim.due(session, now)]:
        try:
            schedule = session.get(ScheduledExport, schedule_id)
            next_at = _next_after(session, schedule, due_at)
            run_id = claim.claim(session, schedule_id, due_at, next_at, now)
            if run_id is not None:
                claimed.append(run_id)
                start_run(session, run_id)
        except Exception:  # one broken schedule must not keep the others from running
            session.rollback()
            log.exception("Scheduled export %s could not be started", schedule_id)
    return claimed


def _zone(session: Session, schedule: ScheduledExport) -> str:
    if schedule.event_id is None:
        return schedule.timezone or "UTC"
    return session.get(Event, schedule.event_id).timezone


def _next_after(session: Session, schedule: ScheduledExport, due_at: datetime):
    """The next run after this one: from now, and never the due time itself again."""
    zone = _zone(session, schedule)
    later = max(datetime.now(UTC), due_at.replace(tzinfo=UTC) + timedelta(seconds=1))
    return rules.next_run(schedule.schedule_rrule, schedule.schedule_rrule_time, zone, later)


def start_run(session: Session, run_id: int) -> None:
    run = session.get(ScheduleRun, run_id)
    schedule = session.get(ScheduledExport, run.schedule_id) if run else None
    if schedule is None:
        return
    try:
        principal, exporter, parameters = prepare(session, schedule)
        started = jobs.start_export(principal, exporter, parameters)
    except RunRefused as exc:
        fail_run(session, run.id, str(exc))
        return
    except jobs.TooManyExports:
        limit = current_app.config["MAX_ACTIVE_EXPORTS_PER_TOKEN"]
        fail_run(session, run.id, f"The token already had {limit} exports waiting or running.")
        return
    run.file_id = started.file_id
    run.state = "running"
    run.attempts += 1
    run.touched = now_utc()
    session.commit()


def prepare(session: Session, schedule: ScheduledExport):
    """The token's rights as they are now, the exporter, and the parameters checked again."""
    principal = principal_for_token_hash(session, schedule.token_hash)
    if principal is None:
        raise RunRefused(TOKEN_GONE)
    organizer = session.get(Organizer, schedule.organizer_id)
    try:
        if schedule.event_id is None:
            context = catalog.organizer_context(session, principal, organizer.slug)
        else:
            event = session.get(Event, schedule.event_id)
            context = catalog.event_context(session, principal, organizer.slug, event.slug)
    except PermissionDenied as exc:
        raise RunRefused(jobs.DENIED) from exc
    try:
        exporter = context.exporter(schedule.export_identifier)
    except catalog.ExporterNotFound as exc:
        raise RunRefused(NO_ACCESS) from exc
    try:
        parameters = form_data.run_parameters(exporter, json.loads(schedule.export_form_data))
    except ValidationError as exc:
        raise RunRefused(NOT_RUNNABLE.format(errors=_flat(exc.messages))) from exc
    return principal, exporter, parameters


def _flat(messages) -> str:
    if isinstance(messages, dict):
        return "; ".join(f"{name}: {_flat(inner)}" for name, inner in messages.items())
    if isinstance(messages, list):
        return " ".join(_flat(inner) for inner in messages)
    return str(messages)


# Following ----------------------------------------------------------------------------------
def follow_open_runs(session: Session) -> None:
    runs = session.scalars(select(ScheduleRun).where(ScheduleRun.state.in_(OPEN_STATES))).all()
    for run in runs:
        try:
            follow(session, run)
        except Exception:
            session.rollback()
            log.exception("Following scheduled export run %s failed", run.id)


def follow(session: Session, run: ScheduleRun) -> None:
    now = now_utc()
    if run.state == "claimed":
        if now - run.touched > CLAIM_GRACE and claim.take_over(
            session, run.id, "claimed", run.touched, now
        ):
            start_run(session, run.id)
        return
    if run.state == "delivering":
        if now - run.touched > DELIVERY_GRACE and claim.take_over(
            session, run.id, "delivering", run.touched, now
        ):
            hand_to_mailer(run.id)
        return
    record = records.load(run.file_id) if run.file_id else None
    if record is None:
        _retry_or_fail(session, run, jobs.INTERNAL_ERROR)
        return
    state = jobs.current_state(record)
    if state.status in ("waiting", "running"):
        return
    if state.status == "finished" or state.message == EMPTY_EXPORT:
        if claim.move(session, run.id, "running", "delivering", now):
            hand_to_mailer(run.id)
        return
    if state.message == jobs.WORKER_LOST:
        _retry_or_fail(session, run, state.message)
        return
    fail_run(session, run.id, state.message or jobs.INTERNAL_ERROR)


def _retry_or_fail(session: Session, run: ScheduleRun, message: str) -> None:
    """An export lost with its worker (or its record): start it again, a few times."""
    if run.attempts >= MAX_ATTEMPTS:
        fail_run(session, run.id, message)
        return
    if claim.move(session, run.id, "running", "claimed", now_utc()):
        log.warning("Run %s of a schedule lost its export (%s); starting it again", run.id, message)
        start_run(session, run.id)


# Ending -------------------------------------------------------------------------------------
def fail_run(session: Session, run_id: int, message: str) -> None:
    """The run failed: record why, count it, and after MAX_ERRORS in a row say so by mail."""
    run = session.get(ScheduleRun, run_id)
    run.state, run.message, run.finished, run.touched = "failed", message, now_utc(), now_utc()
    session.execute(
        update(ScheduledExport)
        .where(ScheduledExport.id == run.schedule_id)
        .values(
            error_counter=ScheduledExport.error_counter + 1,
            error_last_message=message,
        )
        .execution_options(synchronize_session=False)
    )
    session.commit()
    schedule = session.get(ScheduledExport, run.schedule_id)
    session.refresh(schedule)
    log.warning("Scheduled export %s failed (%s): %s", schedule.id, schedule.error_counter, message)
    if schedule.error_counter == MAX_ERRORS:
        try:
            mailer.send(delivery.stopped_mail(schedule, message), delivery.recipients(schedule))
        except mailer.MailFailed as exc:
            log.warning("Could not say that schedule %s stopped: %s", schedule.id, exc)


def succeed_run(session: Session, run_id: int, state: str, record: dict) -> None:
    run = session.get(ScheduleRun, run_id)
    run.state, run.finished, run.touched = state, now_utc(), now_utc()
    run.filename, run.size = record.get("filename"), _int(record.get("size"))
    session.execute(
        update(ScheduledExport)
        .where(ScheduledExport.id == run.schedule_id)
        .values(error_counter=0, error_last_message=None)
        .execution_options(synchronize_session=False)
    )
    session.commit()


def _int(value) -> int | None:
    return int(value) if value not in (None, "") else None


# Mailing ------------------------------------------------------------------------------------
def hand_to_mailer(run_id: int) -> None:
    """Send the mail in a thread of its own, so that a slow mail server never holds up the
    housekeeping of this worker."""
    app = current_app._get_current_object()

    def deliver_in_app() -> None:
        with app.app_context():
            deliver(run_id)

    threading.Thread(target=deliver_in_app, name=f"mail-{run_id}", daemon=True).start()


def deliver(run_id: int) -> None:
    session = get_session()
    run = session.get(ScheduleRun, run_id)
    schedule = session.get(ScheduledExport, run.schedule_id) if run else None
    if schedule is None or run.state != "delivering":
        return
    record = records.load(run.file_id) or {}
    try:
        message, state = _compose(schedule, record)
        mailer.send(message, delivery.recipients(schedule))
    except mailer.MailFailed as exc:
        fail_run(session, run_id, str(exc))
        return
    except Exception:
        log.exception("Scheduled export run %s could not be mailed", run_id)
        fail_run(session, run_id, jobs.INTERNAL_ERROR)
        return
    succeed_run(session, run_id, state, record)


def _compose(schedule: ScheduledExport, record: dict):
    if record.get("state") != "finished":
        return delivery.empty_mail(schedule), "empty"
    if not files.result_exists(record["file_id"]):
        raise mailer.MailFailed("The export's file expired before it could be mailed.")
    if int(record.get("size") or 0) > current_app.config["SCHEDULED_EXPORT_MAX_BYTES"]:
        secret = links.create(record["file_id"])
        url = f"{schedule.base_url.rstrip('/')}/download/{secret}/"
        expires = _expiry_text(record)
        return delivery.link_mail(schedule, record, url, expires), "sent"
    with files.local_copy(record["file_id"]) as path:
        return delivery.result_mail(schedule, record, path), "sent"


def _expiry_text(record: dict) -> str:
    finished = datetime.fromisoformat(record.get("finished") or datetime.now(UTC).isoformat())
    expires = finished + timedelta(seconds=records.ttl_seconds())
    return expires.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
