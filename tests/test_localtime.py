"""Local times from remembered hourly offsets equal Python's own conversion, moment by moment,
around every offset change (DST, half-hour shifts, odd historical offsets) and at random."""

import random
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest

from service.exporters import localtime
from service.exporters.localtime import EventClock

ZONES = [
    "Europe/Berlin",
    "America/New_York",
    "Australia/Lord_Howe",  # DST shifts by 30 minutes
    "Asia/Kathmandu",  # +05:45, changed from +05:30 in 1986
    "America/St_Johns",  # -03:30
    "Pacific/Apia",  # skipped 30 December 2011 entirely
    "Europe/Amsterdam",  # +00:19:32 until 1937
    "UTC",
]


def expected(zone: ZoneInfo, moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC).astimezone(zone).replace(tzinfo=None)


def offset_changes(zone: ZoneInfo, start: datetime, end: datetime) -> list[datetime]:
    """UTC moments (to the minute) where the zone's offset differs from a minute earlier."""
    changes, moment, previous = [], start, None
    step = timedelta(minutes=1)
    while moment < end:
        offset = zone.utcoffset(moment.replace(tzinfo=UTC).astimezone(zone))
        if previous is not None and offset != previous:
            changes.append(moment)
        previous = offset
        moment += step if changes and moment - changes[-1] < timedelta(hours=2) else 15 * step
    return changes


def clock_for(zones: list[str]) -> EventClock:
    events = [SimpleNamespace(id=n, slug=f"e{n}", timezone=z) for n, z in enumerate(zones)]
    return EventClock(events)


@pytest.mark.parametrize("name", ZONES)
def test_every_second_around_offset_changes(name):
    zone = ZoneInfo(name)
    clock = clock_for([name])
    changes = offset_changes(zone, datetime(1930, 1, 1), datetime(1940, 1, 1))
    changes += offset_changes(zone, datetime(1985, 1, 1), datetime(1987, 1, 1))
    changes += offset_changes(zone, datetime(2011, 1, 1), datetime(2013, 1, 1))
    for change in changes:
        # Walk over the hour before and after, second by second, in both directions: the
        # memo must not depend on which moment of an hour was seen first.
        moments = [change + timedelta(seconds=s) for s in range(-3600, 3600, 7)]
        for moment in moments + moments[::-1]:
            assert clock.local(0, moment) == expected(zone, moment), (name, moment)
    if name != "UTC":
        assert changes, f"{name} should change its offset in the years looked at"


def test_random_moments_of_several_events():
    rng = random.Random(7)
    clock = clock_for(ZONES)
    zones = [ZoneInfo(z) for z in ZONES]
    for _ in range(20_000):
        event = rng.randrange(len(ZONES))
        moment = datetime(1900, 1, 1) + timedelta(seconds=rng.randrange(150 * 365 * 86400))
        moment = moment.replace(microsecond=rng.choice([0, 999_999, rng.randrange(10**6)]))
        assert clock.local(event, moment) == expected(zones[event], moment)


def test_the_memo_stays_bounded(monkeypatch):
    monkeypatch.setattr(localtime, "MAX_REMEMBERED_HOURS", 50)
    clock = clock_for(["Europe/Berlin"])
    zone = ZoneInfo("Europe/Berlin")
    moment = datetime(2026, 3, 1)
    for _ in range(500):
        assert clock.local(0, moment) == expected(zone, moment)
        moment += timedelta(minutes=37)
    assert 0 < len(clock._offsets[0]) <= 50


@pytest.mark.parametrize("name", ["Europe/Berlin", "Australia/Lord_Howe", "Pacific/Apia"])
def test_a_batch_is_shifted_like_each_moment_around_offset_changes(name):
    """Batches of one event's moments in order of time, a few seconds to a day long, that
    start anywhere around an offset change: shifted together only where that is right."""
    zone = ZoneInfo(name)
    changes = offset_changes(zone, datetime(2011, 1, 1), datetime(2013, 1, 1))
    rng = random.Random(name)
    for change in changes:
        for _ in range(40):
            start = change + timedelta(seconds=rng.randint(-30_000, 30_000))
            steps = [timedelta(seconds=rng.randint(0, 400)) for _ in range(rng.randint(1, 300))]
            moments = [start + sum(steps[:n], timedelta()) for n in range(len(steps))]
            clock = clock_for([name, "UTC"])
            got = clock.local_column([0] * len(moments), moments)
            assert got == [expected(zone, m) for m in moments], (name, start)


def test_a_batch_of_several_events_is_converted_moment_by_moment():
    clock = clock_for(["Europe/Berlin", "America/New_York"])
    moments = [datetime(2026, 7, 1, 12, 0), datetime(2026, 7, 1, 12, 5)]
    assert clock.local_column([0, 1], moments) == [
        expected(ZoneInfo("Europe/Berlin"), moments[0]),
        expected(ZoneInfo("America/New_York"), moments[1]),
    ]
