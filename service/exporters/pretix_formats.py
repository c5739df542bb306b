"""Dates and times as pretix writes them into list exports in English: its short date
(``2026-09-15``), time (``10:31``) and short date-time (``2026-09-15 10:31``) formats, and
the full ``%Y-%m-%d %H:%M:%S`` some exporters use. Cells that pretix fills with such text are
text here too, so that both tools' files compare cell for cell."""

from datetime import datetime


def short_date(moment: datetime | None) -> str:
    return "" if moment is None else moment.strftime("%Y-%m-%d")


def short_time(moment: datetime | None) -> str:
    return "" if moment is None else moment.strftime("%H:%M")


def short_datetime(moment: datetime | None) -> str:
    return "" if moment is None else moment.strftime("%Y-%m-%d %H:%M")


def full_datetime(moment: datetime | None) -> str:
    return "" if moment is None else moment.strftime("%Y-%m-%d %H:%M:%S")


def yes_no(value) -> str:
    return "Yes" if value else "No"
