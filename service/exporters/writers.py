"""Tables to files: the CSV dialects and xlsx (see ``xlsx``), streamed row by row to disk.

Each writer reports progress as a fraction of rows written (0..1) about every 1% of rows,
so a caller can publish it without a Redis round trip per row.
"""

import csv
import re
from collections.abc import Callable, Sequence
from datetime import date, datetime
from decimal import Decimal
from functools import partial
from itertools import chain, islice, repeat
from operator import methodcaller
from pathlib import Path

from .base_types import Cents, Rates, Table, format_rate
from .xlsx import WorkbookWriter


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
# How the pages name the formats.
LIST_FORMAT_LABELS = {
    "xlsx": "Excel workbook (.xlsx)",
    "default": "CSV (comma-separated)",
    "csv-excel": "CSV (Excel-style)",
    "semicolon": "CSV (Excel-style, semicolon-separated)",
}
SHEET_DIALECT_LABELS = {
    "default": "CSV (comma-separated)",
    "excel": "CSV (Excel-style)",
    "semicolon": "CSV (Excel-style, semicolon-separated)",
}

FORMULA_PREFIXES = ("=", "+", "-", "@", "|", "%")
FORMULA_FIRST_CHARACTERS = frozenset(FORMULA_PREFIXES)
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
        self.advance(1)

    def advance(self, rows: int) -> None:
        self.count += rows
        if self.count >= self.next_report:
            self.next_report = (self.count // self.step + 1) * self.step
            self.report(self.start + self.span * min(self.count / self.total, 1.0))


def _defuse(text: str) -> str:
    if text.startswith(FORMULA_PREFIXES) and not NUMBER_RE.match(text):
        return "'" + text
    return text


def csv_cell(value):
    """A cell that ``csv_row`` does not pass as it is, as pretix writes it: text that starts
    like a formula defused, money as text with two decimals (pretix localizes decimals, so
    the ``default`` dialect quotes them), a date and time in ISO form (str() would put a
    space between them)."""
    kind = value.__class__
    if kind is str:
        return _defuse(value)
    if kind is Decimal:
        return str(value.quantize(CENT))
    if kind is datetime:
        return value.isoformat()
    return value


# Cells the csv module already writes as pretix does (a date as str() gives its ISO form).
AS_THEY_ARE = frozenset((int, date, type(None)))


def csv_row(row: Sequence) -> list:
    """Only cells that need it go through ``csv_cell``: text that does not start like a
    formula, whole numbers, dates and empty cells pass as they are."""
    return [
        value
        if (value.__class__ is str and value[:1] not in FORMULA_FIRST_CHARACTERS)
        or value.__class__ in AS_THEY_ARE
        else csv_cell(value)
        for value in row
    ]


# Rows converted and written together: the checks run column by column, inside C loops.
CSV_BATCH_ROWS = 500
TEXT_KINDS = frozenset((str, type(None)))
MONEY_KINDS = frozenset((Decimal,))
# A line that starts like a formula, in a column's texts each put after a newline. (Text with
# a newline of its own may match too: such a column just takes the cell-by-cell path.) A
# newline in the pattern is found several times faster than ``^`` in MULTILINE mode.
FORMULA_LINE_RE = re.compile("\n[" + re.escape("".join(FORMULA_PREFIXES)) + "]")
_to_cents = methodcaller("quantize", CENT)


def _texts(values: Sequence) -> list:
    """Decimals as their text (str() of an amount with two decimals keeps them). Missing
    amounts are looked for among the texts: ``None in values`` compares each Decimal with
    None, which checks it against the numbers ABCs, slower than making the texts."""
    texts = list(map(str, values))
    if "None" in texts:
        return [None if v is None else str(v) for v in values]
    return texts


class _RateTexts(dict):
    """A tax rate's text as str() gives it ("19.00"; "None" for a missing one) → as pretix
    shows it ("19"): an export has few rates, each formatted once."""

    def __missing__(self, text: str) -> str | None:
        shown = self[text] = None if text == "None" else format_rate(Decimal(text))
        return shown


RATE_TEXTS = _RateTexts()


def _rate_texts(values: Sequence) -> list:
    return list(map(RATE_TEXTS.__getitem__, map(str, values)))


def csv_column(values: tuple) -> Sequence:
    """One column of a batch of rows, as ``csv_row`` would make its cells; a column whose
    cells need nothing (the usual case) is checked without a Python step per cell."""
    if values.__class__ is Cents:
        return _texts(values)
    if values.__class__ is Rates:
        return _rate_texts(values)
    kinds = set(map(type, values))
    if kinds <= AS_THEY_ARE:
        return values
    if kinds <= TEXT_KINDS:
        if not FORMULA_LINE_RE.search("\n" + "\n".join(filter(None, values))):
            return values
    elif kinds == MONEY_KINDS:
        return list(map(str, map(_to_cents, values)))
    return csv_row(values)


def write_csv_table(
    path: Path, table: Table, dialect: type[csv.Dialect], on_rows, header: bool = True
) -> None:
    """The table to a CSV file, with its header unless ``header`` is false, calling
    ``on_rows(n)`` after each batch of n rows."""
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, dialect=dialect)
        if dialect is DefaultDialect:
            write_columns = partial(_write_default_columns, handle, writer)
        else:
            write_columns = partial(_write_columns, writer)
        if header:
            writer.writerow(csv_row(table.columns))
        if table.column_batches is not None:
            for batch in table.column_batches:
                write_columns(batch)
                on_rows(len(batch[0]))
            return
        rows = iter(table.rows)
        while batch := list(islice(rows, CSV_BATCH_ROWS)):
            if len(set(map(len, batch))) == 1:
                write_columns(list(zip(*batch, strict=True)))
            else:
                writer.writerows(map(csv_row, batch))
            on_rows(len(batch))


def _write_columns(writer, columns: list[Sequence]) -> None:
    writer.writerows(zip(*map(csv_column, columns), strict=True))


# The default dialect quotes every cell but numbers (a missing one as ""), doubling quotes
# inside. Its rows are written without the csv module, which inspects every character of
# every cell: each column of a batch, converted as ``csv_column`` would, adds a field to a
# row template (``"%s"`` for text, a date or nothing, ``%s`` for a number, ``""`` for a
# column with no value in the batch) and, only where it must, turns its cells into what the
# field takes; each row is then one ``%`` of the template. A column of any other kind sends
# its batch through the csv module.
NUMBER_KINDS = frozenset((int, bool, float))
NUMBER_OR_NONE = NUMBER_KINDS | {type(None)}
DATE_OR_NONE = frozenset((date, type(None)))
DATETIME_OR_NONE = frozenset((datetime, type(None)))
QUOTED = '"%s"'


def _templated(values: Sequence) -> tuple[str, Sequence | None] | None:
    """A column's field of the default dialect's row template and the cells that fill it
    (none for an empty column: its ``""`` is part of the template)."""
    if values and values[0] is None and values.count(None) == len(values):
        return '""', None
    if values.__class__ is Cents:
        texts = list(map(str, values))
        if "None" in texts:
            texts = ["" if v is None else str(v) for v in values]
        return QUOTED, texts
    if values.__class__ is Rates:
        texts = _rate_texts(values)
        return QUOTED, texts if None not in texts else ["" if t is None else t for t in texts]
    kinds = set(map(type, values))
    if kinds <= NUMBER_KINDS:
        return "%s", values
    if kinds <= NUMBER_OR_NONE:
        return "%s", ['""' if v is None else v for v in values]
    if kinds <= TEXT_KINDS:
        if type(None) in kinds:
            values = ["" if v is None else v for v in values]
        return QUOTED, _quoted_texts(values)
    if kinds <= DATE_OR_NONE:
        return QUOTED, ["" if v is None else v for v in values]
    if kinds <= DATETIME_OR_NONE:
        return QUOTED, ["" if v is None else v.isoformat() for v in values]
    if kinds == MONEY_KINDS:
        return QUOTED, list(map(str, map(_to_cents, values)))
    return None


# Cells joined into one text, each after a NUL (which no stored text holds), are checked and
# changed in C loops: one that starts like a formula and is not a number (``_defuse``) gets
# its quote mark from one substitution.
CELL_START = "\x00"
FORMULA_CELL_RE = re.compile(CELL_START + "[" + re.escape("".join(FORMULA_PREFIXES)) + "]")
DEFUSED_CELL_RE = re.compile(
    CELL_START
    + "(?=["
    + re.escape("".join(FORMULA_PREFIXES))
    + r"])(?![+-]?(?:\d+(?:[.,]\d*)?|[.,]\d+)(?:[eE][+-]?\d+)?\n?(?:\x00|\Z))"
)


def _quoted_texts(texts: Sequence[str]) -> Sequence[str]:
    """Texts as they go between quotes: one that starts like a formula defused (as
    ``csv_cell`` does), quotes doubled."""
    joined = CELL_START + CELL_START.join(texts)
    if joined.count(CELL_START) != len(texts):  # a text holding a NUL: cell by cell
        return [_defuse(text).replace('"', '""') for text in texts]
    changed = joined
    if FORMULA_CELL_RE.search(changed):
        changed = DEFUSED_CELL_RE.sub(CELL_START + "'", changed)
    if '"' in changed:
        changed = changed.replace('"', '""')
    if changed is joined:
        return texts
    return changed[1:].split(CELL_START)


def _write_default_columns(handle, writer, columns: list[Sequence]) -> None:
    fields = list(map(_templated, columns))
    if None in fields:
        _write_columns(writer, columns)
        return
    template = ",".join(field for field, _cells in fields) + DefaultDialect.lineterminator
    filled = [cells for _field, cells in fields if cells is not None]
    rows = zip(*filled, strict=True) if filled else repeat((), len(columns[0]))
    handle.write("".join(map(template.__mod__, rows)))


def write_csv(path: Path, table: Table, dialect: type[csv.Dialect], progress: Progress) -> None:
    counter = RowCounter(table.total, progress)
    write_csv_table(path, table, dialect, counter.advance)


def write_xlsx(path: Path, sheets: list[tuple[str, Callable[[], Table]]], progress: Progress):
    """One worksheet per (title, table factory); tables are built one after the other."""
    workbook = WorkbookWriter(path)
    share = 1.0 / max(len(sheets), 1)
    for index, (title, make_table) in enumerate(sheets):
        table = make_table()
        counter = RowCounter(table.total, progress, start=index * share, span=share)
        workbook.add_sheet(title, chain([table.columns], table.rows), on_row=counter.tick)
    workbook.close()
