"""What exporters hand to writers: tables of rows, and the error they may end with."""

from collections.abc import Iterable, Iterator, Sequence
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
