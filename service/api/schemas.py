"""Response shapes, for the OpenAPI description and for serializing listings."""

from marshmallow import Schema, fields


class InputParameterSchema(Schema):
    name = fields.String(required=True)
    required = fields.Boolean(required=True)
    choices = fields.List(fields.Raw(), metadata={"description": "Only for choice fields."})


class ExporterSchema(Schema):
    identifier = fields.String(required=True)
    verbose_name = fields.String(required=True)
    input_parameters = fields.List(fields.Nested(InputParameterSchema), required=True)


class ExporterPageSchema(Schema):
    count = fields.Integer(required=True)
    next = fields.String(allow_none=True, required=True)
    previous = fields.String(allow_none=True, required=True)
    results = fields.List(fields.Nested(ExporterSchema), required=True)


class DownloadLinkSchema(Schema):
    download = fields.Url(required=True)


class ProgressSchema(Schema):
    status = fields.String(required=True, metadata={"enum": ["waiting", "running"]})
    percentage = fields.Float(allow_none=True, required=True)


class FailureSchema(Schema):
    status = fields.String(required=True, metadata={"enum": ["failed"]})
    message = fields.String(required=True)


class DetailSchema(Schema):
    detail = fields.String(required=True)


# ``{"detail": "..."}`` for a body that is not a JSON object, else ``{"field": ["message"]}``.
VALIDATION_ERRORS = {
    "type": "object",
    "additionalProperties": {
        "oneOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]
    },
}


def _run_body(properties: dict) -> dict:
    return {
        "required": True,
        "description": (
            "The exporter's parameters, as listed in its `input_parameters`: which are "
            "required and which values are valid depends on the exporter, so a body valid "
            "here may still be refused with 400. The operation of each exporter "
            "(`.../exporters/orderlist/run/`, ...) describes its body exactly."
        ),
        "content": {
            "application/json": {
                "schema": {"type": "object", "properties": properties},
                "example": {"_format": "xlsx"},
            }
        },
    }


# At event level there is no choice of events: ``events`` and ``all_events`` are refused.
EVENT_RUN_BODY = _run_body({"_format": {"type": "string"}})
ORGANIZER_RUN_BODY = _run_body(
    {
        "_format": {"type": "string"},
        "events": {"type": "array", "items": {"type": "string"}},
        "all_events": {"type": "boolean"},
    }
)
