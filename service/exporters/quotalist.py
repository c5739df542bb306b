"""``quotalist``, "Quota availabilities": per quota its size, what takes from it and what is
left, as pretix's ``QuotaListExporter`` writes it, quotas by name.

The counts are pretix's quota availability (``store.quota_availability`` says how pretix
counts, and where that is surprising): paid and pending positions, unused redemptions of
blocking vouchers, waiting list entries still waiting for a voucher, exited positions of
quotas that release tickets after exit. The store keeps no carts, so "Current user's carts"
is 0. Unlimited quotas show "Infinite" for size and availability.

Paid and pending counts are sales figures of the orders, so the exporter needs the order
permission, as in pretix.
"""

from ..store.quota_availability import quota_availability
from . import register
from .base import ListExporter
from .base_types import Table

COLUMNS = [
    "Quota name",
    "Total quota",
    "Paid orders",
    "Pending orders",
    "Blocking vouchers",
    "Current user's carts",
    "Waiting list",
    "Exited orders",
    "Current availability",
]
INFINITE = "Infinite"


@register
class QuotaListExporter(ListExporter):
    identifier = "quotalist"
    verbose_name = "Quota availabilities"
    description = (
        "Each quota with its size, what is sold, reserved and still available: to see at a "
        "glance what is left."
    )
    file_stem = "quotas"

    def table(self, form: dict) -> Table:
        rows = [
            [
                counts.quota.name,
                INFINITE if counts.quota.size is None else counts.quota.size,
                counts.paid,
                counts.pending,
                counts.vouchers,
                counts.carts,
                counts.waiting_list,
                counts.exited,
                INFINITE if counts.available is None else counts.available,
            ]
            for counts in quota_availability(self.session, self.scope.events[0])
        ]
        return Table(COLUMNS, len(rows), rows)
