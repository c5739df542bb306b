""" "Run again with these settings": a new export of the same exporter at the same level, over
the same events, with the same parameters, checked afresh as ``run`` checks them (rights or
products may have changed since)."""

import json

from flask import abort, current_app, flash, g, redirect, url_for
from marshmallow import ValidationError

from .. import catalog, jobs
from ..auth import PermissionDenied
from ..store import get_session
from . import forms


def _context(record: dict) -> catalog.ExportContext:
    session, slug = get_session(), record["organizer"]
    try:
        if record.get("event"):
            return catalog.event_context(session, g.principal, slug, record["event"])
        return catalog.organizer_context(session, g.principal, slug)
    except PermissionDenied:
        abort(403)


def _body(record: dict, exporter) -> dict:
    """The stored parameters, plus the events of an organizer-level run."""
    data = json.loads(record.get("params") or "{}")
    if "events" in exporter.declared_parameters() and record.get("events"):
        data["events"] = json.loads(record["events"])
    return data


def start_again(record: dict):
    context = _context(record)
    try:
        exporter = context.exporter(record["exporter"])
    except catalog.ExporterNotFound:
        abort(404)
    try:
        parameters = exporter.validate(_body(record, exporter))
    except ValidationError as exc:
        texts = [t for texts in forms.messages_by_field(exc.messages).values() for t in texts]
        flash("These settings are no longer valid: " + " ".join(texts))
        return redirect(url_for("web.export", file_id=record["file_id"]), code=303)
    try:
        started = jobs.start_export(g.principal, exporter, parameters)
    except jobs.TooManyExports:
        limit = current_app.config["MAX_ACTIVE_EXPORTS_PER_TOKEN"]
        flash(f"You already have {limit} exports waiting or running. Try again later.")
        return redirect(url_for("web.index"), code=303)
    return redirect(url_for("web.export", file_id=started.file_id, download="auto"), code=303)
