"""What a cell of an exported file must hold for a stored value, and what it does hold:
shared by the tests that parse exports back and compare them with the store."""

from datetime import date, datetime, time
from decimal import Decimal

# CSV text starting with one of these gets a leading ' (pretix's defusedcsv).
FORMULA_STARTS = ("=", "+", "-", "@", "|", "%")


class Rate(Decimal):
    """A stored tax rate: pretix writes it without trailing zeros in CSV ("19", "7.5"), and
    as a number in xlsx."""


def csv_text(value) -> str:
    """What a CSV cell must say for a stored value."""
    if value is None:
        return ""
    if isinstance(value, Rate):
        return str(value).rstrip("0").rstrip(".") if "." in str(value) else str(value)
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return str(value)


def xlsx_expected(value):
    """What an xlsx cell must hold for a stored value, as (kind, value)."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return ("date", value)
    if isinstance(value, date):
        return ("date", datetime.combine(value, time.min))
    if isinstance(value, (Decimal, int)):
        return ("number", Decimal(value))
    return ("text", value)


def xlsx_actual(cell):
    """What an xlsx cell holds, as (kind, value); anything but a date, number or text reads
    as a kind no expected value has."""
    if cell.value is None:
        return None
    if cell.is_date:
        return ("date", cell.value)
    if cell.data_type == "n" and not isinstance(cell.value, bool):
        return ("number", Decimal(str(cell.value)))
    if cell.data_type == "s":
        return ("text", cell.value)
    return (f"unexpected type {cell.data_type!r}", cell.value)
