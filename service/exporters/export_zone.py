"""Which time zone an export's date frames and times use, as pretix picks it: the event's
own, or across events the zone of the organizer's first event (by start)."""

from datetime import UTC, date, datetime
from functools import partial
from zoneinfo import ZoneInfo

from . import dateframes
from .localtime import EventClock


def export_timezone(scope) -> str:
    if scope.event is not None:
        return scope.event.timezone
    events = sorted(scope.events, key=lambda e: (e.date_from, e.id))
    return events[0].timezone if events else "UTC"


def day_range(frame: str | None, timezone: str) -> tuple[date | None, date | None]:
    """The frame's first and last day (inclusive, either open), for filters on dates such
    as an invoice's; no frame means both open."""
    if not frame:
        return None, None
    today = datetime.now(UTC).astimezone(ZoneInfo(timezone)).date()
    return dateframes.day_bounds(frame, today)


class _Zone:
    """The export's zone in the shape ``EventClock`` reads an event in."""

    def __init__(self, timezone: str) -> None:
        self.id, self.timezone, self.slug = 0, timezone, ""


class ZoneClock:
    """Stored naive-UTC moments as wall-clock times in one zone."""

    def __init__(self, timezone: str) -> None:
        self._clock = EventClock([_Zone(timezone)])
        # ``local(moment)``: the clock's own method, without a call of ours around it (an
        # export maps it over every row).
        self.local = partial(self._clock.local, 0)
