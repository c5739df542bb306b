"""What exporters hand to writers: tables of rows, and the error they may end with."""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass


@dataclass
class Table:
    """A sheet's worth of rows: header, a row count known up front, and the rows (lazy)."""

    columns: list[str]
    total: int
    rows: Iterable[Sequence]


class ExportError(Exception):
    """An expected failure whose message is shown to the client as is."""
