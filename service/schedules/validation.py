"""A schedule's fields, checked with the messages of pretix (Django REST framework).

Where pretix answers 500 we answer 400: a missing ``export_form_data`` or ``schedule_rrule``
is ``This field is required.``, an ``export_form_data`` that is not an object says so, and a
partial update (PATCH) checks only what it names, plus the parameters again when the
exporter changes.
"""

import re
import zoneinfo
from datetime import time

from marshmallow import ValidationError

from ..catalog import ExportContext, ExporterNotFound
from . import form_data, rules

REQUIRED = "This field is required."
NULL = "This field may not be null."
BLANK = "This field may not be blank."
NOT_A_STRING = "Not a valid string."
BAD_TIME = "Time has wrong format. Use one of these formats instead: hh:mm[:ss[.uuuuuu]]."
BAD_EMAIL = "Enter a valid email address."
TOO_MANY = "Please enter less than 25 recipients."
NO_RECIPIENT = "Enter at least one recipient."
MAX_RECIPIENTS = 25
RECIPIENT_FIELDS = (
    "mail_additional_recipients",
    "mail_additional_recipients_cc",
    "mail_additional_recipients_bcc",
)
LOCALES = (
    "en", "de", "de-informal", "ar", "ca", "zh-hans", "zh-hant", "cs", "da", "nl",
    "nl-informal", "fr", "fi", "gl", "el", "he", "id", "it", "ja", "lv", "nb-no", "pl",
    "pt-pt", "pt-br", "ro", "ru", "sk", "sl", "es", "sv", "tr", "uk",
)  # fmt: skip
TIMEZONES = frozenset(zoneinfo.available_timezones())
DEFAULT_TIMEZONE = "UTC"
_TIME_RE = re.compile(r"(\d{1,2}):(\d{1,2})(?::(\d{1,2})(?:[.,](\d{1,6})\d{0,6})?)?")
_USER_RE = re.compile(r"[-!#$%&'*+/=?^_`{}|~0-9A-Z]+(\.[-!#$%&'*+/=?^_`{}|~0-9A-Z]+)*", re.I)
_DOMAIN_RE = re.compile(
    r"((?:[A-Z0-9](?:[A-Z0-9-]{0,61}[A-Z0-9])?\.)+)(?:[A-Z0-9-]{2,63}(?<!-))", re.I
)


class FieldError(ValueError):
    pass


def _string(value, allow_blank: bool = False, max_length: int | None = None) -> str:
    if value is None:
        raise FieldError(NULL)
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise FieldError(NOT_A_STRING)
    text = str(value).strip()
    if not text and not allow_blank:
        raise FieldError(BLANK)
    if max_length is not None and len(text) > max_length:
        raise FieldError(f"Ensure this field has no more than {max_length} characters.")
    return text


def _choice(value, choices) -> str:
    if value is None:
        raise FieldError(NULL)
    if isinstance(value, dict | list) or str(value) not in choices:
        raise FieldError(f'"{value}" is not a valid choice.')
    return str(value)


def is_email(address: str) -> bool:
    user, at, domain = address.rpartition("@")
    if not at or not user or not domain or len(address) > 320:
        return False
    if not _USER_RE.fullmatch(user):
        return False
    return domain.lower() == "localhost" or bool(_DOMAIN_RE.fullmatch(domain))


def recipients(value) -> str:
    """Comma-separated addresses without spaces, as pretix keeps them."""
    text = _string(value, allow_blank=True).replace(" ", "")
    if not text:
        return ""
    parts = text.split(",")
    if len(parts) > MAX_RECIPIENTS:
        raise FieldError(TOO_MANY)
    if not all(is_email(part) for part in parts):
        raise FieldError(BAD_EMAIL)
    return text


def split_recipients(text: str) -> list[str]:
    return [part for part in (text or "").split(",") if part]


def parse_time(value) -> time:
    match = _TIME_RE.fullmatch(value) if isinstance(value, str) else None
    if match is None:
        raise FieldError(BAD_TIME)
    hour, minute, second, micro = match.groups()
    try:
        return time(int(hour), int(minute), int(second or 0), int((micro or "0").ljust(6, "0")))
    except ValueError as exc:
        raise FieldError(BAD_TIME) from exc


def _rrule(value) -> str:
    text = _string(value)
    try:
        rules.parse(text)
    except rules.InvalidRule as exc:
        raise FieldError(str(exc)) from exc
    return text


SIMPLE = {
    "locale": lambda v: _choice(v, LOCALES),
    "mail_additional_recipients": recipients,
    "mail_additional_recipients_cc": recipients,
    "mail_additional_recipients_bcc": recipients,
    "mail_subject": lambda v: _string(v, max_length=250),
    "mail_template": _string,
    "schedule_rrule": _rrule,
    "schedule_rrule_time": parse_time,
    "timezone": lambda v: _choice(v, TIMEZONES),
}
DEFAULTS = {
    "locale": "en",
    "mail_additional_recipients": "",
    "mail_additional_recipients_cc": "",
    "mail_additional_recipients_bcc": "",
    "timezone": DEFAULT_TIMEZONE,
}
ORDER = (
    "export_identifier",
    "export_form_data",
    "locale",
    *RECIPIENT_FIELDS,
    "mail_subject",
    "mail_template",
    "schedule_rrule",
    "schedule_rrule_time",
    "timezone",
)


def validate(context: ExportContext, data: dict, current: dict | None = None) -> dict:
    """The schedule's fields after ``data`` (all of them), or ValidationError.

    ``current`` holds the stored fields for a partial update; None means every field is
    given or takes its default (create, full update)."""
    names = [n for n in ORDER if n != "timezone" or not context.is_event_level]
    cleaned, errors = {}, {}
    for name in names:
        if name in ("export_identifier", "export_form_data"):
            continue
        if name in data:
            try:
                cleaned[name] = SIMPLE[name](data[name])
            except FieldError as exc:
                errors[name] = [str(exc)]
        elif current is not None:
            cleaned[name] = current[name]
        elif name in DEFAULTS:
            cleaned[name] = DEFAULTS[name]
        else:
            errors[name] = [REQUIRED]
    _export(context, data, current, cleaned, errors)
    if errors:
        raise ValidationError({n: errors[n] for n in names if n in errors})
    if not any(cleaned[name] for name in RECIPIENT_FIELDS):
        raise ValidationError({"mail_additional_recipients": [NO_RECIPIENT]})
    return cleaned


def _export(context, data: dict, current: dict | None, cleaned: dict, errors: dict) -> None:
    """``export_identifier`` and ``export_form_data``: the parameters are checked by the
    exporter named, whenever either is given."""
    if "export_identifier" in data:
        try:
            identifier = _string(data["export_identifier"])
            exporter = context.exporter(identifier)
        except FieldError as exc:
            errors["export_identifier"] = [str(exc)]
            return
        except ExporterNotFound:
            message = f'"{data["export_identifier"]}" is not a valid choice.'
            errors["export_identifier"] = [message]
            return
    elif current is not None:
        identifier = current["export_identifier"]
        exporter = context.exporter(identifier)  # access was checked before
    else:
        errors["export_identifier"] = [REQUIRED]
        if "export_form_data" not in data:
            errors["export_form_data"] = [REQUIRED]
        return
    cleaned["export_identifier"] = identifier
    if "export_form_data" in data:
        raw = data["export_form_data"]
    elif current is not None:
        raw = current["export_form_data"]
    else:
        errors["export_form_data"] = [REQUIRED]
        return
    if raw is None:
        errors["export_form_data"] = [NULL]
        return
    if not isinstance(raw, dict):
        kind = {str: "str", int: "int", float: "float", bool: "bool", list: "list"}
        type_name = kind.get(type(raw), type(raw).__name__)
        errors["export_form_data"] = [f'Expected a dictionary of items but got type "{type_name}".']
        return
    try:
        cleaned["export_form_data"] = form_data.normalize(exporter, raw)
    except ValidationError as exc:
        errors["export_form_data"] = exc.messages
