"""Saving schedules, for the API and the pages alike: every change resets the error counter
and computes the next run again."""

import json
from datetime import UTC, datetime

from sqlalchemy.orm import Session

from ..catalog import ExportContext
from ..store.models import Team
from ..store.schedules import ScheduledExport
from . import rules


def zone_of(context: ExportContext, timezone: str | None) -> str:
    """The event's time zone, or the schedule's own at organizer level."""
    event = context.scope.event
    return event.timezone if event is not None else (timezone or "UTC")


def _apply(row: ScheduledExport, context: ExportContext, cleaned: dict, base_url: str) -> None:
    row.export_identifier = cleaned["export_identifier"]
    row.export_form_data = json.dumps(cleaned["export_form_data"])
    for name in (
        "locale",
        "mail_additional_recipients",
        "mail_additional_recipients_cc",
        "mail_additional_recipients_bcc",
        "mail_subject",
        "mail_template",
        "schedule_rrule",
        "schedule_rrule_time",
    ):
        setattr(row, name, cleaned[name])
    row.timezone = None if context.is_event_level else cleaned["timezone"]
    row.base_url = base_url
    reset(row, context)


def reset(row: ScheduledExport, context: ExportContext) -> None:
    """After any change: no errors counted, and the next run from now."""
    row.error_counter = 0
    row.error_last_message = None
    row.schedule_next_run = rules.next_run(
        row.schedule_rrule, row.schedule_rrule_time, zone_of(context, row.timezone)
    )


def create(context: ExportContext, cleaned: dict, base_url: str) -> ScheduledExport:
    session: Session = context.session
    principal = context.principal
    team = session.get(Team, principal.team_id)
    scope = context.scope
    row = ScheduledExport(
        organizer_id=scope.organizer.id,
        event_id=scope.event.id if scope.event is not None else None,
        owner=team.name if team is not None else "",
        token_hash=principal.token_hash,
    )
    _apply(row, context, cleaned, base_url)
    session.add(row)
    session.commit()
    return row


def update(row: ScheduledExport, context: ExportContext, cleaned: dict, base_url: str) -> None:
    _apply(row, context, cleaned, base_url)
    context.session.commit()


def set_paused(row: ScheduledExport, context: ExportContext, paused: bool) -> None:
    row.paused = paused
    reset(row, context)
    context.session.commit()


def delete(row: ScheduledExport, context: ExportContext) -> None:
    from ..store.schedules import ScheduleRun

    context.session.query(ScheduleRun).filter(ScheduleRun.schedule_id == row.id).delete()
    context.session.delete(row)
    context.session.commit()


def next_run_text(row: ScheduledExport) -> str | None:
    """``schedule_next_run`` as pretix writes it: UTC with a ``Z``."""
    if row.schedule_next_run is None:
        return None
    return row.schedule_next_run.replace(tzinfo=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def now_utc() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)
