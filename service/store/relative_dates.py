"""pretix's event settings that hold a moment either fixed or relative to one of the event's
dates (its ``RelativeDateWrapper``), in the text form pretix's API writes them:

* an ISO date and time, ``2027-06-01T00:00:00+02:00``;
* ``RELDATE/<days>/<HH:MM:SS or ->/<base>/<"after" or nothing>``: that many days before (or
  after) the base date, at that wall-clock time if one is given;
* ``RELDATE/minutes/<minutes>/<base>/<"after" or nothing>``.

The base is one of the event's dates (``date_from``, or ``event__date_from`` as newer pretix
writes it), the event's start where that date is not set. Arithmetic is pretix's: days and
minutes are added to the wall clock in the event's time zone.
"""

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from dateutil import parser

EVENT_DATES = ("date_from", "date_to", "date_admission", "presale_start", "presale_end")


def resolve(value: str | None, event) -> datetime | None:
    """The moment ``value`` names for ``event`` (aware), or None when it names none: not
    set, not understood, or relative to an order rather than to the event."""
    if not value:
        return None
    zone = ZoneInfo(event.timezone)
    if not value.startswith("RELDATE/"):
        try:
            moment = parser.parse(value)
        except (ValueError, OverflowError):
            return None
        return moment if moment.tzinfo else moment.replace(tzinfo=zone)
    parts = value.split("/")
    try:
        if parts[1] == "minutes":
            return _relative(event, zone, parts[3], parts[4:], minutes=int(parts[2]))
        clock = None if parts[2] == "-" else time.fromisoformat(parts[2])
        return _relative(event, zone, parts[3], parts[4:], days=int(parts[1] or 0), clock=clock)
    except (IndexError, ValueError):
        return None


def _relative(event, zone, base, rest, days=0, minutes=None, clock=None) -> datetime | None:
    attribute = base.removeprefix("event__")
    if attribute not in EVENT_DATES:
        return None
    stored = getattr(event, attribute) or event.date_from
    start = stored.replace(tzinfo=UTC).astimezone(zone)
    sign = 1 if rest[:1] == ["after"] else -1
    if minutes is not None:
        return start + sign * timedelta(minutes=minutes)
    moment = (start + sign * timedelta(days=days)).astimezone(zone)
    if clock is not None:
        moment = moment.replace(hour=clock.hour, minute=clock.minute, second=clock.second)
    return moment.astimezone(zone)
