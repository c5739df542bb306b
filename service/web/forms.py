"""Forms generated from an exporter's declared parameters, and back.

``describe`` turns the parameters into what the template needs to draw each control, filled
with pretix's form defaults when nothing was submitted yet; ``to_data`` turns a submitted form
into the same dict a REST client sends to ``run``, so the exporter validates both the same way.

At organizer level ``events`` and ``all_events`` are one choice: all events (the default), or
the events checked.
"""

from dataclasses import dataclass, field
from datetime import date

from werkzeug.datastructures import MultiDict

from ..exporters import dateframes, params
from .presenters import label_of

BOTH_FRAMES = "Choose a period or dates, not both."
FROM_AFTER_TO = "The “from” date is after the “to” date."
NOT_A_DATE = "Enter a date as YYYY-MM-DD."
NO_EVENT_CHOSEN = "Check at least one event, or choose all events."
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
    help: str = ""
    all_events: bool = True  # the ``events`` control: all events, or the ones checked
    wrong: frozenset = frozenset()  # the parts of a date frame to mark: keyword, from, to

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


def _initial(declared: params.Param) -> MultiDict:
    """pretix's form default of a parameter, as a submitted form would carry it."""
    initial = declared.metadata.get("initial")
    if initial is None:
        return MultiDict()
    if isinstance(initial, bool):
        return MultiDict({"v": "true" if initial else ""})
    values = initial if isinstance(initial, list) else [initial]
    return MultiDict([("v", str(value)) for value in values])


def _frame_parts(submitted: MultiDict, name: str) -> frozenset:
    """Which parts of a date frame the person filled in, to mark them when it is wrong."""
    parts = {
        "keyword": submitted.get(keyword_part(name), ""),
        "from": submitted.get(from_part(name), ""),
        "to": submitted.get(to_part(name), ""),
    }
    return frozenset(part for part, value in parts.items() if value.strip())


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
    fresh = not submitted
    submitted = submitted if submitted is not None else MultiDict()
    errors = errors or {}
    described = []
    with_events = any(f.widget == "events" for f in declared.values())
    for name, declared_field in declared.items():
        if with_events and name == "all_events":
            continue  # part of the events control
        control = FormField(
            name=name,
            label=label_for(name, declared_field),
            widget=declared_field.widget,
            required=bool(declared_field.required),
            errors=list(errors.get(name, [])),
            help=declared_field.metadata.get("help", ""),
        )
        given = _initial(declared_field) if fresh else submitted
        key = "v" if fresh else name
        chosen = set(given.getlist(key))
        if control.widget in ("select", "multiselect"):
            labels = getattr(declared_field, "labels", {})
            blank = control.widget == "select" and not control.required
            control.options = _options(declared_field.choices, labels, chosen, blank)
        elif control.widget == "events":
            labels = getattr(declared_field, "labels", {})
            control.options = _options(declared_field.allowed, labels, chosen, blank=False)
            control.errors += errors.get("all_events", [])
            control.all_events = _wants_all_events(submitted, name)
        elif control.widget == "dateframe":
            keyword = submitted.get(keyword_part(name), "")
            control.options = _options(list(dateframes.KEYWORDS), KEYWORD_LABELS, {keyword}, True)
            control.date_from = submitted.get(from_part(name), "")
            control.date_to = submitted.get(to_part(name), "")
            if control.errors:
                filled = _frame_parts(submitted, name)
                control.wrong = filled or frozenset({"keyword", "from", "to"})
        elif control.widget == "checkbox":
            control.checked = given.get(key) == "true"
        else:
            control.value = given.get(key, "")
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
    with_events = any(f.widget == "events" for f in declared.values())
    for name, declared_field in declared.items():
        widget = declared_field.widget
        if with_events and name == "all_events":
            continue  # read with the events control
        if widget == "events":
            chosen = [value for value in submitted.getlist(name) if value != ""]
            if _wants_all_events(submitted, name):
                data["all_events"] = True
            elif chosen:
                data["all_events"], data[name] = False, chosen
            else:
                errors[name] = [NO_EVENT_CHOSEN]
        elif widget == "multiselect":
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


def _wants_all_events(submitted: MultiDict, name: str) -> bool:
    """All events when chosen, or when nothing says otherwise (no event checked)."""
    choice = submitted.get("all_events", "")
    if choice in ("true", "false"):
        return choice == "true"
    return not [value for value in submitted.getlist(name) if value != ""]


def _is_date(text: str) -> bool:
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return len(text) == 10


def _date_frame(name: str, submitted: MultiDict) -> tuple[str, str | None]:
    keyword = submitted.get(keyword_part(name), "").strip()
    start = submitted.get(from_part(name), "").strip()
    end = submitted.get(to_part(name), "").strip()
    if keyword and (start or end):
        return "", BOTH_FRAMES
    if keyword:
        return keyword, None
    if (start and not _is_date(start)) or (end and not _is_date(end)):
        return "", NOT_A_DATE
    if start and end and start > end:
        return "", FROM_AFTER_TO
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
