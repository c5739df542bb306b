"""``export_form_data`` of a schedule: the exporter's own parameters, validated as ``run``
validates them, and kept in pretix's shape.

pretix stores the parameters a client gave plus the defaults its forms fill in: date frames
as ``"/"``, multiple choices as ``[]``, optional single choices as ``null``; booleans and
event choices left out stay out. Keys come in the exporter's declared order. Names the
exporter does not know are dropped, as pretix drops them.
"""

from dataclasses import replace

from marshmallow import ValidationError

from ..exporters import params
from ..exporters.base import BaseExporter


def _accepted_names(declared: dict) -> set[str]:
    names = set(declared)
    for name, field in declared.items():
        if isinstance(field, params.DateFrame) and name.endswith("_range"):
            base = name[: -len("_range")]
            names |= {f"{base}_from", f"{base}_to"}
    return names


_LEAVE_OUT = object()


def _default(field: params.Param):
    if isinstance(field, params.DateFrame):
        return "/"
    if isinstance(field, params.EventSlugs):
        return _LEAVE_OUT
    if isinstance(field, params.MultipleChoice):
        return []
    if isinstance(field, params.Choice) and not field.required:
        return None
    return _LEAVE_OUT


def normalize(exporter: BaseExporter, data: dict) -> dict:
    """The parameters to store, or ValidationError with ``{field: [messages]}``."""
    declared = exporter.declared_parameters()
    accepted = _accepted_names(declared)
    given = {k: v for k, v in data.items() if k in accepted}
    exporter.scope = replace(exporter.scope)  # validating narrows it to the chosen events
    exporter.validate(dict(given))  # the exporter's own checks, exactly as for run
    loaded = params.validate(declared, given)
    stored = {}
    for name, field in declared.items():
        if name in loaded:
            stored[name] = loaded[name]
        elif name in given:
            stored[name] = None
        else:
            default = _default(field)
            if default is not _LEAVE_OUT:
                stored[name] = default
    return stored


def run_parameters(exporter: BaseExporter, stored: dict) -> dict:
    """What a run starts with: the stored parameters checked again against the exporter as
    it is now (a product or check-in list may be gone). ValidationError otherwise."""
    return exporter.validate(dict(stored))


__all__ = ["ValidationError", "normalize", "run_parameters"]
