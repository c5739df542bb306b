"""The exports a token started, as the pages list them: with event names, the event's time
zone, the parameters that differ from the defaults in words, and filters."""

import json
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import select

from .. import catalog, jobs
from ..auth import PermissionDenied, Principal
from ..exporters import REGISTRY, params
from ..store import get_session
from ..store.models import Event
from . import forms
from .presenters import ExportRow, Shown, present


@dataclass(frozen=True)
class Filters:
    exporter: str = ""
    event: str = ""
    state: str = ""

    def keep(self, record: dict, row: ExportRow, slugs: list[str]) -> bool:
        if self.exporter and record["exporter"] != self.exporter:
            return False
        if self.event and self.event not in slugs:
            return False
        return not self.state or row.status == self.state


def event_slugs(record: dict, by_id: dict[int, Event]) -> list[str]:
    """The events an export covered: its event, or the events of an organizer-level run."""
    if record.get("events"):
        return json.loads(record["events"])
    ids = json.loads(record.get("event_ids") or "[]")
    return [by_id[i].slug for i in ids if i in by_id]


class Describer:
    """Parameters in words, with each exporter's declaration loaded once per page."""

    def __init__(self, principal: Principal) -> None:
        self.principal = principal
        self.declared: dict[tuple[str, str], dict] = {}

    def declaration(self, identifier: str, event: str) -> dict:
        key = (identifier, event)
        if key not in self.declared:
            self.declared[key] = self._load(identifier, event)
        return self.declared[key]

    def _load(self, identifier: str, event: str) -> dict:
        session, slug = get_session(), self.principal.organizer_slug
        try:
            if event:
                context = catalog.event_context(session, self.principal, slug, event)
            else:
                context = catalog.organizer_context(session, self.principal, slug)
            return context.exporter(identifier).declared_parameters()
        except (PermissionDenied, catalog.ExporterNotFound):
            return {}

    def words(self, record: dict, parameters: dict) -> tuple[list[str], str]:
        """("Only paid orders", "Date range: 2027-01-01 – 2027-01-31", …) and the format."""
        declared = self.declaration(record["exporter"], record.get("event", ""))
        summary, format_label = [], ""
        for name, value in parameters.items():
            declared_field = declared.get(name)
            label = forms.label_for(name, declared_field) if declared_field else name
            labels = getattr(declared_field, "labels", {}) if declared_field else {}
            if name == "_format":
                format_label = str(labels.get(value, value))
            elif isinstance(value, bool):
                if value:
                    summary.append(label)
            elif isinstance(declared_field, params.DateFrame):
                summary.append(f"{label}: {frame_words(str(value))}")
            elif isinstance(value, list):
                by_text = {str(k): v for k, v in labels.items()}
                chosen = ", ".join(str(by_text.get(str(v), v)) for v in value) or "none"
                summary.append(f"{label}: {chosen}")
            elif value not in ("", None):
                by_text = {str(k): v for k, v in labels.items()}
                summary.append(f"{label}: {by_text.get(str(value), value)}")
        return summary, format_label


def frame_words(frame: str) -> str:
    if frame in forms.KEYWORD_LABELS:
        return forms.KEYWORD_LABELS[frame]
    start, _, end = frame.partition("/")
    return f"{start or '…'} – {end or '…'}"


def _zone(events: list[Event]) -> str:
    zones = {e.timezone or "UTC" for e in events}
    return zones.pop() if len(zones) == 1 else "UTC"


def rows_for(
    principal: Principal,
    exporter: str = "",
    event: str = "",
    state: str = "",
    level_only: bool = False,
    records: list[dict] | None = None,
) -> list[ExportRow]:
    """The token's exports, newest first, as rows. ``level_only``: exactly this level (the
    event ``event``, or organizer level when it is empty), as an exporter's page lists."""
    records = jobs.exports_of_token(principal.token_hash) if records is None else records
    events = get_session().scalars(
        select(Event).where(Event.organizer_id == principal.organizer_id)
    )
    by_id = {e.id: e for e in events}
    by_slug = {e.slug: e for e in by_id.values()}
    describer = Describer(principal)
    ttl = current_app.config["EXPORT_TTL_HOURS"]
    filters = Filters(exporter, "" if level_only else event, state)
    rows = []
    for record in records:
        if level_only and (record["exporter"] != exporter or record.get("event", "") != event):
            continue
        if filters.exporter and record["exporter"] != filters.exporter:
            continue
        slugs = event_slugs(record, by_id)
        covered = [by_slug[s] for s in slugs if s in by_slug]
        parameters = json.loads(record.get("params") or "{}")
        summary, format_label = describer.words(record, parameters)
        shown = Shown(
            event_names=[e.name for e in covered] or slugs,
            timezone=_zone(covered),
            summary=summary,
            format_label=format_label,
        )
        row = present(record, jobs.state_of_record(record), ttl, shown)
        if filters.keep(record, row, slugs):
            rows.append(row)
    return rows


def exporter_names() -> dict[str, str]:
    return {identifier: cls.verbose_name for identifier, cls in REGISTRY.items()}
