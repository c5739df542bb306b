"""pretix's ``scheduled_exports`` endpoints, at event and at organizer level.

Team tokens may create schedules (pretix requires a user); ``owner`` is the team's name. A
token sees and changes the schedules here whose exporter it could run itself.
"""

from flask import Response, request
from marshmallow import ValidationError

from ..catalog import ExportContext
from ..schedules import access, editing, validation
from ..store.schedules import ScheduledExport
from . import Blueprint
from .context import event_context, organizer_context
from .errors import ApiError
from .exporters import read_body
from .pagination import paginate
from .scheduled_export_schemas import (
    EventSchedulePageSchema,
    EventScheduleSchema,
    OrganizerSchedulePageSchema,
    OrganizerScheduleSchema,
    request_body,
)
from .schemas import VALIDATION_ERRORS, DetailSchema

blp = Blueprint(
    "scheduled_exports",
    __name__,
    url_prefix="/api/v1/organizers/<organizer>",
    description="Exports run on a schedule and sent by mail.",
)

EVENT = "/events/<event>/scheduled_exports/"
ORGANIZER = "/scheduled_exports/"
ORDERINGS = ("id", "export_identifier", "schedule_next_run")
NOT_FOUND = {
    True: "No ScheduledEventExport matches the given query.",
    False: "No ScheduledOrganizerExport matches the given query.",
}
COMMON_ERRORS = (
    (401, "Authentication failure"),
    (403, "Does not exist or no permission, or an exporter this token may not use"),
    (503, "Redis or the database is unavailable; retry after Retry-After seconds"),
)
BODY_ERRORS = (
    (400, "Invalid fields: {field: [messages]}, export_form_data's nested by parameter"),
    (413, "Request body too large"),
    (415, "A body that is not application/json"),
)


def documented(*codes):
    def decorate(view):
        for code, text in COMMON_ERRORS + codes:
            schema = VALIDATION_ERRORS if code == 400 else DetailSchema
            view = blp.alt_response(code, schema=schema, description=text)(view)
        return view

    return decorate


# Shared implementations ------------------------------------------------------------------
def represent(row: ScheduledExport, event_level: bool) -> dict:
    """The stored fields in pretix's order, with the read-only ones; ``timezone`` only at
    organizer level."""
    fields = access.fields_of(row)
    timezone = fields.pop("timezone")
    body = {"id": row.id, "owner": row.owner, **fields}
    body["schedule_rrule_time"] = row.schedule_rrule_time.isoformat()
    body["schedule_next_run"] = editing.next_run_text(row)
    if not event_level:
        body["timezone"] = timezone
    body["error_counter"] = row.error_counter
    return body


def _ordered(rows: list[ScheduledExport]) -> list[ScheduledExport]:
    """``?ordering=`` as pretix's filter: one of ORDERINGS, ``-`` for descending; a null
    next run sorts first. Anything else keeps the order by id."""
    wanted = request.args.get("ordering", "").split(",")[0].strip()
    name = wanted.removeprefix("-")
    if name not in ORDERINGS:
        return rows
    if name == "schedule_next_run":

        def key(row):
            when = row.schedule_next_run
            return (when is not None, when.isoformat() if when else "", row.id)
    else:

        def key(row):
            return (getattr(row, name), row.id)

    return sorted(rows, key=key, reverse=wanted.startswith("-"))


def list_schedules(context: ExportContext) -> dict:
    rows = _ordered(access.visible(context))
    page = paginate(rows)
    page["results"] = [represent(row, context.is_event_level) for row in page["results"]]
    return page


def _find(context: ExportContext, schedule_id: int) -> ScheduledExport:
    try:
        row = access.find(context, schedule_id)
    except access.NoAccess as exc:
        raise ApiError(403, {"detail": access.NO_ACCESS}) from exc
    if row is None:
        raise ApiError(404, {"detail": NOT_FOUND[context.is_event_level]})
    return row


def _validated(context: ExportContext, current: dict | None = None) -> dict:
    data = read_body()
    try:
        return validation.validate(context, data, current)
    except ValidationError as exc:
        raise ApiError(400, exc.messages) from exc


def create(context: ExportContext):
    cleaned = _validated(context)
    row = editing.create(context, cleaned, request.url_root)
    return represent(row, context.is_event_level), 201


def show(context: ExportContext, schedule_id: int) -> dict:
    return represent(_find(context, schedule_id), context.is_event_level)


def change(context: ExportContext, schedule_id: int, partial: bool) -> dict:
    row = _find(context, schedule_id)
    cleaned = _validated(context, access.fields_of(row) if partial else None)
    editing.update(row, context, cleaned, request.url_root)
    return represent(row, context.is_event_level)


def remove(context: ExportContext, schedule_id: int):
    editing.delete(_find(context, schedule_id), context)
    return Response(status=204)


# Event level ------------------------------------------------------------------------------
@blp.route(EVENT, methods=["GET"])
@blp.response(200, EventSchedulePageSchema)
@documented((404, "Invalid page"))
def event_schedules(organizer: str, event: str):
    """List the scheduled exports of an event"""
    return list_schedules(event_context(organizer, event))


@blp.route(EVENT, methods=["POST"])
@blp.response(201, EventScheduleSchema)
@documented(*BODY_ERRORS)
@blp.doc(requestBody=request_body(True, partial=False))
def event_schedule_create(organizer: str, event: str):
    """Schedule an export of an event"""
    return create(event_context(organizer, event))


@blp.route(f"{EVENT}<int:schedule_id>/", methods=["GET"])
@blp.response(200, EventScheduleSchema)
@documented((404, "Unknown schedule"))
def event_schedule(organizer: str, event: str, schedule_id: int):
    """Show a scheduled export of an event"""
    return show(event_context(organizer, event), schedule_id)


@blp.route(f"{EVENT}<int:schedule_id>/", methods=["PUT"])
@blp.response(200, EventScheduleSchema)
@documented((404, "Unknown schedule"), *BODY_ERRORS)
@blp.doc(requestBody=request_body(True, partial=False))
def event_schedule_replace(organizer: str, event: str, schedule_id: int):
    """Replace a scheduled export of an event (resets its error counter)"""
    return change(event_context(organizer, event), schedule_id, partial=False)


@blp.route(f"{EVENT}<int:schedule_id>/", methods=["PATCH"])
@blp.response(200, EventScheduleSchema)
@documented((404, "Unknown schedule"), *BODY_ERRORS)
@blp.doc(requestBody=request_body(True, partial=True))
def event_schedule_update(organizer: str, event: str, schedule_id: int):
    """Change the named fields of a scheduled export of an event (resets its error counter)"""
    return change(event_context(organizer, event), schedule_id, partial=True)


@blp.route(f"{EVENT}<int:schedule_id>/", methods=["DELETE"])
@blp.response(204)
@documented((404, "Unknown schedule"))
def event_schedule_delete(organizer: str, event: str, schedule_id: int):
    """Delete a scheduled export of an event"""
    return remove(event_context(organizer, event), schedule_id)


# Organizer level --------------------------------------------------------------------------
@blp.route(ORGANIZER, methods=["GET"])
@blp.response(200, OrganizerSchedulePageSchema)
@documented((404, "Invalid page"))
def organizer_schedules(organizer: str):
    """List the organizer-level scheduled exports"""
    return list_schedules(organizer_context(organizer))


@blp.route(ORGANIZER, methods=["POST"])
@blp.response(201, OrganizerScheduleSchema)
@documented(*BODY_ERRORS)
@blp.doc(requestBody=request_body(False, partial=False))
def organizer_schedule_create(organizer: str):
    """Schedule an organizer-level export"""
    return create(organizer_context(organizer))


@blp.route(f"{ORGANIZER}<int:schedule_id>/", methods=["GET"])
@blp.response(200, OrganizerScheduleSchema)
@documented((404, "Unknown schedule"))
def organizer_schedule(organizer: str, schedule_id: int):
    """Show an organizer-level scheduled export"""
    return show(organizer_context(organizer), schedule_id)


@blp.route(f"{ORGANIZER}<int:schedule_id>/", methods=["PUT"])
@blp.response(200, OrganizerScheduleSchema)
@documented((404, "Unknown schedule"), *BODY_ERRORS)
@blp.doc(requestBody=request_body(False, partial=False))
def organizer_schedule_replace(organizer: str, schedule_id: int):
    """Replace an organizer-level scheduled export (resets its error counter)"""
    return change(organizer_context(organizer), schedule_id, partial=False)


@blp.route(f"{ORGANIZER}<int:schedule_id>/", methods=["PATCH"])
@blp.response(200, OrganizerScheduleSchema)
@documented((404, "Unknown schedule"), *BODY_ERRORS)
@blp.doc(requestBody=request_body(False, partial=True))
def organizer_schedule_update(organizer: str, schedule_id: int):
    """Change the named fields of an organizer-level scheduled export"""
    return change(organizer_context(organizer), schedule_id, partial=True)


@blp.route(f"{ORGANIZER}<int:schedule_id>/", methods=["DELETE"])
@blp.response(204)
@documented((404, "Unknown schedule"))
def organizer_schedule_delete(organizer: str, schedule_id: int):
    """Delete an organizer-level scheduled export"""
    return remove(organizer_context(organizer), schedule_id)
