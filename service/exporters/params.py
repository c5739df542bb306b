"""Input parameters of exporters, declared once as marshmallow fields.

The same declaration describes ``input_parameters`` in listings, validates ``run`` with the
error texts pretix clients compare, and (through ``widget``) tells the pages which form
control to render.
"""

from datetime import date

from marshmallow import EXCLUDE, Schema, ValidationError, fields

from . import dateframes

REQUIRED = "This field is required."
NULL = "This field may not be null."


class Param:
    """Mixin for every parameter field: how it is listed and rendered."""

    widget = "text"

    @property
    def choices(self) -> list | None:
        return None


def ui(label: str | None = None, initial=None, help: str | None = None) -> dict:
    """How the pages show a parameter: its label, pretix's form default and a help text.
    Only the pages read these; the API's defaults stay pretix's API defaults."""
    shown = {"label": label, "initial": initial, "help": help}
    return {"metadata": {k: v for k, v in shown.items() if v is not None}}


def _init(required: bool, kwargs: dict) -> dict:
    kwargs.setdefault("required", required)
    kwargs.setdefault("allow_none", not required)
    kwargs.setdefault("error_messages", {"required": REQUIRED, "null": NULL})
    return kwargs


class Boolean(Param, fields.Boolean):
    widget = "checkbox"

    def __init__(self, required: bool = False, **kwargs):
        super().__init__(**_init(required, kwargs))
        self.error_messages["invalid"] = "Must be a valid boolean."


class Integer(Param, fields.Integer):
    widget = "number"

    def __init__(self, required: bool = False, **kwargs):
        super().__init__(strict=False, **_init(required, kwargs))
        self.error_messages["invalid"] = "A valid integer is required."

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool):
            raise self.make_error("invalid")
        return super()._deserialize(value, attr, data, **kwargs)


def _invalid_choice(value) -> ValidationError:
    return ValidationError(f'"{value}" is not a valid choice.')


class Choice(Param, fields.Field):
    """One value out of ``choices``, compared as text like DRF's ChoiceField.

    ``listed=False`` for choices read from the store (check-in lists, products, questions):
    pretix lists the choices of its fixed choice fields only, not of its model choice fields.
    """

    widget = "select"

    def __init__(
        self,
        choices,
        required: bool = False,
        labels: dict | None = None,
        listed: bool = True,
        **kwargs,
    ):
        super().__init__(**_init(required, kwargs))
        self._choices = list(choices)
        self.labels = labels or {}
        self.listed = listed
        self._by_text = {str(c): c for c in self._choices}

    @property
    def choices(self) -> list:
        return self._choices

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, (dict, list)) or str(value) not in self._by_text:
            raise _invalid_choice(value)
        return self._by_text[str(value)]


class MultipleChoice(Choice):
    """A list of values out of ``choices``."""

    widget = "multiselect"

    def __init__(self, choices, required: bool = False, allow_empty: bool = True, **kwargs):
        super().__init__(choices, required=required, **kwargs)
        self.allow_empty = allow_empty

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, list):
            raise ValidationError(f'Expected a list of items but got type "{_type_name(value)}".')
        if not value and not self.allow_empty:
            raise ValidationError("This selection may not be empty.")
        chosen = []
        for item in value:
            if isinstance(item, (dict, list)) or str(item) not in self._by_text:
                raise _invalid_choice(item)
            if self._by_text[str(item)] not in chosen:
                chosen.append(self._by_text[str(item)])
        return chosen


class EventSlugs(Param, fields.Field):
    """Slugs of events the token may export; unknown and forbidden ones read alike."""

    widget = "events"

    def __init__(self, allowed_slugs, required: bool = False, labels: dict | None = None, **kwargs):
        super().__init__(**_init(required, kwargs))
        self.allowed = list(allowed_slugs)
        self.labels = labels or {}

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, list):
            raise ValidationError(f'Expected a list of items but got type "{_type_name(value)}".')
        slugs = []
        allowed = {s.lower(): s for s in self.allowed}
        for item in value:
            if not isinstance(item, str) or item.lower() not in allowed:
                raise ValidationError(f"Object with slug={item} does not exist.")
            if allowed[item.lower()] not in slugs:
                slugs.append(allowed[item.lower()])
        return slugs


class DateFrame(Param, fields.Field):
    """A date frame; where ``<x>_range`` is absent, legacy ``<x>_from``/``<x>_to`` count."""

    widget = "dateframe"

    def __init__(self, required: bool = False, **kwargs):
        super().__init__(**_init(required, kwargs))

    def _deserialize(self, value, attr, data, **kwargs):
        try:
            return dateframes.validate(value)
        except dateframes.InvalidDateFrame as exc:
            raise ValidationError(dateframes.INVALID) from exc


def _type_name(value) -> str:
    return {str: "str", int: "int", float: "float", bool: "bool", dict: "dict"}.get(
        type(value), type(value).__name__
    )


def _legacy_names(name: str) -> tuple[str, str] | None:
    if not name.endswith("_range"):
        return None
    base = name[: -len("_range")]
    return f"{base}_from", f"{base}_to"


def _is_iso_date(value) -> bool:
    if not isinstance(value, str) or len(value) != 10:
        return False
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return True


def _fold_legacy_dates(declared: dict, data: dict) -> tuple[dict, dict]:
    """Combine ``x_from``/``x_to`` into ``x_range``; returns (data, errors)."""
    data, errors = dict(data), {}
    for name, field in declared.items():
        legacy = _legacy_names(name) if isinstance(field, DateFrame) else None
        if legacy is None or name in data or not any(k in data for k in legacy):
            continue
        values = [data.pop(k, None) for k in legacy]
        for key, value in zip(legacy, values, strict=True):
            if value is not None and not _is_iso_date(value):
                errors[key] = [
                    "Date has wrong format. Use one of these formats instead: YYYY-MM-DD."
                ]
        if not errors:
            data[name] = dateframes.combine_legacy(*values)
    return data, errors


def validate(declared: dict, data: dict) -> dict:
    """Validated parameters, or ValidationError with ``{field: [messages]}``.

    Unknown keys are reported only once every declared field has passed, as pretix does.
    Missing and null optional parameters are left out, so exporters apply their defaults.
    """
    data, errors = _fold_legacy_dates(declared, data)
    if errors:
        raise ValidationError(errors)
    schema = Schema.from_dict(declared)(unknown=EXCLUDE)
    loaded = schema.load(data)
    unknown = sorted(k for k in data if k not in declared)
    if unknown:
        raise ValidationError({"fields": [f"Additional fields not allowed: {unknown!r}."]})
    return {k: v for k, v in loaded.items() if v is not None}


def describe(declared: dict) -> list[dict]:
    """The ``input_parameters`` of a listing."""
    described = []
    for name, field in declared.items():
        entry = {"name": name, "required": bool(field.required)}
        if field.choices is not None and getattr(field, "listed", True):
            entry["choices"] = list(field.choices)
        described.append(entry)
    return described
