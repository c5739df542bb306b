"""``quotalist``, "Quota availabilities": per quota its size and what takes from it, with the
availability left, as pretix's ``QuotaListExporter`` reports it.

A position counts for a quota when it is not canceled, its order is paid (or pending), and
its product is in the quota (for a variation: the variation too). Blocking vouchers count
their unused redemptions while valid; the waiting list counts entries still waiting for a
voucher for one of the quota's products; the store keeps no carts, and no exit releases quota
here, so those columns are 0. Availability is the size less paid, pending, blocked and
waiting, never below zero (pretix counts the waiting list against it too); unlimited quotas
show "Infinite" for size and availability.

Paid and pending counts are sales figures of the orders, so the exporter needs the order
permission, as in pretix.
"""

from datetime import UTC, datetime

from sqlalchemy import select

from ..store.catalog_queries import QuotaInfo, load_catalogue, quota_sales
from ..store.models import Voucher, WaitingListEntry
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


def _voucher_covers(quota: QuotaInfo, voucher) -> bool:
    if voucher.quota_id is not None:
        return voucher.quota_id == quota.id
    if voucher.item_id is None:
        return False
    if voucher.variation_id is not None:
        return quota.covers(voucher.item_id, voucher.variation_id)
    return voucher.item_id in quota.item_ids


@register
class QuotaListExporter(ListExporter):
    identifier = "quotalist"
    verbose_name = "Quota availabilities"
    description = (
        "Each quota with its size, what is sold, reserved and still available, and its "
        "products: to see at a glance what is left."
    )
    file_stem = "quotas"

    def table(self, form: dict) -> Table:
        event_id = self.scope.events[0].id
        catalogue = load_catalogue(self.session, event_id)
        sales = quota_sales(self.session, event_id, ("p", "n"))
        now = datetime.now(UTC).replace(tzinfo=None)
        vouchers = self.session.execute(
            select(
                Voucher.quota_id,
                Voucher.item_id,
                Voucher.variation_id,
                Voucher.max_usages,
                Voucher.redeemed,
            ).where(
                Voucher.event_id == event_id,
                Voucher.block_quota.is_(True),
                Voucher.redeemed < Voucher.max_usages,
                (Voucher.valid_until.is_(None)) | (Voucher.valid_until > now),
            )
        ).all()
        waiting = self.session.execute(
            select(WaitingListEntry.item_id, WaitingListEntry.variation_id).where(
                WaitingListEntry.event_id == event_id, WaitingListEntry.voucher_id.is_(None)
            )
        ).all()
        rows = []
        for quota in catalogue.quotas:
            paid, pending = sales.get((quota.id, "p"), 0), sales.get((quota.id, "n"), 0)
            blocked = sum(v.max_usages - v.redeemed for v in vouchers if _voucher_covers(quota, v))
            waiting_here = sum(1 for w in waiting if quota.covers(w.item_id, w.variation_id))
            taken = paid + pending + blocked + waiting_here
            left = None if quota.size is None else max(quota.size - taken, 0)
            rows.append(
                [
                    quota.name,
                    INFINITE if quota.size is None else quota.size,
                    paid,
                    pending,
                    blocked,
                    0,
                    waiting_here,
                    0,
                    INFINITE if left is None else left,
                ]
            )
        return Table(COLUMNS, len(rows), rows)
