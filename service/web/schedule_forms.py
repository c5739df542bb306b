"""A schedule as a form: the exporter's own controls (``forms``), the mail fields and the
schedule picker; and a submitted form as the body the API takes, so the same validation
answers both."""

from werkzeug.datastructures import MultiDict

from ..exporters import params
from . import forms, schedule_picker

MAIL_FIELDS = (
    "mail_additional_recipients",
    "mail_additional_recipients_cc",
    "mail_additional_recipients_bcc",
    "mail_subject",
    "mail_template",
)


def form_values(declared: dict, stored: dict) -> MultiDict:
    """Stored parameters as the controls of ``forms.describe`` read them back."""
    values = MultiDict()
    for name, declared_field in declared.items():
        value = stored.get(name)
        if value is None:
            continue
        if declared_field.widget == "checkbox":
            values.add(name, "true" if value else "")
        elif declared_field.widget == "dateframe":
            if value in params.dateframes.KEYWORDS:
                values.add(forms.keyword_part(name), value)
            elif "/" in value:
                start, end = value.split("/", 1)
                values.add(forms.from_part(name), start)
                values.add(forms.to_part(name), end)
        elif isinstance(value, list):
            for item in value:
                values.add(name, str(item))
        else:
            values.add(name, str(value))
    return values


def schedule_values(fields: dict) -> MultiDict:
    """A stored schedule as the submitted form it would come from."""
    values = MultiDict({name: fields.get(name) or "" for name in MAIL_FIELDS})
    values["time"] = fields["schedule_rrule_time"].strftime("%H:%M")
    values["timezone"] = fields.get("timezone") or ""
    picked = schedule_picker.from_rrule(fields["schedule_rrule"])
    values["frequency"] = picked.frequency
    values.setlist("days", picked.days)
    values["custom_rrule"] = picked.custom
    return values


def to_body(declared: dict, submitted: MultiDict) -> tuple[dict, dict]:
    """The API body of a submitted schedule form, and errors only the form can tell."""
    export_data, errors = forms.to_data(declared, submitted)
    body = {name: submitted.get(name, "") for name in MAIL_FIELDS}
    body["export_form_data"] = export_data
    body["schedule_rrule_time"] = submitted.get("time", "")
    if "timezone" in submitted:
        body["timezone"] = submitted.get("timezone", "")
    rrule, picker_error = schedule_picker.to_rrule(submitted)
    if picker_error:
        errors["schedule_rrule"] = [picker_error]
    else:
        body["schedule_rrule"] = rrule
    return body, errors
