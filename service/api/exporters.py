"""The pretix-compatible "Data exporters" endpoints, at event and at organizer level."""

import json

from flask import Response, current_app, jsonify, request, url_for
from marshmallow import ValidationError

from .. import exporters, files, jobs, records
from ..catalog import ExportContext
from ..exporters import params
from ..exporters.base import CSV_TYPE, XLSX_TYPE
from ..exporters.json_export import JSON_TYPE
from ..exporters.mailaddrs import TEXT_TYPE
from ..storage.serving import send_result
from . import Blueprint, run_bodies
from .context import event_context, find_exporter, organizer_context
from .errors import ApiError, not_found
from .pagination import paginate
from .schemas import (
    EVENT_RUN_BODY,
    ORGANIZER_RUN_BODY,
    VALIDATION_ERRORS,
    DetailSchema,
    DownloadLinkSchema,
    ExporterPageSchema,
    ExporterSchema,
    FailureSchema,
    ProgressSchema,
)

blp = Blueprint(
    "exporters",
    __name__,
    url_prefix="/api/v1/organizers/<organizer>",
    description="List exporters, run an export, download its result.",
)

EVENT = "/events/<event>/exporters"
ORGANIZER = "/exporters"
AUTH_ERRORS = (
    (401, "Authentication failure"),
    (403, "Does not exist or no permission"),
    (503, "Redis or the database is unavailable; retry after Retry-After seconds"),
)
RETRY_AFTER_SECONDS = 5
ACCEPTED = (
    "Accepted, as every valid run is. At most MAX_RUNNING_EXPORTS_PER_TOKEN (2) of a token's "
    "exports run at once; the others wait their turn, in the order they were started, and "
    "their download URL answers 409 waiting meanwhile."
)
STILL_GOING = "Still waiting (in the token's line or on the queue) or running"
RUN_ERRORS = (
    (400, "Invalid input parameters"),
    (404, "Unknown exporter"),
    (413, "Request body too large"),
    (415, "A body that is not application/json (a body without Content-Type is read as JSON)"),
    (
        429,
        "A flood: the token already has MAX_ACTIVE_EXPORTS_PER_TOKEN (20) exports waiting or "
        "running; retry after Retry-After seconds",
    ),
)
# What a finished export's download may be, by exporter and format.
DOWNLOAD = {
    "description": "The file",
    "content": {
        kind: {"schema": {"type": "string", "format": "binary"}}
        for kind in (XLSX_TYPE, CSV_TYPE, JSON_TYPE, TEXT_TYPE)
    },
}


def documented(*codes):
    """Add the error responses each endpoint shares to the OpenAPI description."""

    def decorate(view):
        for code, text in AUTH_ERRORS + codes:
            schema = VALIDATION_ERRORS if code == 400 else DetailSchema
            view = blp.alt_response(code, schema=schema, description=text)(view)
        return view

    return decorate


# Shared implementations ------------------------------------------------------------------
def describe(exporter) -> dict:
    return {
        "identifier": exporter.identifier,
        "verbose_name": exporter.verbose_name,
        "input_parameters": params.describe(exporter.declared_parameters()),
    }


def list_exporters(context: ExportContext) -> dict:
    return paginate([describe(e) for e in context.available()])


def read_body() -> dict:
    """The JSON object of a ``run`` body. A body under another media type is refused (415), as
    Django REST framework does; one without any Content-Type is read as JSON, since pretix
    clients may send none. An empty body is no parameters, whatever its type."""
    raw = request.get_data(cache=False)
    if not raw.strip():
        return {}
    if request.mimetype and request.mimetype != "application/json":
        detail = f'Unsupported media type "{request.content_type}" in request.'
        raise ApiError(415, {"detail": detail})
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError) as exc:
        raise ApiError(400, {"detail": f"JSON parse error - {_short(exc)}"}) from exc
    if not isinstance(data, dict):
        kind = {list: "list", str: "str", int: "int", float: "float", bool: "bool"}.get(
            type(data), "null"
        )
        raise ApiError(400, {"detail": f"Invalid data. Expected a dictionary, but got {kind}."})
    return data


def _short(exc: Exception) -> str:
    return str(exc)[:200] if isinstance(exc, ValueError) else "document nested too deeply"


def run(context: ExportContext, identifier: str, download_endpoint: str):
    exporter = find_exporter(context, identifier)
    data = read_body()
    try:
        form = exporter.validate(data)
    except ValidationError as exc:
        raise ApiError(400, exc.messages) from exc
    try:
        started = jobs.start_export(context.principal, exporter, form)
    except jobs.TooManyExports as exc:
        raise too_many_exports() from exc
    url = url_for(
        download_endpoint,
        **{**request.view_args, "identifier": identifier},
        job_id=started.job_id,
        file_id=started.file_id,
        _external=True,
    )
    return {"download": url}


def _record_for(context: ExportContext, identifier: str, job_id: str, file_id: str) -> dict:
    """The export behind a download URL, or 404: ids are checked before anything is read."""
    find_exporter(context, identifier)
    file_id, job_id = files.parse_file_id(file_id), files.parse_file_id(job_id)
    record = records.load(file_id) if file_id and job_id else None
    scope = context.scope
    if (
        record is None
        or record["job_id"] != job_id
        or record["exporter"] != identifier
        or record["organizer"] != scope.organizer.slug
        or record["event"] != (scope.event.slug if scope.event else "")
    ):
        raise not_found()
    return record


def download(context: ExportContext, identifier: str, job_id: str, file_id: str):
    record = _record_for(context, identifier, job_id, file_id)
    if record["token_hash"] != context.principal.token_hash:
        return _gone("Unknown file ID or export failed")
    state = jobs.current_state(record)
    if state.status in ("waiting", "running"):
        response = jsonify(status=state.status, percentage=state.percentage)
        response.status_code = 409
        response.headers["Cache-Control"] = "no-store"
        return response
    if state.status == "failed":
        return _gone(state.message)
    if record["state"] != "finished":
        # It finished since the record was read: take its file details now.
        record = records.load(record["file_id"]) or record
    if "content_type" not in record:
        raise not_found()
    response = send_result(record, attachment(record["filename"]))
    if response is None:
        raise not_found()
    return response


def attachment(filename: str) -> str:
    """``attachment; filename="..."`` with an ASCII-only name (ours are made from slugs and
    check-in list names, whose spaces pretix keeps: ``sampleconf_checkin_Main entrance.csv``)."""
    safe = "".join(c if c.isascii() and (c.isalnum() or c in "._- ") else "_" for c in filename)
    return f'attachment; filename="{safe}"'


def too_many_exports() -> ApiError:
    limit = current_app.config["MAX_ACTIVE_EXPORTS_PER_TOKEN"]
    detail = (
        f"This token already has {limit} exports waiting or running. "
        "Wait until one has finished, then try again."
    )
    return ApiError(429, {"detail": detail}, {"Retry-After": str(RETRY_AFTER_SECONDS)})


def cancel(context: ExportContext, identifier: str, job_id: str, file_id: str):
    record = _record_for(context, identifier, job_id, file_id)
    if record["token_hash"] != context.principal.token_hash:
        return _gone("Unknown file ID or export failed")
    jobs.cancel_export(record)
    return Response(status=204)


def _gone(message: str):
    response = jsonify(status="failed", message=message)
    response.status_code = 410
    return response


# Event level ------------------------------------------------------------------------------
@blp.route(f"{EVENT}/", methods=["GET"])
@blp.response(200, ExporterPageSchema)
@documented((404, "Invalid page"))
def event_exporters(organizer: str, event: str):
    """List the exporters available for an event"""
    return list_exporters(event_context(organizer, event))


@blp.route(f"{EVENT}/<identifier>/", methods=["GET"])
@blp.response(200, ExporterSchema)
@documented((404, "Unknown exporter"))
def event_exporter(organizer: str, event: str, identifier: str):
    """Show one exporter of an event"""
    return describe(find_exporter(event_context(organizer, event), identifier))


@blp.route(f"{EVENT}/<identifier>/run/", methods=["POST"])
@blp.response(202, DownloadLinkSchema, description=ACCEPTED)
@documented(*RUN_ERRORS)
@blp.doc(requestBody=EVENT_RUN_BODY)
def event_run(organizer: str, event: str, identifier: str):
    """Start an export of an event"""
    return run(event_context(organizer, event), identifier, "exporters.event_download")


@blp.route(f"{EVENT}/<identifier>/download/<job_id>/<file_id>/", methods=["GET"])
@blp.doc(responses={"200": DOWNLOAD})
@blp.alt_response(409, schema=ProgressSchema, description=STILL_GOING)
@blp.alt_response(410, schema=FailureSchema, description="Failed, or started by another token")
@documented((404, "Unknown or expired"))
def event_download(organizer: str, event: str, identifier: str, job_id: str, file_id: str):
    """Download the result of an event export"""
    return download(event_context(organizer, event), identifier, job_id, file_id)


@blp.route(f"{EVENT}/<identifier>/download/<job_id>/<file_id>/", methods=["DELETE"])
@blp.response(204)
@blp.alt_response(410, schema=FailureSchema, description="Started by another token")
@documented((404, "Unknown or expired"))
def event_cancel(organizer: str, event: str, identifier: str, job_id: str, file_id: str):
    """Cancel a waiting or running event export (or delete a finished one's file)"""
    return cancel(event_context(organizer, event), identifier, job_id, file_id)


# Organizer level --------------------------------------------------------------------------
@blp.route(f"{ORGANIZER}/", methods=["GET"])
@blp.response(200, ExporterPageSchema)
@documented((404, "Invalid page"))
def organizer_exporters(organizer: str):
    """List the organizer-level and multi-event exporters"""
    return list_exporters(organizer_context(organizer))


@blp.route(f"{ORGANIZER}/<identifier>/", methods=["GET"])
@blp.response(200, ExporterSchema)
@documented((404, "Unknown exporter"))
def organizer_exporter(organizer: str, identifier: str):
    """Show one organizer-level exporter"""
    return describe(find_exporter(organizer_context(organizer), identifier))


@blp.route(f"{ORGANIZER}/<identifier>/run/", methods=["POST"])
@blp.response(202, DownloadLinkSchema, description=ACCEPTED)
@documented(*RUN_ERRORS)
@blp.doc(requestBody=ORGANIZER_RUN_BODY)
def organizer_run(organizer: str, identifier: str):
    """Start an organizer-level export"""
    return run(organizer_context(organizer), identifier, "exporters.organizer_download")


@blp.route(f"{ORGANIZER}/<identifier>/download/<job_id>/<file_id>/", methods=["GET"])
@blp.doc(responses={"200": DOWNLOAD})
@blp.alt_response(409, schema=ProgressSchema, description=STILL_GOING)
@blp.alt_response(410, schema=FailureSchema, description="Failed, or started by another token")
@documented((404, "Unknown or expired"))
def organizer_download(organizer: str, identifier: str, job_id: str, file_id: str):
    """Download the result of an organizer-level export"""
    return download(organizer_context(organizer), identifier, job_id, file_id)


@blp.route(f"{ORGANIZER}/<identifier>/download/<job_id>/<file_id>/", methods=["DELETE"])
@blp.response(204)
@blp.alt_response(410, schema=FailureSchema, description="Started by another token")
@documented((404, "Unknown or expired"))
def organizer_cancel(organizer: str, identifier: str, job_id: str, file_id: str):
    """Cancel a waiting or running organizer-level export (or delete a finished one's file)"""
    return cancel(organizer_context(organizer), identifier, job_id, file_id)


# One documented run per exporter ------------------------------------------------------------
def _document_runs() -> None:
    """A ``run`` operation of its own for each exporter and level, with the body that
    exporter takes; the ``<identifier>`` routes above answer every other identifier."""
    for cls in exporters.for_event():
        _add_run(cls, f"{EVENT}/{cls.identifier}/run/", "event", _event_scope, True)
    for cls in exporters.for_organizer():
        _add_run(cls, f"{ORGANIZER}/{cls.identifier}/run/", "organizer", _organizer_scope, False)


def _event_scope(organizer: str, event: str) -> ExportContext:
    return event_context(organizer, event)


def _organizer_scope(organizer: str) -> ExportContext:
    return organizer_context(organizer)


def _add_run(cls, path: str, level: str, context_of, event_level: bool) -> None:
    identifier = cls.identifier

    def view(**scope):
        return run(context_of(**scope), identifier, f"exporters.{level}_download")

    view.__name__ = f"{level}_run_{identifier}"
    view.__doc__ = (
        f"Start an export: {cls.verbose_name} ({'event' if event_level else 'organizer'})"
    )
    view = blp.doc(requestBody=run_bodies.request_body(cls, event_level))(view)
    view = documented(*RUN_ERRORS)(view)
    view = blp.response(202, DownloadLinkSchema, description=ACCEPTED)(view)
    blp.route(path, methods=["POST"], endpoint=view.__name__)(view)


_document_runs()
