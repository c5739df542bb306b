"""Rows to load in bulk, kept column by column as arrays.

A column becomes either COPY text for PostgreSQL or Python values for an executemany
(SQLite). Making a million orders is mostly making strings: so each distinct value is
formatted once and gathered by index wherever it repeats (products, names, answers), and
whole columns are converted at once instead of row by row.
"""

import json
import re
from datetime import UTC, date, datetime
from decimal import Decimal

import numpy as np

NULL = "\\N"
EPOCH = datetime(1970, 1, 1)
COPY_SPECIAL = re.compile(r"[\\\t\n\r]")
COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def copy_text(value) -> str:
    """One value as PostgreSQL's COPY text format writes it."""
    if value is None:
        return NULL
    if value is True or value is False:
        return "t" if value else "f"
    if isinstance(value, datetime):
        return value.isoformat(" ")
    if isinstance(value, dict | list):
        value = json.dumps(value, ensure_ascii=False)
    return str(value).translate(COPY_ESCAPES)


def _objects(values) -> np.ndarray:
    found = np.empty(len(values), dtype=object)
    found[:] = values
    return found


class Column:
    """A column of ``len(self)`` values."""

    def __len__(self) -> int:
        raise NotImplementedError

    def texts(self) -> np.ndarray | list[str]:
        """The values as COPY text: ``str``, in an array or a list."""
        raise NotImplementedError

    def values(self) -> list:
        """The values as Python objects, as the ORM would bind them."""
        raise NotImplementedError


class Choice(Column):
    """``options[index]`` per row: a value from a short list (``None`` included)."""

    def __init__(self, index: np.ndarray, options) -> None:
        self.index, self.options = index, list(options)

    def __len__(self) -> int:
        return len(self.index)

    def texts(self) -> np.ndarray:
        return _objects([copy_text(v) for v in self.options])[self.index]

    def values(self) -> list:
        return _objects(self.options)[self.index].tolist()


class Const(Column):
    def __init__(self, value, length: int) -> None:
        self.value, self.length = value, length

    def __len__(self) -> int:
        return self.length

    def texts(self) -> list[str]:
        return [copy_text(self.value)] * self.length

    def values(self) -> list:
        return [self.value] * self.length


class Ints(Column):
    """Whole numbers; ``null`` marks the rows without one."""

    def __init__(self, numbers: np.ndarray, null: np.ndarray | None = None) -> None:
        self.numbers, self.null = np.asarray(numbers, dtype=np.int64), null

    def __len__(self) -> int:
        return len(self.numbers)

    def texts(self) -> np.ndarray | list[str]:
        found = list(map(str, self.numbers.tolist()))
        if self.null is None:
            return found
        found = _objects(found)
        found[self.null] = NULL
        return found

    def values(self) -> list:
        found = self.numbers.tolist()
        if self.null is not None:
            for row in np.flatnonzero(self.null).tolist():
                found[row] = None
        return found


class Money(Column):
    """Amounts in cents, stored with two decimals; each distinct amount is formatted once."""

    def __init__(self, cents: np.ndarray, null: np.ndarray | None = None) -> None:
        self.cents, self.null = np.asarray(cents, dtype=np.int64), null

    def __len__(self) -> int:
        return len(self.cents)

    def _as(self, convert) -> np.ndarray:
        distinct, index = np.unique(self.cents, return_inverse=True)
        found = _objects([convert(c) for c in distinct.tolist()])[index]
        if self.null is not None:
            found[self.null] = None
        return found

    def texts(self) -> np.ndarray:
        found = self._as(lambda c: str(Decimal(c).scaleb(-2)))
        if self.null is not None:
            found[self.null] = NULL
        return found

    def values(self) -> list:
        return self._as(lambda c: Decimal(c).scaleb(-2)).tolist()


class Stamps(Column):
    """Moments as whole seconds since 1970 (naive UTC, as the store keeps them)."""

    def __init__(self, seconds: np.ndarray, null: np.ndarray | None = None) -> None:
        self.seconds, self.null = np.asarray(seconds, dtype=np.int64), null

    def __len__(self) -> int:
        return len(self.seconds)

    def texts(self) -> np.ndarray:
        found = np.datetime_as_string(self.seconds.astype("datetime64[s]")).astype(object)
        if self.null is not None:
            found[self.null] = NULL
        return found

    def values(self) -> list:
        found = self.seconds.astype("datetime64[s]").astype(object)
        if self.null is not None:
            found[self.null] = None
        return found.tolist()


class Days(Column):
    """Dates, as whole days since 1970."""

    def __init__(self, days: np.ndarray, null: np.ndarray | None = None) -> None:
        self.days, self.null = np.asarray(days, dtype=np.int64), null

    def __len__(self) -> int:
        return len(self.days)

    def texts(self) -> np.ndarray:
        found = np.datetime_as_string(self.days.astype("datetime64[D]")).astype(object)
        if self.null is not None:
            found[self.null] = NULL
        return found

    def values(self) -> list:
        found = self.days.astype("datetime64[D]").astype(object)
        if self.null is not None:
            found[self.null] = None
        return found.tolist()


class Flags(Column):
    def __init__(self, flags: np.ndarray) -> None:
        self.flags = np.asarray(flags, dtype=bool)

    def __len__(self) -> int:
        return len(self.flags)

    def texts(self) -> np.ndarray:
        return _objects(["f", "t"])[self.flags.view(np.uint8)]

    def values(self) -> list:
        return self.flags.tolist()


class Texts(Column):
    """Strings made row by row (``None`` for null); escaped for COPY only where needed."""

    def __init__(self, strings) -> None:
        self.strings = strings if isinstance(strings, np.ndarray) else _objects(strings)

    def __len__(self) -> int:
        return len(self.strings)

    def texts(self) -> np.ndarray:
        found = self.strings.copy()
        null = np.equal(found, None)
        # Escaped all at once: joined by a character no text value holds (PostgreSQL's
        # text cannot hold NUL), translated, split again.
        joined = "\0".join(found[~null].tolist())
        if COPY_SPECIAL.search(joined):
            found[~null] = joined.translate(COPY_ESCAPES).split("\0")
        found[null] = NULL
        return found

    def values(self) -> list:
        return self.strings.tolist()


class Objects(Column):
    """Any values, mostly ``None`` (JSON documents, say); each is formatted on its own."""

    def __init__(self, values: np.ndarray) -> None:
        self.objects = values

    def __len__(self) -> int:
        return len(self.objects)

    def texts(self) -> np.ndarray:
        found = np.full(len(self.objects), NULL, dtype=object)
        for row in np.flatnonzero(~np.equal(self.objects, None)).tolist():
            found[row] = copy_text(self.objects[row])
        return found

    def values(self) -> list:
        return self.objects.tolist()


def seconds_of(moment: datetime) -> int:
    """A naive UTC datetime as whole seconds since 1970."""
    return int((moment - EPOCH).total_seconds())


def days_of(day: date) -> int:
    return (day - EPOCH.date()).days


def moment_of(seconds: int) -> datetime:
    return datetime.fromtimestamp(seconds, UTC).replace(tzinfo=None)


def _as_list(texts) -> list[str]:
    return texts if isinstance(texts, list) else texts.tolist()


class Rows:
    """Rows of one table, column by column; all columns have ``length`` values."""

    def __init__(self, table, columns: dict[str, Column]) -> None:
        self.table = table
        self.columns = columns
        lengths = {len(column) for column in columns.values()}
        if len(lengths) > 1:
            raise ValueError(f"{table.name}: columns of different lengths {lengths}")
        self.length = lengths.pop() if lengths else 0

    def copy_data(self) -> tuple[list[str], bytes]:
        """The rows in COPY text format, one per line, and the columns in the order they
        are written: the constant ones last, joined once into a single tail for every row.
        A column given twice (the same object) is formatted once."""
        names = [n for n, c in self.columns.items() if not isinstance(c, Const)]
        constants = [n for n, c in self.columns.items() if isinstance(c, Const)]
        formatted: dict[int, list[str]] = {}
        columns = []
        for name in names:
            column = self.columns[name]
            if id(column) not in formatted:
                formatted[id(column)] = _as_list(column.texts())
            columns.append(formatted[id(column)])
        if constants:
            tail = "\t".join(copy_text(self.columns[n].value) for n in constants)
            columns.append([tail] * self.length)
        if not columns or not self.length:
            return names + constants, b""
        rows = "\n".join(map("\t".join, zip(*columns, strict=True)))
        return names + constants, (rows + "\n").encode()

    def dicts(self) -> list[dict]:
        names = list(self.columns)
        columns = [column.values() for column in self.columns.values()]
        return [dict(zip(names, row, strict=True)) for row in zip(*columns, strict=True)]
