"""The exporters a token may use: a list per event (and for the organizer), and a page per
exporter with its description, its form and the exports started from it. The form starts an
export the way ``run`` does: the exporter validates the parameters, ``jobs.start_export``
enqueues the job."""

from flask import abort, current_app, g, redirect, render_template, request, url_for
from marshmallow import ValidationError

from .. import catalog, jobs
from ..auth import PermissionDenied
from ..store import get_session
from . import forms
from .blueprint import blp
from .export_list import rows_for
from .session_auth import signed_in

EVENT = "/organizers/<organizer>/events/<event>/exporters/"
ORGANIZER = "/organizers/<organizer>/exporters/"


def event_context(organizer: str, event: str) -> catalog.ExportContext:
    try:
        return catalog.event_context(get_session(), g.principal, organizer, event)
    except PermissionDenied:
        abort(403)


def organizer_context(organizer: str) -> catalog.ExportContext:
    try:
        return catalog.organizer_context(get_session(), g.principal, organizer)
    except PermissionDenied:
        abort(403)


def run_url(context: catalog.ExportContext, identifier: str) -> str:
    return _exporter_url(context, identifier, "run")


def page_url(context: catalog.ExportContext, identifier: str) -> str:
    return _exporter_url(context, identifier, "exporter")


def _exporter_url(context: catalog.ExportContext, identifier: str, page: str) -> str:
    """``web.event_<page>`` or ``web.organizer_<page>`` of an exporter, by level."""
    scope = context.scope
    if context.is_event_level:
        return url_for(
            f"web.event_{page}",
            organizer=scope.organizer.slug,
            event=scope.event.slug,
            identifier=identifier,
        )
    return url_for(f"web.organizer_{page}", organizer=scope.organizer.slug, identifier=identifier)


def list_url(context: catalog.ExportContext) -> str:
    scope = context.scope
    if context.is_event_level:
        return url_for(
            "web.event_exporters", organizer=scope.organizer.slug, event=scope.event.slug
        )
    return url_for("web.organizer_exporters", organizer=scope.organizer.slug)


def section(exporter, submitted=None, errors=None, general=()) -> dict:
    return {
        "exporter": exporter,
        "fields": forms.describe(exporter.declared_parameters(), submitted, errors),
        "general": list(general),
    }


def render_list(context: catalog.ExportContext):
    """The exporters offered here: names and descriptions, each linking to its page."""
    scope = context.scope
    exporters = [(e, page_url(context, e.identifier)) for e in context.available()]
    return render_template(
        "exporters.html",
        organizer=scope.organizer,
        event=scope.event,
        events=scope.events,
        exporters=exporters,
    )


def render_page(context: catalog.ExportContext, entry: dict, status=200, headers=None):
    """One exporter's page: description, form (as submitted, with errors, when ``entry``
    says so) and this token's exports of it at this level."""
    exporter = entry["exporter"]
    entry["action"] = run_url(context, exporter.identifier)
    scope = context.scope
    rows = rows_for(
        g.principal,
        exporter=exporter.identifier,
        event=scope.event.slug if scope.event else "",
        level_only=True,
    )
    body = render_template(
        "exporter.html",
        organizer=scope.organizer,
        event=scope.event,
        events=scope.events,
        section=entry,
        list_url=list_url(context),
        rows=rows,
        refresh=any(row.active for row in rows),
    )
    return body, status, headers or {}


def render_again(identifier: str, errors: dict, general: list[str], status: int, headers=None):
    """Only the submitted exporter's form, as it was filled in, with what was wrong.

    The context is loaded afresh: validating narrows an exporter's scope to the chosen events,
    and the form must offer all of them again.
    """
    args = request.view_args
    if "event" in args:
        context = event_context(args["organizer"], args["event"])
    else:
        context = organizer_context(args["organizer"])
    entry = section(context.exporter(identifier), request.form, errors, general)
    return render_page(context, entry, status, headers)


def run(context: catalog.ExportContext, identifier: str):
    try:
        exporter = context.exporter(identifier)
    except catalog.ExporterNotFound:
        abort(404)
    declared = exporter.declared_parameters()
    data, errors = forms.to_data(declared, request.form)
    if not errors:
        try:
            parameters = exporter.validate(data)
        except ValidationError as exc:
            errors = forms.messages_by_field(exc.messages)
    if errors:
        general = [text for name, texts in errors.items() if name not in declared for text in texts]
        return render_again(identifier, errors, general, 400)
    try:
        started = jobs.start_export(g.principal, exporter, parameters)
    except jobs.TooManyExports:
        limit = current_app.config["MAX_ACTIVE_EXPORTS_PER_TOKEN"]
        message = (
            f"You already have {limit} exports waiting or running. "
            "Wait until one has finished, then try again."
        )
        return render_again(identifier, {}, [message], 429, {"Retry-After": "5"})
    # Started from a page: the file downloads by itself once ready, as in pretix.
    return redirect(url_for("web.export", file_id=started.file_id, download="auto"), code=303)


def exporter_page(context: catalog.ExportContext, identifier: str):
    try:
        exporter = context.exporter(identifier)
    except catalog.ExporterNotFound:
        abort(404)
    return render_page(context, section(exporter))


@blp.get(EVENT)
@signed_in
def event_exporters(organizer: str, event: str):
    return render_list(event_context(organizer, event))


@blp.get(f"{EVENT}<identifier>/")
@signed_in
def event_exporter(organizer: str, event: str, identifier: str):
    return exporter_page(event_context(organizer, event), identifier)


@blp.post(f"{EVENT}<identifier>/run")
@signed_in
def event_run(organizer: str, event: str, identifier: str):
    return run(event_context(organizer, event), identifier)


@blp.get(ORGANIZER)
@signed_in
def organizer_exporters(organizer: str):
    return render_list(organizer_context(organizer))


@blp.get(f"{ORGANIZER}<identifier>/")
@signed_in
def organizer_exporter(organizer: str, identifier: str):
    return exporter_page(organizer_context(organizer), identifier)


@blp.post(f"{ORGANIZER}<identifier>/run")
@signed_in
def organizer_run(organizer: str, identifier: str):
    return run(organizer_context(organizer), identifier)
