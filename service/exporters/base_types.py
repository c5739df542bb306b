"""The shape of rows handed from exporters to writers."""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass


@dataclass
class Table:
    """A sheet's worth of rows: header, a row count known up front, and the rows (lazy)."""

    columns: list[str]
    total: int
    rows: Iterable[Sequence]
