"""Stored naive-UTC datetimes shown in each event's own time zone."""

from collections.abc import Iterable, Sequence
from datetime import date, datetime, time, timedelta
from itertools import repeat
from operator import add
from zoneinfo import ZoneInfo

ONE_HOUR = timedelta(hours=1)
JUST_BEFORE = timedelta(microseconds=1)
# Marks an hour not looked up yet (None means "no single offset").
_UNKNOWN = object()
# Hours whose offset is remembered per event before the memo starts afresh (a few MB at most).
MAX_REMEMBERED_HOURS = 20_000
# A batch's moments spanning at most this are shifted together where they share an offset.
SHARED_OFFSET_SPAN = timedelta(hours=12)


def _wall_clock(zone: ZoneInfo, moment: datetime) -> datetime:
    """What astimezone() does after finding the zone, without its generic first steps."""
    return zone.fromutc(moment.replace(tzinfo=zone)).replace(tzinfo=None)


def _offset_of_hour(zone: ZoneInfo, moment: datetime) -> timedelta | None:
    """The zone's UTC offset throughout the UTC hour of ``moment``, or None if it changes
    within that hour. Equal offsets at the hour's first and last microsecond mean no change
    in between: no time zone changes its offset twice within an hour."""
    start = moment.replace(minute=0, second=0, microsecond=0)
    end = start + ONE_HOUR - JUST_BEFORE
    offset = _wall_clock(zone, start) - start
    return offset if _wall_clock(zone, end) - end == offset else None


class EventClock:
    def __init__(self, events) -> None:
        self._zones = {e.id: ZoneInfo(e.timezone) for e in events}
        self._slugs = {e.id: e.slug for e in events}
        # Per event, UTC hour number → offset (or None: convert each moment of that hour).
        # Exports convert a moment per row; most rows share their hour with others.
        self._offsets: dict[int, dict[int, timedelta | None]] = {e.id: {} for e in events}

    def slug(self, event_id: int) -> str:
        return self._slugs[event_id]

    def local(self, event_id: int, moment: datetime) -> datetime:
        """Naive wall-clock time in the event's zone (spreadsheets know no time zones)."""
        offset = self._offset(event_id, moment)
        if offset is None:
            return _wall_clock(self._zones[event_id], moment)
        return moment + offset

    def _offset(self, event_id: int, moment: datetime) -> timedelta | None:
        """The event's offset throughout the UTC hour of ``moment`` (``_offset_of_hour``)."""
        hour = moment.toordinal() * 24 + moment.hour
        offsets = self._offsets[event_id]
        offset = offsets.get(hour, _UNKNOWN)
        if offset is _UNKNOWN:
            if len(offsets) >= MAX_REMEMBERED_HOURS:
                offsets.clear()
            offset = offsets[hour] = _offset_of_hour(self._zones[event_id], moment)
        return offset

    def local_column(self, event_ids: Sequence[int], moments: Sequence[datetime]) -> list:
        """``local`` for each row of a batch. A batch of one event's moments within a few
        hours (rows in order of time) that share one offset throughout is shifted by it in C;
        each hour between the first and the last moment is looked at, so none is missed."""
        rows = len(moments)
        if rows and event_ids.count(event_ids[0]) == rows:
            first, last = min(moments), max(moments)
            if last - first <= SHARED_OFFSET_SPAN:
                hour = first.replace(minute=0, second=0, microsecond=0)
                offsets = set()
                while hour <= last:
                    offsets.add(self._offset(event_ids[0], hour))
                    hour += ONE_HOUR
                if len(offsets) == 1 and None not in offsets:
                    return list(map(add, moments, repeat(offsets.pop())))
        return list(map(self.local, event_ids, moments))

    def local_or_none(self, event_id: int, moment: datetime | None) -> datetime | None:
        return None if moment is None else self.local(event_id, moment)

    def local_date(self, event_id: int, moment: datetime | None) -> date | None:
        return None if moment is None else self.local(event_id, moment).date()


def in_zone(zone: ZoneInfo, moment: datetime | None) -> datetime | None:
    """A stored naive-UTC moment as naive wall-clock time in ``zone``."""
    if moment is None:
        return None
    return _wall_clock(zone, moment)


def times_of_day(moments: Iterable[datetime]) -> list[str]:
    """ "09:30:00" for each moment of a column, as strftime("%H:%M:%S") writes it, in C
    loops (five times faster than strftime, twice as fast as a Python function per cell)."""
    return list(map(time.isoformat, map(datetime.time, moments), repeat("seconds")))
