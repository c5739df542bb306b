"""Reading one object of pretix's answers: each value checked and converted to what the
store keeps, or refused with the endpoint, the object and the key that is wrong."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation

from .refusal import ImportRefused

# The store's integer columns are 32 bits wide on PostgreSQL.
INTEGER_MAX = 2**31 - 1


class Obj:
    """``data`` of the object named ``name`` (``order BAAAA``) read from ``endpoint``."""

    def __init__(self, endpoint: str, name: str, data) -> None:
        self.endpoint = endpoint
        self.name = name
        if not isinstance(data, dict):
            self.refuse("", "expected a JSON object")
        self.data = data

    def refuse(self, key: str, problem: str):
        where = f"{self.name}: {key}" if key else self.name
        raise ImportRefused(self.endpoint, f"{where}: {problem}")

    def child(self, key: str, index: int | None = None, name: str | None = None) -> Obj:
        value = self.data.get(key) if index is None else self.list(key)[index]
        label = f"{key}[{index}]" if index is not None else key
        return Obj(self.endpoint, f"{self.name}, {name or label}", value)

    def children(self, key: str, label: str | None = None) -> list[Obj]:
        return [
            Obj(self.endpoint, f"{self.name}, {label or key}[{n}]", value)
            for n, value in enumerate(self.list(key))
        ]

    def raw(self, key: str, default=None):
        return self.data.get(key, default)

    def has(self, key: str) -> bool:
        return self.data.get(key) is not None

    def _present(self, key: str, optional: bool):
        if key not in self.data:
            if optional:
                return None
            self.refuse(key, "missing")
        value = self.data[key]
        if value is None and not optional:
            self.refuse(key, "must not be null")
        return value

    def str(self, key: str, optional: bool = False, limit: int | None = None, blank=False):
        """A string; ``blank`` turns null into "" (columns that keep "" for none)."""
        value = self._present(key, optional or blank)
        if value is None:
            return "" if blank else None
        if not isinstance(value, str):
            self.refuse(key, f"expected a string, got {_kind(value)}")
        if limit is not None and len(value) > limit:
            self.refuse(key, f"longer than {limit} characters")
        return value

    def int(self, key: str, optional: bool = False) -> int | None:
        value = self._present(key, optional)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            self.refuse(key, f"expected a whole number, got {_kind(value)}")
        if abs(value) > INTEGER_MAX:
            self.refuse(key, "out of range")
        return value

    def bool(self, key: str, optional: bool = False, default: bool = False) -> bool:
        value = self._present(key, True)
        if value is None:
            if key not in self.data and not optional:
                self.refuse(key, "missing")
            return default
        if not isinstance(value, bool):
            self.refuse(key, f"expected true or false, got {_kind(value)}")
        return value

    def decimal(self, key: str, optional: bool = False, places: int = 2) -> Decimal | None:
        """A decimal written as pretix writes them ("23.00"); numbers are taken too."""
        value = self._present(key, optional)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            self.refuse(key, f"expected a decimal, got {_kind(value)}")
        try:
            number = Decimal(str(value))
        except InvalidOperation:
            self.refuse(key, f"not a decimal: {value!r}")
        if not number.is_finite() or abs(number) >= Decimal(10) ** 11:
            self.refuse(key, f"out of range: {value!r}")
        return number

    def datetime(self, key: str, optional: bool = False) -> datetime | None:
        """An ISO 8601 date and time with its offset, stored as naive UTC."""
        value = self._present(key, optional)
        if value is None:
            return None
        if not isinstance(value, str):
            self.refuse(key, f"expected a date and time, got {_kind(value)}")
        try:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            self.refuse(key, f"not a date and time: {value!r}")
        if moment.tzinfo is None:
            self.refuse(key, f"date and time without offset: {value!r}")
        return moment.astimezone(UTC).replace(tzinfo=None)

    def date(self, key: str, optional: bool = False) -> date | None:
        value = self._present(key, optional)
        if value is None:
            return None
        if not isinstance(value, str):
            self.refuse(key, f"expected a date, got {_kind(value)}")
        try:
            return date.fromisoformat(value)
        except ValueError:
            self.refuse(key, f"not a date: {value!r}")

    def choice(self, key: str, choices, optional: bool = False):
        value = self.str(key, optional)
        if value is not None and value not in choices:
            self.refuse(key, f"unknown value {value!r}")
        return value

    def list(self, key: str) -> list:
        value = self.data.get(key)
        if value is None:
            return []
        if not isinstance(value, list):
            self.refuse(key, f"expected a list, got {_kind(value)}")
        return value

    def ints(self, key: str) -> list[int]:
        values = self.list(key)
        if not all(isinstance(v, int) and not isinstance(v, bool) for v in values):
            self.refuse(key, "expected a list of whole numbers")
        return values

    def json(self, key: str, kind=dict):
        value = self.data.get(key)
        if value is None:
            return None
        if not isinstance(value, kind):
            self.refuse(key, f"expected a {kind.__name__}, got {_kind(value)}")
        return value

    def text(self, key: str, locale: str, optional: bool = True, limit: int | None = None):
        """A translated text ({"en": …}) as one string: ``locale``'s, else English, else
        the first; plain strings are taken as they are."""
        value = self.data.get(key)
        if value is None:
            if not optional:
                self.refuse(key, "missing")
            return ""
        if isinstance(value, str):
            text = value
        elif isinstance(value, dict) and all(isinstance(v, str) for v in value.values()):
            text = value.get(locale) or value.get("en") or next(iter(value.values()), "")
        else:
            self.refuse(key, f"expected a text, got {_kind(value)}")
        if limit is not None and len(text) > limit:
            self.refuse(key, f"longer than {limit} characters")
        return text

    def i18n(self, key: str) -> dict | None:
        value = self.data.get(key)
        return value if isinstance(value, dict) else None


def _kind(value) -> str:
    return {
        bool: "true/false",
        int: "a number",
        float: "a number",
        str: "a string",
        list: "a list",
        dict: "an object",
    }.get(type(value), type(value).__name__)
