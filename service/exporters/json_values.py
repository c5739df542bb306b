"""Values as pretix's "Order data (JSON)" file writes them: Django's JSON encoder turns a
``Decimal`` into ``str()`` of it, an aware datetime into ISO 8601 with milliseconds at most
and ``Z`` for UTC, a date into ISO 8601; pretix's models decide how many places a decimal
has (two for money, none trailing for tax rates)."""

from datetime import date, datetime
from decimal import Decimal

from .base_types import format_rate

# What pretix writes as the tax rate of a product without a tax rule: a literal
# ``Decimal("0.00")``, not a normalized rate from the database.
NO_TAX_RULE_RATE = "0.00"


def money(value: Decimal | None) -> str | None:
    """A money field (two decimal places in pretix's database)."""
    return None if value is None else f"{value:.2f}"


def rate(value: Decimal | None) -> str | None:
    """A tax rate: pretix's rate fields drop trailing zeros ("19", "7.5")."""
    return None if value is None else format_rate(value)


def utc(value: datetime | None) -> str | None:
    """A stored (naive UTC) datetime as Django's JSON encoder writes an aware one:
    microseconds cut to milliseconds, ``+00:00`` written as ``Z``."""
    if value is None:
        return None
    return value.isoformat(timespec="milliseconds" if value.microsecond else "seconds") + "Z"


def day(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


def meta_data(defaults: dict[str, str], *layers: dict | None) -> dict[str, str]:
    """pretix's ``meta_data`` of an event, product or variation: the properties' defaults,
    overridden by each layer's own values in turn, sorted by property name."""
    merged = dict(defaults)
    for layer in layers:
        merged.update(layer or {})
    return dict(sorted(merged.items()))


def blocked(value: str | None) -> list[str] | None:
    """The reasons a ticket is blocked, a list in pretix; the store keeps them joined."""
    if not value:
        return None
    return [reason.strip() for reason in value.split(",")]
