"""``transactions``, "Order transaction data": pretix's history of what orders contained,
one row per change of a position or fee, by time, as its ``TransactionListExporter`` writes
it.

Times are shown in the event's time zone (across events, the first event's), as pretix
does; ``date_range`` selects by transaction time. Quantity is -1 where something was taken
away; the totals multiply by it.
"""

from collections.abc import Iterator

from ..store import transaction_queries as store
from . import dateframes, params, register
from .base import ListExporter
from .base_types import Table
from .export_zone import ZoneClock, export_timezone

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
        chunks = store.iter_transactions(self.session, event_ids, start, end)
        return Table(COLUMNS, total, self._rows(event_ids, chunks))

    def _rows(self, event_ids, chunks) -> Iterator[list]:
        events = {e.id: e for e in self.scope.events}
        zone = export_timezone(self.scope)
        clock = ZoneClock(zone)
        items, variations, rules = store.catalogue_names(self.session, event_ids)
        for chunk in chunks:
            for row in chunk:
                t, event = row, events[row.event_id]
                ordered = clock.local(row.order_datetime)
                happened = clock.local(t.datetime)
                yield [
                    event.name,
                    event.slug,
                    event.currency,
                    row.order_code,
                    ordered.date(),
                    ordered.strftime("%H:%M:%S"),
                    happened.date(),
                    happened.strftime("%H:%M:%S"),
                    MIGRATED if t.migrated else "",
                    t.positionid,
                    t.count,
                    t.item_id,
                    # pretix writes the product as text even for fees, where it has none.
                    items.get(t.item_id, "None"),
                    t.variation_id or "",
                    variations.get(t.variation_id, "") if t.variation_id else "",
                    t.fee_type,
                    t.internal_type,
                    "",
                    "",
                    t.price,
                    t.tax_rate,
                    t.tax_rule_id or "",
                    rules.get(t.tax_rule_id, "") if t.tax_rule_id else "",
                    t.tax_value,
                    t.price * t.count,
                    t.tax_value * t.count,
                ]
