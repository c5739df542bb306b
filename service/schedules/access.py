"""Which schedules a token sees and may change: those of its organizer (and of an event it
may see) whose exporter it could run itself. Team tokens are not users, so every team of
the organizer shares them, as pretix's team tokens do."""

import json

from sqlalchemy import select

from ..catalog import ExportContext, ExporterNotFound
from ..store.schedules import ScheduledExport

NO_ACCESS = "No access to exporter."


class NoAccess(Exception):
    """403: the schedule's exporter is one this token may not use."""


def may_use(context: ExportContext, identifier: str) -> bool:
    try:
        context.exporter(identifier)
    except ExporterNotFound:
        return False
    return True


def _where(context: ExportContext):
    scope = context.scope
    event_id = scope.event.id if scope.event is not None else None
    condition = ScheduledExport.organizer_id == scope.organizer.id
    if event_id is None:
        return condition & ScheduledExport.event_id.is_(None)
    return condition & (ScheduledExport.event_id == event_id)


def visible(context: ExportContext) -> list[ScheduledExport]:
    """The schedules at this event (or organizer level) the token could run, by id."""
    rows = context.session.scalars(select(ScheduledExport).where(_where(context)))
    usable = {}
    found = []
    for row in rows:
        if row.export_identifier not in usable:
            usable[row.export_identifier] = may_use(context, row.export_identifier)
        if usable[row.export_identifier]:
            found.append(row)
    return sorted(found, key=lambda row: row.id)


def find(context: ExportContext, schedule_id: int) -> ScheduledExport | None:
    """The schedule with this id here, or None; NoAccess if its exporter is not usable."""
    if not 0 < schedule_id < 2**63:
        return None  # beyond any id, and beyond what the database's integers hold
    row = context.session.scalars(
        select(ScheduledExport).where(_where(context), ScheduledExport.id == schedule_id)
    ).first()
    if row is not None and not may_use(context, row.export_identifier):
        raise NoAccess()
    return row


def fields_of(row: ScheduledExport) -> dict:
    """The stored fields, as ``validation.validate`` takes them for a partial update."""
    return {
        "export_identifier": row.export_identifier,
        "export_form_data": json.loads(row.export_form_data),
        "locale": row.locale,
        "mail_additional_recipients": row.mail_additional_recipients,
        "mail_additional_recipients_cc": row.mail_additional_recipients_cc,
        "mail_additional_recipients_bcc": row.mail_additional_recipients_bcc,
        "mail_subject": row.mail_subject,
        "mail_template": row.mail_template,
        "schedule_rrule": row.schedule_rrule,
        "schedule_rrule_time": row.schedule_rrule_time,
        "timezone": row.timezone,
    }
