"""``quotalist``, "Quota availabilities": per quota its size and how much of it paid and
pending orders take, as pretix's ``QuotaListExporter`` reports it.

A position counts for a quota when it is not canceled, its order is paid (or pending), and
its product is in the quota (for a variation: the variation too). Availability is the size
less paid and pending positions, never below zero, as pretix reports a sold-out quota;
unlimited quotas show "Infinite" for both size and availability. pretix's columns for
vouchers, carts, the waiting list and exited orders are left out: the store has none of
them. ``Products`` is ours.

Paid and pending counts are sales figures of the orders, so the exporter needs the order
permission, as in pretix.
"""

from ..store.catalog_queries import load_catalogue, quota_sales
from . import register
from .base import ListExporter
from .base_types import Table

COLUMNS = [
    "Quota name",
    "Total quota",
    "Paid orders",
    "Pending orders",
    "Current availability",
    "Products",
]
INFINITE = "Infinite"


@register
class QuotaListExporter(ListExporter):
    identifier = "quotalist"
    verbose_name = "Quota availabilities"
    file_stem = "quotas"

    def table(self, form: dict) -> Table:
        event_id = self.scope.events[0].id
        catalogue = load_catalogue(self.session, event_id)
        sales = quota_sales(self.session, event_id, ("p", "n"))
        rows = []
        for quota in catalogue.quotas:
            paid, pending = sales.get((quota.id, "p"), 0), sales.get((quota.id, "n"), 0)
            products = [
                catalogue.product_label(item.id, variation.id if variation else None)
                for item in catalogue.items
                for variation in (catalogue.variations.get(item.id) or [None])
                if quota.covers(item.id, variation.id if variation else None)
            ]
            rows.append(
                [
                    quota.name,
                    INFINITE if quota.size is None else quota.size,
                    paid,
                    pending,
                    INFINITE if quota.size is None else max(quota.size - paid - pending, 0),
                    ", ".join(products),
                ]
            )
        return Table(COLUMNS, len(rows), rows)
