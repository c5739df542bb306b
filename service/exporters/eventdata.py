"""``eventdata``, "Event data": one row per event the token may see, by start date as pretix's
``EventDataExporter`` lists them, with each event's times in its own time zone.

Offered at organizer level only, taking ``events`` and ``all_events`` like pretix's (which
registers it as a multi-event exporter); it shows event settings, not orders, so any token of
the organizer may run it. pretix's columns for coordinates, the internal comment and meta data
are left out, as the store has none of them.
"""

from . import register
from .base import ListExporter
from .base_types import Table
from .localtime import EventClock
from .orderlist import yes_no

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
]


@register
class EventDataExporter(ListExporter):
    identifier = "eventdata"
    verbose_name = "Event data"
    event_level = False
    multi_event = True
    required_permission = None
    file_stem = "events"

    def table(self, form: dict) -> Table:
        events = sorted(self.scope.events, key=lambda e: (e.date_from, e.name, e.id))
        clock = EventClock(events)
        rows = (
            [
                event.name,
                event.slug,
                yes_no(event.live),
                event.currency,
                event.timezone,
                clock.local(event.id, event.date_from),
                clock.local_or_none(event.id, event.date_to),
                clock.local_or_none(event.id, event.date_admission),
                clock.local_or_none(event.id, event.presale_start),
                clock.local_or_none(event.id, event.presale_end),
                event.location,
            ]
            for event in events
        )
        return Table(COLUMNS, len(events), rows)
