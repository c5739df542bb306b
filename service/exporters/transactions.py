"""``transactions``, "Order transaction data": pretix's history of what orders contained,
one row per change of a position or fee, by time, as its ``TransactionListExporter`` writes
it.

Times are shown in the event's time zone (across events, the first event's), as pretix
does; ``date_range`` selects by transaction time. Quantity is -1 where something was taken
away; the totals multiply by it.

The rows come from one streamed query a batch at a time and are made column by column, as
the order list's sheets are: computed columns by mapping a function over a whole column,
no object or list per row.
"""

from collections.abc import Iterator, Sequence
from datetime import datetime
from itertools import repeat
from operator import mul

from ..store import transaction_queries as store
from . import dateframes, params, register, writers
from .base import ListExporter
from .base_types import Cents, Table
from .export_zone import ZoneClock, export_timezone
from .localtime import times_of_day

COLUMNS = [
    "Event",
    "Event slug",
    "Currency",
    "Order code",
    "Order date",
    "Order time",
    "Transaction date",
    "Transaction time",
    "Old data",
    "Position ID",
    "Quantity",
    "Product ID",
    "Product",
    "Variation ID",
    "Variation",
    "Fee type",
    "Internal fee type",
    "Date ID",
    "Date",
    "Price",
    "Tax rate",
    "Tax rule ID",
    "Tax rule",
    "Tax value",
    "Gross total",
    "Tax total",
]
MIGRATED = "Converted from legacy version"


@register
class TransactionListExporter(ListExporter):
    identifier = "transactions"
    verbose_name = "Order transaction data"
    description = (
        "Every change to the products, prices or taxes of orders, one row each with its "
        "time and amounts: sum any period to see what was sold in it."
    )
    multi_event = True
    file_stem = "transactions"

    def additional_fields(self) -> dict[str, params.Param]:
        return {"date_range": params.DateFrame()}

    def _bounds(self, form: dict):
        if not form.get("date_range"):
            return None, None
        return dateframes.resolve(form["date_range"], export_timezone(self.scope))

    def table(self, form: dict) -> Table:
        event_ids = [e.id for e in self.scope.events]
        start, end = self._bounds(form)
        total = store.count_transactions(self.session, event_ids, start, end)
        batches = store.transaction_batches(
            self.session, event_ids, start, end, writers.CSV_BATCH_ROWS
        )
        return Table.of_column_batches(COLUMNS, total, self._columns(event_ids, batches))

    def _columns(self, event_ids, batches) -> Iterator[list[Sequence]]:
        """Each batch of transactions as the sheet's columns."""
        events = {e.id: e for e in self.scope.events}
        names = {i: e.name for i, e in events.items()}
        slugs = {i: e.slug for i, e in events.items()}
        currencies = {i: e.currency for i, e in events.items()}
        clock = ZoneClock(export_timezone(self.scope))
        items, variations, rules = store.catalogue_names(self.session, event_ids)
        for t in batches:
            rows = len(t["id"])
            event_of = t["event_id"]
            ordered = list(map(clock.local, t["order_datetime"]))
            happened = list(map(clock.local, t["datetime"]))
            nothing = repeat("", rows)
            yield [
                list(map(names.get, event_of)),
                list(map(slugs.get, event_of)),
                list(map(currencies.get, event_of)),
                t["order_code"],
                list(map(datetime.date, ordered)),
                times_of_day(ordered),
                list(map(datetime.date, happened)),
                times_of_day(happened),
                [MIGRATED if migrated else "" for migrated in t["migrated"]],
                t["positionid"],
                t["count"],
                t["item_id"],
                # pretix writes the product as text even for fees, where it has none.
                list(map(items.get, t["item_id"], repeat("None", rows))),
                [v or "" for v in t["variation_id"]],
                list(map(variations.get, t["variation_id"], nothing)),
                t["fee_type"],
                t["internal_type"],
                [""] * rows,
                [""] * rows,
                Cents(t["price"]),
                t["tax_rate"],
                [r or "" for r in t["tax_rule_id"]],
                list(map(rules.get, t["tax_rule_id"], repeat("", rows))),
                Cents(t["tax_value"]),
                Cents(map(mul, t["price"], t["count"])),
                Cents(map(mul, t["tax_value"], t["count"])),
            ]
