"""The exporters a token may use, each with a form that starts an export the way ``run`` does:
the exporter validates the parameters, ``jobs.start_export`` enqueues the job."""

from flask import abort, current_app, g, redirect, render_template, request, url_for
from marshmallow import ValidationError

from .. import catalog, jobs
from ..auth import PermissionDenied
from ..store import get_session
from . import forms
from .blueprint import blp
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
    """Where the form posts; the anchor brings a form shown again with errors into view."""
    scope = context.scope
    anchor = f"exporter-{identifier}"
    if context.is_event_level:
        return url_for(
            "web.event_run",
            organizer=scope.organizer.slug,
            event=scope.event.slug,
            identifier=identifier,
            _anchor=anchor,
        )
    return url_for(
        "web.organizer_run", organizer=scope.organizer.slug, identifier=identifier, _anchor=anchor
    )


def render_page(context, submitted=None, errors=None, general=None, status=200, headers=None):
    """The exporters with their forms; the one in ``submitted`` is filled in again."""
    sections = []
    for exporter in context.available():
        is_submitted = submitted is not None and submitted[0] == exporter.identifier
        sections.append(
            {
                "exporter": exporter,
                "fields": forms.describe(
                    exporter.declared_parameters(),
                    submitted[1] if is_submitted else None,
                    errors if is_submitted else None,
                ),
                "general": general if is_submitted else [],
                "action": run_url(context, exporter.identifier),
            }
        )
    scope = context.scope
    body = render_template(
        "exporters.html",
        organizer=scope.organizer,
        event=scope.event,
        events=scope.events,
        sections=sections,
    )
    return body, status, headers or {}


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
        return render_page(context, (identifier, request.form), errors, general, status=400)
    try:
        started = jobs.start_export(g.principal, exporter, parameters)
    except jobs.TooManyExports:
        limit = current_app.config["MAX_ACTIVE_EXPORTS_PER_TOKEN"]
        message = (
            f"You already have {limit} exports waiting or running. "
            "Wait until one has finished, then try again."
        )
        return render_page(
            context, (identifier, request.form), {}, [message], 429, {"Retry-After": "5"}
        )
    return redirect(url_for("web.export", file_id=started.file_id), code=303)


@blp.get(EVENT)
@signed_in
def event_exporters(organizer: str, event: str):
    return render_page(event_context(organizer, event))


@blp.post(f"{EVENT}<identifier>/run")
@signed_in
def event_run(organizer: str, event: str, identifier: str):
    return run(event_context(organizer, event), identifier)


@blp.get(ORGANIZER)
@signed_in
def organizer_exporters(organizer: str):
    return render_page(organizer_context(organizer))


@blp.post(f"{ORGANIZER}<identifier>/run")
@signed_in
def organizer_run(organizer: str, identifier: str):
    return run(organizer_context(organizer), identifier)
