"""``GET /organizers/{org}/exports/``: the exports this token started, newest first."""

import json

from flask import url_for
from marshmallow import Schema, fields

from .. import jobs
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
    event = fields.String(allow_none=True, required=True)
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


def describe(record: dict) -> dict:
    state = jobs.state_of_record(record)
    return {
        "identifier": record["exporter"],
        "event": record["event"] or None,
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
