"""Stored naive-UTC datetimes shown in each event's own time zone."""

from datetime import datetime
from zoneinfo import ZoneInfo


class EventClock:
    def __init__(self, events) -> None:
        self._zones = {e.id: ZoneInfo(e.timezone) for e in events}
        self._slugs = {e.id: e.slug for e in events}

    def slug(self, event_id: int) -> str:
        return self._slugs[event_id]

    def local(self, event_id: int, moment: datetime) -> datetime:
        """Naive wall-clock time in the event's zone (spreadsheets know no time zones)."""
        zone = self._zones[event_id]
        # What astimezone() does after finding the zone, without its generic first steps.
        return zone.fromutc(moment.replace(tzinfo=zone)).replace(tzinfo=None)

    def local_or_none(self, event_id: int, moment: datetime | None) -> datetime | None:
        return None if moment is None else self.local(event_id, moment)
