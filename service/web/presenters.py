"""An export record and its state, as the pages show them: names, times in the event's time
zone, sizes, what was asked for and when the file expires."""

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from .. import exporters
from ..jobs import ExportState

ACTIVE = ("waiting", "running")


@dataclass(frozen=True)
class ExportRow:
    file_id: str
    exporter: str
    event: str
    organizer: str
    format: str
    parameters: dict
    status: str
    percentage: int | None
    message: str | None
    created: datetime | None
    finished: datetime | None
    size: int | None
    filename: str
    identifier: str = ""
    event_names: tuple[str, ...] = ()
    timezone: str = "UTC"
    summary: tuple[str, ...] = ()
    format_label: str = ""
    expires: datetime | None = None
    level: str = "event"
    details: dict = field(default_factory=dict)

    @property
    def active(self) -> bool:
        return self.status in ACTIVE

    def local(self, moment: datetime | None) -> str:
        """A moment in the export's time zone, with the zone named: "2026-11-27 18:25 CET"."""
        if moment is None:
            return ""
        return moment.astimezone(ZoneInfo(self.timezone)).strftime("%Y-%m-%d %H:%M %Z")

    @property
    def duration(self) -> str:
        """From the request to the end, which is what the person waited."""
        if self.created is None or self.finished is None:
            return ""
        return format_duration((self.finished - self.created).total_seconds())

    @property
    def parameter_texts(self) -> list[tuple[str, str]]:
        """The parameters other than the format, as labels and readable values."""
        return [
            (label_of(name), _value_text(value))
            for name, value in self.parameters.items()
            if name != "_format"
        ]

    @property
    def size_text(self) -> str:
        return format_size(self.size) if self.size is not None else ""


def status_of(record: dict, state: ExportState) -> str:
    """The API's status, except that a canceled export says so instead of "failed"."""
    if state.status == "failed" and record.get("state") == "canceled":
        return "canceled"
    return state.status


def present(
    record: dict,
    state: ExportState,
    ttl_hours: float | None = None,
    shown: "Shown | None" = None,
) -> ExportRow:
    parameters = json.loads(record.get("params") or "{}")
    running = state.status == "running"
    finished = state.status == "finished"
    ended = finished or state.status == "failed"
    finished_at = _parse_time(record.get("finished")) if ended else None
    expires = (
        finished_at + timedelta(hours=ttl_hours) if finished and finished_at and ttl_hours else None
    )
    shown = shown or Shown()
    return ExportRow(
        file_id=record["file_id"],
        exporter=_exporter_name(record["exporter"]),
        event=record["event"] or _events_text(record),
        organizer=record["organizer"],
        format=str(parameters.get("_format", "")),
        parameters=parameters,
        status=status_of(record, state),
        percentage=int(state.percentage) if running and state.percentage is not None else None,
        message=state.message if status_of(record, state) == "failed" else None,
        created=_parse_time(record.get("created")),
        finished=finished_at,
        size=int(record["size"]) if finished and record.get("size") else None,
        filename=record.get("filename", ""),
        identifier=record["exporter"],
        event_names=tuple(shown.event_names),
        timezone=shown.timezone,
        summary=tuple(shown.summary),
        format_label=shown.format_label or str(parameters.get("_format", "")),
        expires=expires,
        level="event" if record.get("event") else "organizer",
    )


@dataclass
class Shown:
    """What the pages know beyond the record: event names, the time zone, and the
    parameters in words (``export_list`` works them out)."""

    event_names: list[str] = field(default_factory=list)
    timezone: str = "UTC"
    summary: list[str] = field(default_factory=list)
    format_label: str = ""


def label_of(name: str) -> str:
    words = name.strip("_").replace("_", " ")
    return words[:1].upper() + words[1:]


def _value_text(value) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(str(item) for item in value) or "none"
    return str(value)


def _exporter_name(identifier: str) -> str:
    cls = exporters.REGISTRY.get(identifier)
    return cls.verbose_name if cls is not None else identifier


def _events_text(record: dict) -> str:
    count = len(json.loads(record.get("event_ids") or "[]"))
    return f"{count} event" if count == 1 else f"{count} events"


def _parse_time(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None


def format_time(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S UTC") if moment else ""


def format_duration(seconds: float) -> str:
    seconds = max(0, round(seconds))
    if seconds < 60:
        return f"{seconds} s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min {seconds} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} min"


def format_size(size: int) -> str:
    if size < 1024:
        return f"{size} B"
    for unit in ("KB", "MB", "GB"):
        size /= 1024
        if size < 1024 or unit == "GB":
            return f"{size:.1f} {unit}"
    return f"{size:.1f} GB"
