"""``eventdata``, "Event data": one row per event the token may see, by start date as pretix's
``EventDataExporter`` lists them, with each event's times in its own time zone as pretix's
short date-time text, its coordinates and its internal comment.

Offered at organizer level only, taking ``events`` and ``all_events`` like pretix's (which
registers it as a multi-event exporter); it shows event settings, not orders, so any token of
the organizer may run it. pretix adds a column per event meta data property of the
organizer, with the property's default where the event sets no value; those follow the fixed
columns here too, by name: pretix orders them by a position its API does not show, then by
name, and a position left at its default leaves the name.
"""

from sqlalchemy import select

from ..store.models import EventMetaProperty
from ..store.text_order import bytewise
from . import register
from .base import ListExporter
from .base_types import Table
from .localtime import EventClock
from .pretix_formats import short_datetime, yes_no

COLUMNS = [
    "Event name",
    "Short form",
    "Shop is live",
    "Event currency",
    "Timezone",
    "Event start time",
    "Event end time",
    "Admission time",
    "Start of presale",
    "End of presale",
    "Location",
    "Latitude",
    "Longitude",
    "Internal comment",
]


def coordinate(value) -> float | str:
    """pretix keeps coordinates as floats and writes them as such (a number, unquoted in
    CSV); none, or 0, is empty."""
    return float(value) if value else ""


@register
class EventDataExporter(ListExporter):
    identifier = "eventdata"
    verbose_name = "Event data"
    description = (
        "The organizer's events with their dates, location and state, one row each: an overview "
        "of all events."
    )
    event_level = False
    multi_event = True
    required_permission = None
    file_stem = "events"

    def table(self, form: dict) -> Table:
        events = sorted(self.scope.events, key=lambda e: (e.date_from, e.name, e.slug))
        defaults = dict(
            self.session.execute(
                select(EventMetaProperty.name, EventMetaProperty.default)
                .where(EventMetaProperty.organizer_id == self.scope.organizer.id)
                .order_by(bytewise(self.session, EventMetaProperty.name), EventMetaProperty.id)
            ).all()
        )
        properties = list(defaults)
        clock = EventClock(events)
        rows = (
            [
                event.name,
                event.slug,
                yes_no(event.live),
                event.currency,
                event.timezone,
                short_datetime(clock.local(event.id, event.date_from)),
                short_datetime(clock.local_or_none(event.id, event.date_to)),
                short_datetime(clock.local_or_none(event.id, event.date_admission)),
                short_datetime(clock.local_or_none(event.id, event.presale_start)),
                short_datetime(clock.local_or_none(event.id, event.presale_end)),
                event.location or "",
                coordinate(event.geo_lat),
                coordinate(event.geo_lon),
                event.comment or "",
                *({**defaults, **(event.meta_data or {})}.get(name) or "" for name in properties),
            ]
            for event in events
        )
        return Table(COLUMNS + properties, len(events), rows)
