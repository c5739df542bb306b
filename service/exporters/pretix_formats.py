"""Dates and times as pretix writes them into list exports in English: its short date
(``2026-09-15``), time (``10:31``) and short date-time (``2026-09-15 10:31``) formats, and
the full ``%Y-%m-%d %H:%M:%S`` some exporters use. Cells that pretix fills with such text are
text here too, so that both tools' files compare cell for cell. The ``…s`` forms make a
whole column at once, for exporters that build their cells column by column."""

from collections.abc import Sequence
from datetime import date, datetime, time
from itertools import repeat


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


def yes_no_column(values: Sequence) -> list[str]:
    return ["Yes" if value else "No" for value in values]


def short_dates(moments: Sequence[datetime | None]) -> list[str]:
    """pretix's short date ("2026-09-15") of each moment, empty text for none: the ISO form,
    which is strftime("%Y-%m-%d") for every year from 1000 on, made in C loops."""
    if None in moments:
        return ["" if m is None else m.date().isoformat() for m in moments]
    return list(map(date.isoformat, map(datetime.date, moments)))


def short_times(moments: Sequence[datetime | None]) -> list[str]:
    """pretix's short time ("10:31") of each moment, empty text for none."""
    if None in moments:
        return ["" if m is None else m.time().isoformat("minutes") for m in moments]
    return list(map(time.isoformat, map(datetime.time, moments), repeat("minutes")))
