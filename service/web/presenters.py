"""An export record and its state, as the pages show them: names, times, sizes."""

import json
from dataclasses import dataclass
from datetime import datetime

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

    @property
    def active(self) -> bool:
        return self.status in ACTIVE

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


def present(record: dict, state: ExportState) -> ExportRow:
    parameters = json.loads(record.get("params") or "{}")
    running = state.status == "running"
    finished = state.status == "finished"
    ended = finished or state.status == "failed"
    return ExportRow(
        file_id=record["file_id"],
        exporter=_exporter_name(record["exporter"]),
        event=record["event"] or _events_text(record),
        organizer=record["organizer"],
        format=str(parameters.get("_format", "")),
        parameters=parameters,
        status=state.status,
        percentage=int(state.percentage) if running and state.percentage is not None else None,
        message=state.message if state.status == "failed" else None,
        created=_parse_time(record.get("created")),
        finished=_parse_time(record.get("finished")) if ended else None,
        size=int(record["size"]) if finished and record.get("size") else None,
        filename=record.get("filename", ""),
    )


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
