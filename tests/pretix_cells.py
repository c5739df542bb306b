"""A cell as pretix's ``ListExporter`` writes it, from the Python value its exporter yields:
the tests on the recording build rows of such values (text, ``Decimal``, ``int``, ``None``)
and compare them with our CSV and xlsx files through these two functions."""

import csv
import io
from datetime import datetime
from decimal import Decimal

from openpyxl import load_workbook


def csv_text(value) -> str:
    """CSV: ``None`` is empty, a decimal is localized (English: its digits as they are),
    anything else is ``str()``."""
    if value is None:
        return ""
    return str(value)


def xlsx_value(value):
    """xlsx (openpyxl): an empty text reads back as an empty cell, numbers as numbers, a
    date-time as a date-time, anything else as its text."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, (int, float, Decimal)):
        return Decimal(str(value))
    if isinstance(value, datetime):
        return value
    return str(value)


def read_xlsx(data: bytes) -> dict[str, list[list]]:
    """Each worksheet's rows, numbers as ``Decimal`` and empty cells as ``None``."""
    book = load_workbook(io.BytesIO(data))
    return {
        sheet.title: [[_read(v) for v in row] for row in sheet.iter_rows(values_only=True)]
        for sheet in book.worksheets
    }


def _read(value):
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, (int, float)):
        return Decimal(str(value))
    if value == "":
        return None
    return value


def csv_rows_of(rows: list[list]) -> list[list[str]]:
    return [[csv_text(v) for v in row] for row in rows]


def xlsx_rows_of(rows: list[list]) -> list[list]:
    return [[xlsx_value(v) for v in row] for row in rows]


def file_rows(data: bytes, fmt: str, sheet: str | None = None) -> tuple[list, list[list]]:
    """(header, rows) of a CSV (``default``) or xlsx file, one sheet of it if named."""
    if fmt == "xlsx":
        sheets = read_xlsx(data)
        header, *rows = sheets[sheet] if sheet else next(iter(sheets.values()))
    else:
        header, *rows = csv.reader(io.StringIO(data.decode("utf-8")))
    return header, rows


def as_written(rows: list[list], fmt: str) -> list[list]:
    """pretix's rows as its CSV or xlsx writer leaves them."""
    return xlsx_rows_of(rows) if fmt == "xlsx" else csv_rows_of(rows)
