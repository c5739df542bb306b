"""The pages of scheduled exports: the schedules the token sees with their next run and last
runs, and forms to create, edit, pause and delete them. They validate and save exactly as
the API does (``schedules.validation`` and ``schedules.editing``)."""

import json

from flask import abort, flash, g, redirect, render_template, request, url_for
from marshmallow import ValidationError
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from .. import catalog
from ..auth import PermissionDenied, resolve_organizer, visible_events
from ..schedules import access, editing, validation
from ..store import get_session
from ..store.models import Event
from ..store.schedules import MAX_ERRORS, ScheduledExport, ScheduleRun
from . import forms, schedule_forms, schedule_picker
from .blueprint import blp
from .session_auth import signed_in

LIST = "/organizers/<organizer>/schedules/"
EVENT_NEW = "/organizers/<organizer>/events/<event>/schedules/new"
ORGANIZER_NEW = "/organizers/<organizer>/schedules/new"
ONE = "/organizers/<organizer>/schedules/<int:schedule_id>/"
LAST_RUNS = 5


def _event_context(organizer: str, event: str) -> catalog.ExportContext:
    try:
        return catalog.event_context(get_session(), g.principal, organizer, event)
    except PermissionDenied:
        abort(403)


def _organizer_context(organizer: str) -> catalog.ExportContext:
    try:
        return catalog.organizer_context(get_session(), g.principal, organizer)
    except PermissionDenied:
        abort(403)


def _context_of(organizer: str, schedule_id: int) -> tuple[catalog.ExportContext, ScheduledExport]:
    """The schedule and its context, if the token may see and run it; else 404 or 403."""
    try:
        resolve_organizer(g.principal, organizer)
    except PermissionDenied:
        abort(403)
    session = get_session()
    row = session.get(ScheduledExport, schedule_id) if 0 < schedule_id < 2**63 else None
    if row is None or row.organizer_id != g.principal.organizer_id:
        abort(404)
    if row.event_id is None:
        context = _organizer_context(organizer)
    else:
        event = session.get(Event, row.event_id)
        context = _event_context(organizer, event.slug)
    try:
        access.find(context, row.id)
    except access.NoAccess:
        abort(403)
    return context, row


def _last_runs(schedule_ids: list[int]) -> dict[int, list[ScheduleRun]]:
    found: dict[int, list[ScheduleRun]] = {i: [] for i in schedule_ids}
    if not schedule_ids:
        return found
    query = (
        select(ScheduleRun)
        .where(ScheduleRun.schedule_id.in_(schedule_ids))
        .order_by(ScheduleRun.due.desc(), ScheduleRun.id.desc())
    )
    for run in get_session().scalars(query):
        if len(found[run.schedule_id]) < LAST_RUNS:
            found[run.schedule_id].append(run)
    return found


def status_of(row: ScheduledExport) -> str:
    if row.paused:
        return "paused"
    if row.error_counter >= MAX_ERRORS:
        return "stopped"
    return "active" if row.schedule_next_run else "finished"


@blp.get(LIST)
@signed_in
def schedules(organizer: str):
    organizer_context = _organizer_context(organizer)
    session = get_session()
    groups = [(None, organizer_context, access.visible(organizer_context))]
    for event in visible_events(session, g.principal):
        context = _event_context(organizer, event.slug)
        groups.append((event, context, access.visible(context)))
    ids = [row.id for _, _, rows in groups for row in rows]
    return render_template(
        "schedules.html",
        organizer=organizer_context.scope.organizer,
        groups=groups,
        last_runs=_last_runs(ids),
        describe=schedule_picker.describe,
        status_of=status_of,
        parameters_text=parameters_text,
        max_errors=MAX_ERRORS,
    )


# Creating and editing -------------------------------------------------------------------------
def _render_form(context, exporter, submitted, errors, action, row=None, status=200):
    declared = exporter.declared_parameters()
    export_errors = errors.get("export_form_data", {})
    if not isinstance(export_errors, dict):
        export_errors = {"": export_errors}
    export_errors = forms.messages_by_field(export_errors)
    general = [t for n, texts in export_errors.items() if n not in declared for t in texts]
    picked = schedule_picker.Picked(
        submitted.get("frequency", "weekly"),
        submitted.getlist("days") if "frequency" in submitted else ["MO"],
        submitted.get("custom_rrule", ""),
    )
    body = render_template(
        "schedule_form.html",
        context=context,
        scope=context.scope,
        exporter=exporter,
        row=row,
        fields=forms.describe(declared, submitted, export_errors),
        general=general,
        values=submitted,
        errors={k: v for k, v in errors.items() if k != "export_form_data"},
        picked=picked,
        days=schedule_picker.DAYS,
        timezones=sorted(validation.TIMEZONES),
        action=action,
    )
    return body, status


def _here() -> str:
    """This page's path with its query (which names the exporter of a new schedule)."""
    return request.full_path.rstrip("?")


def _submitted_body(exporter) -> tuple[dict, dict]:
    return schedule_forms.to_body(exporter.declared_parameters(), request.form)


def _save(context, exporter, row=None):
    body, errors = _submitted_body(exporter)
    body["export_identifier"] = exporter.identifier
    cleaned = None
    if not errors:
        try:
            cleaned = validation.validate(context, body)
        except ValidationError as exc:
            errors = exc.messages
    if errors:
        if "schedule_rrule_time" in errors:
            errors["time"] = errors.pop("schedule_rrule_time")
        return _render_form(context, exporter, request.form, errors, _here(), row, 400)
    if row is None:
        editing.create(context, cleaned, request.url_root)
        flash("The schedule was created.")
    else:
        editing.update(row, context, cleaned, request.url_root)
        flash("The schedule was saved.")
    return redirect(url_for("web.schedules", organizer=context.scope.organizer.slug), code=303)


def _new(context: catalog.ExportContext):
    identifier = request.args.get("exporter", "")
    if not identifier:
        return render_template(
            "schedule_new.html", scope=context.scope, exporters=context.available()
        )
    try:
        exporter = context.exporter(identifier)
    except catalog.ExporterNotFound:
        abort(404)
    if request.method == "POST":
        return _save(context, exporter)
    defaults = {
        "mail_subject": exporter.verbose_name,
        "mail_template": "Hello,\n\nattached is the export.",
        "time": "06:00",
        "timezone": "UTC",
    }
    return _render_form(context, exporter, MultiDict(defaults), {}, _here())


@blp.route(EVENT_NEW, methods=["GET", "POST"])
@signed_in
def new_event_schedule(organizer: str, event: str):
    return _new(_event_context(organizer, event))


@blp.route(ORGANIZER_NEW, methods=["GET", "POST"])
@signed_in
def new_organizer_schedule(organizer: str):
    return _new(_organizer_context(organizer))


@blp.route(f"{ONE}edit", methods=["GET", "POST"])
@signed_in
def edit_schedule(organizer: str, schedule_id: int):
    context, row = _context_of(organizer, schedule_id)
    exporter = context.exporter(row.export_identifier)
    if request.method == "POST":
        return _save(context, exporter, row)
    fields = access.fields_of(row)
    submitted = schedule_forms.schedule_values(fields)
    declared = exporter.declared_parameters()
    for key, values in schedule_forms.form_values(declared, fields["export_form_data"]).lists():
        submitted.setlist(key, values)
    return _render_form(context, exporter, submitted, {}, _here(), row)


@blp.post(f"{ONE}pause")
@signed_in
def pause_schedule(organizer: str, schedule_id: int):
    context, row = _context_of(organizer, schedule_id)
    editing.set_paused(row, context, True)
    flash(f"“{row.mail_subject}” is paused.")
    return redirect(url_for("web.schedules", organizer=organizer), code=303)


@blp.post(f"{ONE}resume")
@signed_in
def resume_schedule(organizer: str, schedule_id: int):
    context, row = _context_of(organizer, schedule_id)
    editing.set_paused(row, context, False)
    flash(f"“{row.mail_subject}” runs again.")
    return redirect(url_for("web.schedules", organizer=organizer), code=303)


@blp.post(f"{ONE}delete")
@signed_in
def delete_schedule(organizer: str, schedule_id: int):
    context, row = _context_of(organizer, schedule_id)
    subject = row.mail_subject
    editing.delete(row, context)
    flash(f"“{subject}” was deleted.")
    return redirect(url_for("web.schedules", organizer=organizer), code=303)


def parameters_text(row: ScheduledExport) -> str:
    return ", ".join(f"{k}={v}" for k, v in json.loads(row.export_form_data).items())
