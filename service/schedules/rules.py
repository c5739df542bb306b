"""The rrule of a schedule: which rules pretix accepts, and the next run it gives.

The next run is the next date of the rule, at ``schedule_rrule_time`` in the schedule's time
zone, computed as pretix does: a date whose time today has not passed yet still counts, and
a time that a DST change skips moves one hour later.
"""

import calendar
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from dateutil.rrule import DAILY, MONTHLY, WEEKLY, YEARLY, rrule, rrulestr
from dateutil.tz import datetime_exists

NOT_AN_RRULE = "Not a valid rrule."


class InvalidRule(ValueError):
    """The text of the message says what pretix says."""


def parse(text: str) -> rrule:
    """The rule, or InvalidRule with pretix's message; only what pretix can edit is allowed."""
    try:
        parsed = rrulestr(text)
    except Exception as exc:  # dateutil raises ValueError, TypeError, KeyError, …
        raise InvalidRule(NOT_AN_RRULE) from exc
    if not isinstance(parsed, rrule):
        raise InvalidRule("Only a single RRULE is allowed, no combination of rules.")
    if parsed._freq not in (YEARLY, MONTHLY, WEEKLY, DAILY):
        raise InvalidRule("Unsupported FREQ value")
    if parsed._wkst != calendar.firstweekday():
        raise InvalidRule("Unsupported WKST value")
    _check_bysetpos(parsed)
    for name in ("bymonthday", "byyearday", "byeaster", "byweekno"):
        if getattr(parsed, f"_{name}"):
            raise InvalidRule(f"{name.upper()} not supported")
    start = parsed._dtstart
    for name, unit in (("byhour", start.hour), ("byminute", start.minute)):
        if set(getattr(parsed, f"_{name}") or ()) != {unit}:
            raise InvalidRule(f"{name.upper()} not supported")
    if set(parsed._bysecond or ()) != {start.second}:
        raise InvalidRule("BYSECOND not supported")
    return parsed


def _check_bysetpos(parsed: rrule) -> None:
    if not parsed._bysetpos:
        return
    if len(parsed._bysetpos) > 1:
        raise InvalidRule("Only one BYSETPOS value allowed")
    if parsed._freq not in (YEARLY, MONTHLY):
        raise InvalidRule("BYSETPOS not allowed for this FREQ")
    if parsed._bysetpos[0] not in (1, 2, 3, -1):
        raise InvalidRule("BYSETPOS value not allowed, should be 1, 2, 3 or -1")


def next_run(text: str, at: time, zone: str, now: datetime | None = None) -> datetime | None:
    """The next run after ``now`` as naive UTC, or None when the rule has no more dates."""
    tz = ZoneInfo(zone)
    now = now or datetime.now(UTC)
    local_now = now.astimezone(tz)
    rule = parse(text)
    if "DTSTART" not in text.upper():
        # Without DTSTART a rule starts when it is read (pretix: the server's clock, in UTC);
        # reading it at ``now`` keeps the answer a function of ``now``.
        rule = rule.replace(dtstart=now.astimezone(UTC).replace(tzinfo=None, microsecond=0))
    elif rule._dtstart.tzinfo is not None:  # DTSTART;TZID=…: the dates are what count
        rule = rule.replace(dtstart=rule._dtstart.replace(tzinfo=None))
    base = local_now.replace(tzinfo=None)
    if local_now.time() < at:
        base -= timedelta(days=1)  # today's date still counts: its time has not come yet
    day = rule.after(base, inc=False)
    if day is None:
        return None
    moment = datetime.combine(day.date(), at).replace(tzinfo=tz)
    if not datetime_exists(moment):
        moment += timedelta(hours=1)  # wall-clock arithmetic: 02:30 skipped → 03:30
    return moment.astimezone(UTC).replace(tzinfo=None)


def as_utc(value: datetime | None) -> datetime | None:
    """A stored naive UTC datetime, made aware."""
    return value.replace(tzinfo=UTC) if value is not None else None
