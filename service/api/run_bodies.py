"""The ``run`` body each exporter takes, as JSON Schema for the OpenAPI description.

Taken from the same parameter declarations that validate ``run``, so the description cannot
drift from what is accepted: required parameters are required (``{}`` is valid only for an
exporter without any), unknown names are refused (event-level bodies have no ``events`` or
``all_events``), and legacy ``x_from``/``x_to`` stand beside each ``x_range``. Choices read
from the store (products, check-in lists, questions, event slugs) are typed, not listed.
"""

from types import SimpleNamespace

from ..exporters import ExportScope, params


class _NoRows:
    """A session with nothing in it: declarations that list stored choices list none."""

    def execute(self, *_args, **_kwargs):
        return self

    scalars = execute

    def all(self) -> list:
        return []


def _declared(cls, event_level: bool) -> dict:
    organizer = SimpleNamespace(id=0, slug="organizer", name="")
    event = SimpleNamespace(id=0, slug="event", name="", timezone="UTC", currency="EUR")
    scope = (
        ExportScope(organizer, [event], event) if event_level else ExportScope(organizer, [], None)
    )
    return cls(_NoRows(), scope).declared_parameters()


def _field_schema(field) -> dict:
    if isinstance(field, params.Boolean):
        schema = {"type": "boolean"}
    elif isinstance(field, params.Integer):
        schema = {"type": "integer"}
    elif isinstance(field, params.EventSlugs):
        schema = {"type": "array", "items": {"type": "string"}}
    elif isinstance(field, params.MultipleChoice):
        schema = {"type": "array", "items": {"enum": field.choices} if field.choices else {}}
    elif isinstance(field, params.Choice):
        schema = {"enum": field.choices} if field.choices else {}
    elif isinstance(field, params.DateFrame):
        schema = {"type": "string", "description": "A keyword or YYYY-MM-DD/YYYY-MM-DD"}
    else:
        schema = {}
    if not field.required:
        schema["nullable"] = True
    return schema


def body_schema(cls, event_level: bool) -> dict:
    declared = _declared(cls, event_level)
    properties = {name: _field_schema(field) for name, field in declared.items()}
    for name, field in declared.items():
        if isinstance(field, params.DateFrame) and name.endswith("_range"):
            base = name[: -len("_range")]
            for legacy in (f"{base}_from", f"{base}_to"):
                properties[legacy] = {"type": "string", "format": "date", "nullable": True}
    schema = {"type": "object", "properties": properties, "additionalProperties": False}
    required = [name for name, field in declared.items() if field.required]
    if required:
        schema["required"] = required
    return schema


def request_body(cls, event_level: bool) -> dict:
    return {
        "required": True,
        "content": {"application/json": {"schema": body_schema(cls, event_level)}},
    }
