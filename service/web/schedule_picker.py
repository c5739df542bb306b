"""The pages' schedule picker: daily, weekly on chosen days, or monthly on the first day,
written as the rrule the API takes; any other rule can be kept or typed in as it is."""

from dataclasses import dataclass, field

from dateutil.rrule import DAILY, MONTHLY, WEEKLY

from ..schedules import rules

START = "DTSTART:20260101T000000\nRRULE:"
DAYS = (("MO", "Mon"), ("TU", "Tue"), ("WE", "Wed"), ("TH", "Thu"), ("FR", "Fri"),
        ("SA", "Sat"), ("SU", "Sun"))  # fmt: skip
ALL_DAYS = ",".join(code for code, _ in DAYS)
FIRST_OF_MONTH = f"FREQ=MONTHLY;BYDAY={ALL_DAYS};BYSETPOS=1"
NO_DAY = "Choose at least one day."


@dataclass
class Picked:
    """What the picker shows: a frequency, the weekdays, and the rule typed in for others."""

    frequency: str = "weekly"
    days: list[str] = field(default_factory=lambda: ["MO"])
    custom: str = ""


def to_rrule(form) -> tuple[str | None, str | None]:
    """The rrule of a submitted picker, or an error for the picker."""
    frequency = form.get("frequency", "")
    if frequency == "daily":
        return START + "FREQ=DAILY", None
    if frequency == "weekly":
        days = [code for code, _ in DAYS if code in form.getlist("days")]
        if not days:
            return None, NO_DAY
        return START + "FREQ=WEEKLY;BYDAY=" + ",".join(days), None
    if frequency == "monthly":
        return START + FIRST_OF_MONTH, None
    return form.get("custom_rrule", "").strip().replace("\r\n", "\n"), None


def from_rrule(text: str) -> Picked:
    """The picker for a stored rule: one of its three kinds, or the rule as typed."""
    try:
        rule = rules.parse(text)
    except rules.InvalidRule:
        return Picked("custom", [], text)
    interval_one = rule._interval == 1 and rule._count is None and rule._until is None
    days = [DAYS[day][0] for day in sorted(rule._byweekday or ())]
    if interval_one and rule._freq == DAILY and not rule._bymonth and len(days) in (0, 7):
        return Picked("daily", [])
    if interval_one and rule._freq == WEEKLY and not rule._bymonth and days:
        return Picked("weekly", days)
    if interval_one and rule._freq == MONTHLY and rule._bysetpos == (1,) and len(days) == 7:
        return Picked("monthly", [])
    return Picked("custom", [], text)


def describe(text: str) -> str:
    """The rule in words, for the list of schedules."""
    picked = from_rrule(text)
    if picked.frequency == "daily":
        return "Daily"
    if picked.frequency == "weekly":
        names = dict(DAYS)
        return "Weekly on " + ", ".join(names[day] for day in picked.days)
    if picked.frequency == "monthly":
        return "Monthly, on the first day"
    return "Custom rule"
