"""Forms generated from an exporter's declared parameters, and back.

``describe`` turns the parameters into what the template needs to draw each control;
``to_data`` turns a submitted form into the same dict a REST client sends to ``run``, so the
exporter validates both the same way.
"""

from dataclasses import dataclass, field

from werkzeug.datastructures import MultiDict

from ..exporters import dateframes, params
from .presenters import label_of

BOTH_FRAMES = "Choose a period or dates, not both."
KEYWORD_LABELS = {
    "days_today": "Today",
    "days_yesterday": "Yesterday",
    "days_last7": "Last 7 days",
    "days_last14": "Last 14 days",
    "days_tomorrow": "Tomorrow",
    "days_next7": "Next 7 days",
    "days_next14": "Next 14 days",
    "week_this": "This week",
    "week_to_date": "This week to date",
    "week_previous": "Previous week",
    "week_next": "Next week",
    "month_this": "This month",
    "month_to_date": "This month to date",
    "month_previous": "Previous month",
    "month_next": "Next month",
    "quarter_this": "This quarter",
    "quarter_to_date": "This quarter to date",
    "quarter_previous": "Previous quarter",
    "quarter_next": "Next quarter",
    "year_this": "This year",
    "year_to_date": "This year to date",
    "year_previous": "Previous year",
    "year_next": "Next year",
    "future": "Future",
    "past": "Past",
}


@dataclass
class Option:
    value: str
    label: str
    selected: bool = False


@dataclass
class FormField:
    """One control of an exporter's form, with what was entered and what was wrong."""

    name: str
    label: str
    widget: str
    required: bool
    options: list[Option] = field(default_factory=list)
    value: str = ""
    checked: bool = False
    date_from: str = ""
    date_to: str = ""
    errors: list[str] = field(default_factory=list)

    @property
    def control_id(self) -> str:
        return f"field-{self.name}"


def from_part(name: str) -> str:
    return f"{name}-from"


def to_part(name: str) -> str:
    return f"{name}-to"


def keyword_part(name: str) -> str:
    return f"{name}-keyword"


def label_for(name: str, declared: params.Param) -> str:
    return declared.metadata.get("label") or label_of(name)


def _options(values: list, labels: dict, chosen: set[str], blank: bool) -> list[Option]:
    options = [Option("", "—", not chosen)] if blank else []
    for value in values:
        text = str(value)
        options.append(Option(text, str(labels.get(value, text)), text in chosen))
    return options


def describe(
    declared: dict[str, params.Param],
    submitted: MultiDict | None = None,
    errors: dict[str, list[str]] | None = None,
) -> list[FormField]:
    """The controls for ``declared``; filled with ``submitted`` when a form is shown again."""
    submitted = submitted if submitted is not None else MultiDict()
    errors = errors or {}
    described = []
    for name, declared_field in declared.items():
        control = FormField(
            name=name,
            label=label_for(name, declared_field),
            widget=declared_field.widget,
            required=bool(declared_field.required),
            errors=list(errors.get(name, [])),
        )
        chosen = set(submitted.getlist(name))
        if control.widget in ("select", "multiselect"):
            labels = getattr(declared_field, "labels", {})
            blank = control.widget == "select" and not control.required
            control.options = _options(declared_field.choices, labels, chosen, blank)
        elif control.widget == "events":
            control.options = _options(declared_field.allowed, {}, chosen, blank=False)
        elif control.widget == "dateframe":
            keyword = submitted.get(keyword_part(name), "")
            control.options = _options(list(dateframes.KEYWORDS), KEYWORD_LABELS, {keyword}, True)
            control.date_from = submitted.get(from_part(name), "")
            control.date_to = submitted.get(to_part(name), "")
        elif control.widget == "checkbox":
            control.checked = submitted.get(name) == "true"
        else:
            control.value = submitted.get(name, "")
        described.append(control)
    return described


def to_data(
    declared: dict[str, params.Param], submitted: MultiDict
) -> tuple[dict, dict[str, list[str]]]:
    """The ``run`` body for a submitted form, and errors the form itself can tell.

    Only declared parameters are read; empty controls are left out, so the exporter applies
    its defaults and reports missing required ones with the API's own messages.
    """
    data, errors = {}, {}
    for name, declared_field in declared.items():
        widget = declared_field.widget
        if widget in ("multiselect", "events"):
            chosen = [value for value in submitted.getlist(name) if value != ""]
            if chosen:
                data[name] = chosen
        elif widget == "checkbox":
            data[name] = submitted.get(name) == "true"
        elif widget == "dateframe":
            frame, error = _date_frame(name, submitted)
            if error:
                errors[name] = [error]
            elif frame:
                data[name] = frame
        else:
            value = submitted.get(name, "").strip()
            if value:
                data[name] = value
    return data, errors


def _date_frame(name: str, submitted: MultiDict) -> tuple[str, str | None]:
    keyword = submitted.get(keyword_part(name), "").strip()
    start = submitted.get(from_part(name), "").strip()
    end = submitted.get(to_part(name), "").strip()
    if keyword and (start or end):
        return "", BOTH_FRAMES
    if keyword:
        return keyword, None
    if start or end:
        return f"{start}/{end}", None
    return "", None


def messages_by_field(messages) -> dict[str, list[str]]:
    """A ValidationError's messages as ``{field: [text, ...]}``, however they were nested."""
    if not isinstance(messages, dict):
        return {"": _texts(messages)}
    return {str(name): _texts(value) for name, value in messages.items()}


def _texts(value) -> list[str]:
    if isinstance(value, dict):
        return [text for inner in value.values() for text in _texts(inner)]
    if isinstance(value, list | tuple):
        return [text for inner in value for text in _texts(inner)]
    return [str(value)]
