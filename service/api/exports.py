"""``GET /organizers/{org}/exports/``: the exports this token started, newest first."""

import json

from flask import url_for
from marshmallow import Schema, fields
from sqlalchemy import select

from .. import jobs
from ..store import get_session
from ..store.models import Event
from . import Blueprint
from .context import current_principal
from .errors import permission_denied
from .pagination import paginate
from .schemas import DetailSchema

blp = Blueprint(
    "exports",
    __name__,
    url_prefix="/api/v1/organizers/<organizer>",
    description="The exports a token started.",
)


class ExportSchema(Schema):
    identifier = fields.String(required=True)
    event = fields.String(
        allow_none=True,
        required=True,
        metadata={"description": "The event's slug; null for an organizer-level export."},
    )
    events = fields.List(
        fields.String(),
        required=True,
        metadata={
            "description": "Slugs of the events the export covers (all of them at "
            "organizer level, the one event at event level)."
        },
    )
    parameters = fields.Dict(required=True)
    status = fields.String(
        required=True, metadata={"enum": ["waiting", "running", "finished", "failed", "expired"]}
    )
    percentage = fields.Float(allow_none=True, required=True)
    message = fields.String(allow_none=True, required=True)
    created = fields.String(required=True)
    started = fields.String(allow_none=True, required=True)
    finished = fields.String(allow_none=True, required=True)
    size = fields.Integer(allow_none=True, required=True)
    filename = fields.String(allow_none=True, required=True)
    download = fields.Url(required=True)


class ExportPageSchema(Schema):
    count = fields.Integer(required=True)
    next = fields.String(allow_none=True, required=True)
    previous = fields.String(allow_none=True, required=True)
    results = fields.List(fields.Nested(ExportSchema), required=True)


def download_url(record: dict) -> str:
    ids = {
        "identifier": record["exporter"],
        "job_id": record["job_id"],
        "file_id": record["file_id"],
    }
    if record["event"]:
        return url_for(
            "exporters.event_download",
            organizer=record["organizer"],
            event=record["event"],
            _external=True,
            **ids,
        )
    return url_for(
        "exporters.organizer_download", organizer=record["organizer"], _external=True, **ids
    )


def covered_events(record: dict) -> list[str]:
    """Slugs from the record; records made before it kept them are read from the store."""
    if record.get("events"):
        return json.loads(record["events"])
    ids = json.loads(record.get("event_ids") or "[]")
    if not ids:
        return [record["event"]] if record.get("event") else []
    rows = get_session().execute(select(Event.slug).where(Event.id.in_(ids)).order_by(Event.slug))
    return [slug for (slug,) in rows]


def describe(record: dict) -> dict:
    state = jobs.state_of_record(record)
    return {
        "identifier": record["exporter"],
        "event": record["event"] or None,
        "events": covered_events(record),
        "parameters": json.loads(record["params"]),
        "status": state.status,
        "percentage": state.percentage,
        "message": state.message,
        "created": record["created"],
        "started": record.get("started") or None,
        "finished": record.get("finished") or None,
        "size": int(record["size"]) if record.get("size") else None,
        "filename": record.get("filename") or None,
        "download": download_url(record),
    }


@blp.route("/exports/", methods=["GET"])
@blp.response(200, ExportPageSchema)
@blp.alt_response(401, schema=DetailSchema, description="Authentication failure")
@blp.alt_response(403, schema=DetailSchema, description="Does not exist or no permission")
@blp.alt_response(404, schema=DetailSchema, description="Invalid page")
@blp.alt_response(503, schema=DetailSchema, description="Redis or the database is unavailable")
def my_exports(organizer: str):
    """List the exports this token started, newest first"""
    principal = current_principal()
    if not principal.owns_organizer(organizer):
        raise permission_denied()
    page = paginate(jobs.exports_of_token(principal.token_hash))
    page["results"] = [describe(r) for r in page["results"]]
    return page
