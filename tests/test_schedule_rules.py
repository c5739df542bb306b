"""The rrules a schedule may have (pretix's messages), and when it next runs: the next date
of the rule at the schedule's time in its time zone, a time skipped by DST one hour later."""

from datetime import UTC, datetime, time

import pytest

from service.schedules import rules

WEEKLY_MONDAY = "DTSTART:20260101T000000\nRRULE:FREQ=WEEKLY;BYDAY=MO"
DAILY = "DTSTART:20260101T000000\nRRULE:FREQ=DAILY"
# What the pages' picker writes for "monthly, on the first day": a plain FREQ=MONTHLY takes
# its day from DTSTART as a BYMONTHDAY, which pretix does not allow.
FIRST_OF_MONTH = "DTSTART:20260101T000000\nRRULE:FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR,SA,SU;BYSETPOS=1"
# When pretix 2026.8 answered the recorded requests: Monday, 30 November 2026, after 04:00
# in Berlin.
RECORDED = datetime(2026, 11, 30, 11, 0, tzinfo=UTC)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=None)


@pytest.mark.parametrize(
    "rule, zone, when, expected",
    [
        (WEEKLY_MONDAY, "Europe/Berlin", "04:00", "2026-12-07 03:00"),  # ref 2
        (WEEKLY_MONDAY, "Europe/Berlin", "06:30", "2026-12-07 05:30"),  # ref 6
        (DAILY, "Europe/Berlin", "04:00", "2026-12-01 03:00"),  # ref 10
        ("RRULE:FREQ=WEEKLY;BYDAY=MO", "Europe/Berlin", "04:00", "2026-12-07 03:00"),  # ref 23
        ("FREQ=DAILY", "Europe/Berlin", "04:00", "2026-12-01 03:00"),  # ref 24
        (WEEKLY_MONDAY, "America/New_York", "04:00", "2026-12-07 09:00"),  # ref 75
        # Today's date counts while its time has not come: 13:00 Berlin is still ahead.
        (DAILY, "Europe/Berlin", "13:00", "2026-11-30 12:00"),
        (WEEKLY_MONDAY, "Europe/Berlin", "13:00", "2026-11-30 12:00"),
        (FIRST_OF_MONTH, "UTC", "06:00", "2026-12-01 06:00"),
    ],
)
def test_next_run_as_pretix(rule, zone, when, expected):
    assert rules.next_run(rule, time.fromisoformat(when), zone, RECORDED) == at(expected)


def test_a_rule_without_more_dates_has_no_next_run():
    rule = "DTSTART:20200101T000000\nRRULE:FREQ=DAILY;COUNT=1"  # ref 25
    assert rules.next_run(rule, time(4), "Europe/Berlin", RECORDED) is None


def test_a_time_skipped_by_dst_moves_one_hour_later():
    """Berlin skips 02:00-03:00 on 29 March 2026: a 02:30 run is at 03:30 CEST (01:30 UTC);
    the day before and after it is 02:30 local as usual."""
    before = datetime(2026, 3, 28, 12, 0, tzinfo=UTC)
    assert rules.next_run(DAILY, time(2, 30), "Europe/Berlin", before) == at("2026-03-29 01:30")
    after = datetime(2026, 3, 29, 12, 0, tzinfo=UTC)
    assert rules.next_run(DAILY, time(2, 30), "Europe/Berlin", after) == at("2026-03-30 00:30")
    earlier = datetime(2026, 3, 27, 12, 0, tzinfo=UTC)
    assert rules.next_run(DAILY, time(2, 30), "Europe/Berlin", earlier) == at("2026-03-28 01:30")


def test_a_time_repeated_by_dst_runs_at_its_first_occurrence():
    """25 October 2026 02:30 happens twice in Berlin; the first is 00:30 UTC (CEST)."""
    before = datetime(2026, 10, 24, 12, 0, tzinfo=UTC)
    assert rules.next_run(DAILY, time(2, 30), "Europe/Berlin", before) == at("2026-10-25 00:30")


def test_a_skipped_time_in_new_york():
    """New York skips 02:00-03:00 on 8 March 2026: 02:15 becomes 03:15 EDT (07:15 UTC)."""
    before = datetime(2026, 3, 7, 20, 0, tzinfo=UTC)
    assert rules.next_run(DAILY, time(2, 15), "America/New_York", before) == at("2026-03-08 07:15")


@pytest.mark.parametrize(
    "rule, message",
    [
        ("not an rrule", "Not a valid rrule."),
        ("", "Not a valid rrule."),
        ("DTSTART:20260101T000000\nRRULE:FREQ=HOURLY", "Unsupported FREQ value"),
        ("DTSTART:20260101T000000\nRRULE:FREQ=MINUTELY", "Unsupported FREQ value"),
        (
            "DTSTART:20260101T000000\nRRULE:FREQ=DAILY\nRRULE:FREQ=WEEKLY;BYDAY=MO",
            "Only a single RRULE is allowed, no combination of rules.",
        ),
        (
            "DTSTART:20260101T000000\nRRULE:FREQ=DAILY\nEXRULE:FREQ=WEEKLY;BYDAY=MO",
            "Only a single RRULE is allowed, no combination of rules.",
        ),
        ("DTSTART:20260101T000000\nRRULE:FREQ=DAILY;BYHOUR=5", "BYHOUR not supported"),
        ("DTSTART:20260101T000000\nRRULE:FREQ=DAILY;BYMINUTE=5", "BYMINUTE not supported"),
        ("DTSTART:20260101T000000\nRRULE:FREQ=DAILY;BYSECOND=5", "BYSECOND not supported"),
        ("DTSTART:20260101T000000\nRRULE:FREQ=MONTHLY;BYMONTHDAY=1", "BYMONTHDAY not supported"),
        ("DTSTART:20260101T000000\nRRULE:FREQ=MONTHLY", "BYMONTHDAY not supported"),
        ("DTSTART:20260101T000000\nRRULE:FREQ=YEARLY;BYYEARDAY=1", "BYYEARDAY not supported"),
        ("DTSTART:20260101T000000\nRRULE:FREQ=YEARLY;BYEASTER=0", "BYEASTER not supported"),
        ("DTSTART:20260101T000000\nRRULE:FREQ=YEARLY;BYWEEKNO=1", "BYWEEKNO not supported"),
        ("DTSTART:20260101T000000\nRRULE:FREQ=WEEKLY;WKST=SU", "Unsupported WKST value"),
        (
            "DTSTART:20260101T000000\nRRULE:FREQ=MONTHLY;BYDAY=MO,TU;BYSETPOS=1,2",
            "Only one BYSETPOS value allowed",
        ),
        (
            "DTSTART:20260101T000000\nRRULE:FREQ=MONTHLY;BYDAY=MO;BYSETPOS=4",
            "BYSETPOS value not allowed, should be 1, 2, 3 or -1",
        ),
        (
            "DTSTART:20260101T000000\nRRULE:FREQ=WEEKLY;BYDAY=MO;BYSETPOS=1",
            "BYSETPOS not allowed for this FREQ",
        ),
    ],
)
def test_rules_pretix_refuses(rule, message):
    with pytest.raises(rules.InvalidRule) as refused:
        rules.parse(rule)
    assert str(refused.value) == message


@pytest.mark.parametrize(
    "rule",
    [
        WEEKLY_MONDAY,
        "DTSTART:20260101T000000\nRRULE:FREQ=WEEKLY;BYDAY=MO,WE,FR",
        FIRST_OF_MONTH,
        "DTSTART:20260101T000000\nRRULE:FREQ=MONTHLY;BYDAY=MO;BYSETPOS=1",
        "DTSTART:20260101T000000\nRRULE:FREQ=YEARLY;BYMONTH=1;BYDAY=MO;BYSETPOS=1",
        "DTSTART:20260101T000000\nRRULE:FREQ=DAILY;INTERVAL=2;UNTIL=20270101T000000",
        "FREQ=DAILY",
    ],
)
def test_rules_pretix_accepts(rule):
    rules.parse(rule)


def test_a_start_with_a_time_zone_counts_by_its_dates():
    rule = "DTSTART;TZID=America/New_York:20260101T000000\nRRULE:FREQ=DAILY"
    assert rules.next_run(rule, time(4), "Europe/Berlin", RECORDED) == at("2026-12-01 03:00")
