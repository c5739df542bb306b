"""Tables to files: the CSV dialects and xlsx, streamed row by row to disk.

Each writer reports progress as a fraction of rows written (0..1) about every 1% of rows,
so a caller can publish it without a Redis round trip per row.
"""

import csv
import re
from collections.abc import Callable, Sequence
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from .base_types import Table


class SemicolonDialect(csv.excel):
    delimiter = ";"


class DefaultDialect(csv.excel):
    quoting = csv.QUOTE_NONNUMERIC


LIST_FORMATS = {
    "xlsx": None,
    "default": DefaultDialect,
    "csv-excel": csv.excel,
    "semicolon": SemicolonDialect,
}
SHEET_DIALECTS = {"default": DefaultDialect, "excel": csv.excel, "semicolon": SemicolonDialect}

FORMULA_PREFIXES = ("=", "+", "-", "@", "|", "%")
CENT = Decimal("0.01")
NUMBER_RE = re.compile(r"^[+-]?(\d+([.,]\d*)?|[.,]\d+)([eE][+-]?\d+)?$")

Progress = Callable[[float], None]


class RowCounter:
    """Counts rows and calls ``report`` with the overall fraction every ~1% of a table."""

    def __init__(self, total: int, report: Progress, start: float = 0.0, span: float = 1.0):
        self.total, self.report, self.start, self.span = max(total, 1), report, start, span
        self.step = max(1, self.total // 100)
        self.count = 0
        self.next_report = self.step

    def tick(self) -> None:
        self.count += 1
        if self.count >= self.next_report:
            self.next_report += self.step
            self.report(self.start + self.span * min(self.count / self.total, 1.0))


def csv_cell(value):
    """A cell as pretix writes CSV: money with two decimals, ISO dates, defused text."""
    if value is None:
        return ""
    if isinstance(value, str):
        if value.startswith(FORMULA_PREFIXES) and not NUMBER_RE.match(value):
            return "'" + value
        return value
    if isinstance(value, Decimal):
        return value.quantize(CENT)
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return value


def write_csv(path: Path, table: Table, dialect: type[csv.Dialect], progress: Progress) -> None:
    counter = RowCounter(table.total, progress)
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, dialect=dialect)
        writer.writerow([csv_cell(name) for name in table.columns])
        for row in table.rows:
            writer.writerow([csv_cell(v) for v in row])
            counter.tick()


def _text(value: str) -> str:
    return ILLEGAL_CHARACTERS_RE.sub("", value)


def xlsx_row(worksheet, row: Sequence) -> list:
    """Typed cells; text that looks like a formula stays text, never a formula."""
    cells = []
    for value in row:
        if isinstance(value, str):
            value = _text(value)
            if value.startswith("="):
                cell = WriteOnlyCell(worksheet, value)
                cell.data_type = "s"
                value = cell
        elif isinstance(value, Decimal):
            value = float(value)
        cells.append(value)
    return cells


def write_xlsx(path: Path, sheets: list[tuple[str, Callable[[], Table]]], progress: Progress):
    """One worksheet per (title, table factory); tables are built one after the other."""
    workbook = Workbook(write_only=True)
    share = 1.0 / max(len(sheets), 1)
    for index, (title, make_table) in enumerate(sheets):
        table = make_table()
        worksheet = workbook.create_sheet(title=_text(title)[:31])
        counter = RowCounter(table.total, progress, start=index * share, span=share)
        worksheet.append(xlsx_row(worksheet, table.columns))
        for row in table.rows:
            worksheet.append(xlsx_row(worksheet, row))
            counter.tick()
    workbook.save(path)
