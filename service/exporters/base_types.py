"""What exporters hand to writers: tables of rows, and the error they may end with."""

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from itertools import chain


@dataclass
class Table:
    """A sheet's worth of rows: header, a row count known up front, and the rows (lazy).

    A table built a batch of rows at a time, column by column (``of_column_batches``), also
    offers the batches as they are: the CSV writer works by column and takes them, instead
    of the rows it would turn back into columns."""

    columns: list[str]
    total: int
    rows: Iterable[Sequence]
    column_batches: Iterator[list[Sequence]] | None = None

    @classmethod
    def of_column_batches(
        cls, columns: list[str], total: int, batches: Iterable[list[Sequence]]
    ) -> "Table":
        """From batches that are each a list of equally long columns. ``rows`` and
        ``column_batches`` read the same batches: a writer uses one or the other."""
        batches = iter(batches)
        rows = chain.from_iterable(zip(*batch, strict=True) for batch in batches)
        return cls(columns, total, rows, batches)


class Cents(tuple):
    """A column of amounts with two decimal places already (read from the store's money
    columns, or summed from them in SQL): the CSV writer need not round them to cents.
    For a CSV file they may be their text already ("12.50")."""


class Rates(tuple):
    """A column of tax rates: CSV shows them as pretix does, without trailing zeros ("19",
    "7.5"); xlsx keeps them as numbers. For a CSV file they may be their text ("19.00")."""


def format_rate(rate: Decimal) -> str:
    """A tax rate as pretix shows it in texts and CSV cells: "19", not "19.00"."""
    return f"{rate.normalize():f}"


class ExportError(Exception):
    """An expected failure whose message is shown to the client as is."""


class Memo(dict):
    """A cell's text made once per distinct value (or tuple of values) by ``make``, then
    looked up: a column of a few distinct values (statuses, sales channels, yes or no) is
    mapped through the dict in C instead of calling a Python function per cell."""

    def __init__(self, make: Callable) -> None:
        super().__init__()
        self.make = make

    def __missing__(self, key):
        value = self[key] = self.make(key)
        return value

    def column(self, *columns: Sequence) -> list:
        """The texts of a column; of several, each row's values as one tuple key."""
        keys = columns[0] if len(columns) == 1 else zip(*columns, strict=True)
        return list(map(self.__getitem__, keys))
