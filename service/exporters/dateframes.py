"""Date frames as pretix's API takes them: a keyword or ``YYYY-MM-DD/YYYY-MM-DD``.

Validation keeps the text (a frame like ``days_last7`` means something different tomorrow);
``resolve`` turns it into a half-open UTC interval at export time, in the event's time zone.
Frames reaching the first or last representable day (0001-01-01, 9999-12-31) are valid:
a bound beyond them becomes an open one, which selects the same orders.
"""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

INVALID = "Invalid date frame"

KEYWORDS = (
    "days_today",
    "days_yesterday",
    "days_last7",
    "days_last14",
    "days_tomorrow",
    "days_next7",
    "days_next14",
    "week_this",
    "week_to_date",
    "week_previous",
    "week_next",
    "month_this",
    "month_to_date",
    "month_previous",
    "month_next",
    "quarter_this",
    "quarter_to_date",
    "quarter_previous",
    "quarter_next",
    "year_this",
    "year_to_date",
    "year_previous",
    "year_next",
    "future",
    "past",
)


class InvalidDateFrame(ValueError):
    pass


def _parse_day(text: str) -> date | None:
    if text == "":
        return None
    try:
        return date.fromisoformat(text) if len(text) == 10 else _reject()
    except ValueError as exc:
        raise InvalidDateFrame(INVALID) from exc


def _reject():
    raise InvalidDateFrame(INVALID)


def validate(value: str) -> str:
    """Return the frame unchanged if it is one, else raise InvalidDateFrame."""
    if not isinstance(value, str):
        raise InvalidDateFrame(INVALID)
    if value in KEYWORDS:
        return value
    if value.count("/") != 1:
        raise InvalidDateFrame(INVALID)
    start_text, end_text = value.split("/")
    start, end = _parse_day(start_text), _parse_day(end_text)
    if start and end and start > end:
        raise InvalidDateFrame(INVALID)
    return value


def combine_legacy(date_from: str | None, date_to: str | None) -> str:
    """``x_from``/``x_to`` (ISO dates) as the frame ``from/to``."""
    return f"{date_from or ''}/{date_to or ''}"


def _quarter_start(day: date) -> date:
    return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def day_bounds(frame: str, today: date) -> tuple[date | None, date | None]:
    """Inclusive first and last day of the frame, either side open (None)."""
    week = today - timedelta(days=today.weekday())
    month = today.replace(day=1)
    quarter = _quarter_start(today)
    year = date(today.year, 1, 1)
    yesterday, tomorrow = today - timedelta(days=1), today + timedelta(days=1)
    frames = {
        "days_today": (today, today),
        "days_yesterday": (yesterday, yesterday),
        "days_last7": (today - timedelta(days=6), today),
        "days_last14": (today - timedelta(days=13), today),
        "days_tomorrow": (tomorrow, tomorrow),
        "days_next7": (today, today + timedelta(days=6)),
        "days_next14": (today, today + timedelta(days=13)),
        "week_this": (week, week + timedelta(days=6)),
        "week_to_date": (week, today),
        "week_previous": (week - timedelta(days=7), week - timedelta(days=1)),
        "week_next": (week + timedelta(days=7), week + timedelta(days=13)),
        "month_this": (month, _add_months(month, 1) - timedelta(days=1)),
        "month_to_date": (month, today),
        "month_previous": (_add_months(month, -1), month - timedelta(days=1)),
        "month_next": (_add_months(month, 1), _add_months(month, 2) - timedelta(days=1)),
        "quarter_this": (quarter, _add_months(quarter, 3) - timedelta(days=1)),
        "quarter_to_date": (quarter, today),
        "quarter_previous": (_add_months(quarter, -3), quarter - timedelta(days=1)),
        "quarter_next": (_add_months(quarter, 3), _add_months(quarter, 6) - timedelta(days=1)),
        "year_this": (year, date(today.year, 12, 31)),
        "year_to_date": (year, today),
        "year_previous": (date(today.year - 1, 1, 1), date(today.year - 1, 12, 31)),
        "year_next": (date(today.year + 1, 1, 1), date(today.year + 1, 12, 31)),
        "future": (tomorrow, None),
        "past": (None, yesterday),
    }
    if frame in frames:
        return frames[frame]
    start_text, end_text = validate(frame).split("/")
    return _parse_day(start_text), _parse_day(end_text)


def resolve(frame: str, timezone: str, now: datetime | None = None):
    """The frame as ``(start, end)`` naive-UTC datetimes, ``start <= t < end``; None is open."""
    tz = ZoneInfo(timezone)
    now = now or datetime.now(UTC)
    first, last = day_bounds(frame, now.astimezone(tz).date())

    start = _midnight_utc(first, tz) if first else None
    end = _midnight_utc(_next_day(last), tz) if last else None
    return start, end


def _next_day(day: date) -> date | None:
    """The day after ``day``; None after 9999-12-31, where no order can be."""
    return day + timedelta(days=1) if day < date.max else None


def _midnight_utc(day: date | None, tz: ZoneInfo) -> datetime | None:
    """Midnight of ``day`` in ``tz`` as naive UTC; None (an open bound) when it lies outside
    the years 1 to 9999: a frame from 0001-01-01 east of UTC starts before any order, one
    to 9999-12-31 west of UTC ends after every order."""
    if day is None:
        return None
    try:
        return datetime.combine(day, time.min, tz).astimezone(UTC).replace(tzinfo=None)
    except OverflowError:
        return None
