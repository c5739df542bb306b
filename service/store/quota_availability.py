"""What takes from each quota of an event and what is left, counted the way pretix's
``QuotaAvailability`` counts for its quota list (every quota of the event at once, with full
results), quirks included:

* A position, blocking voucher or waiting list entry with a variation counts for every quota
  that lists the variation; one without counts for every quota that lists its product, or
  any variation of it. Positions and entries without a variation are only looked at when
  some quota lists their product itself; vouchers also when a quota lists one of its
  variations, or the voucher names a quota.
* Paid and pending orders count their positions that are not canceled. Where the quota
  releases tickets after exit, a position whose last exit (on lists that forbid re-entry)
  came after its last entry counts as exited instead of taking from the quota.
* A blocking voucher still valid takes its unused redemptions.
* The waiting list takes its entries still waiting for a voucher, whether or not the
  waiting list is enabled, until the event's "disable waiting list" moment has passed.
* A closed quota has nothing left; an unlimited one is unlimited (``available`` None); any
  other has its size less what the orders, vouchers and waiting list take, never below 0.

The store keeps no carts, so they take nothing.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import and_, case, func, literal, select
from sqlalchemy.orm import Session

from .models import (
    Checkin,
    CheckinList,
    Event,
    ItemVariation,
    Order,
    OrderPosition,
    Quota,
    Voucher,
    WaitingListEntry,
    quota_items,
    quota_variations,
)
from .relative_dates import resolve


@dataclass
class QuotaCounts:
    quota: Quota
    paid: int = 0
    pending: int = 0
    exited: int = 0
    vouchers: int = 0
    carts: int = 0
    waiting_list: int = 0
    available: int | None = None  # None: unlimited


class _Links:
    """Which quotas a product or a variation counts for, and which ones quotas list."""

    def __init__(self, session: Session, event_id: int) -> None:
        self.of_item: dict[int, set[int]] = defaultdict(set)
        self.of_variation: dict[int, set[int]] = defaultdict(set)
        self.items: set[int] = set()  # listed by a quota themselves
        self.variations: set[int] = set()
        self.items_of_variations: set[int] = set()
        in_event = Quota.event_id == event_id
        for quota_id, item_id in session.execute(
            select(quota_items.c.quota_id, quota_items.c.item_id)
            .join(Quota, Quota.id == quota_items.c.quota_id)
            .where(in_event)
        ):
            self.of_item[item_id].add(quota_id)
            self.items.add(item_id)
        variations = quota_variations.c
        for quota_id, variation_id, item_id in session.execute(
            select(variations.quota_id, variations.variation_id, ItemVariation.item_id)
            .join(Quota, Quota.id == quota_variations.c.quota_id)
            .join(ItemVariation, ItemVariation.id == quota_variations.c.variation_id)
            .where(in_event)
        ):
            self.of_variation[variation_id].add(quota_id)
            self.variations.add(variation_id)
            # A quota of a variation counts too for its product without a variation.
            self.of_item[item_id].add(quota_id)
            self.items_of_variations.add(item_id)

    def quotas_of(self, item_id: int | None, variation_id: int | None) -> set[int]:
        if variation_id:
            return self.of_variation.get(variation_id, set())
        return self.of_item.get(item_id, set())

    def counted(self, item_id: int, variation_id: int | None) -> bool:
        """Whether pretix looks at a position or waiting list entry at all."""
        if variation_id is None:
            return item_id in self.items
        return variation_id in self.variations


def quota_availability(
    session: Session, event: Event, now: datetime | None = None
) -> list[QuotaCounts]:
    """Every quota of the event with its counts, by name as pretix lists quotas."""
    now = now or datetime.now(UTC)
    quotas = session.scalars(
        select(Quota).where(Quota.event_id == event.id).order_by(Quota.name, Quota.id)
    ).all()
    counts = {q.id: QuotaCounts(q) for q in quotas}
    links = _Links(session, event.id)
    taken: dict[int, int] = defaultdict(int)
    _count_orders(session, event.id, links, counts, taken)
    _count_vouchers(session, event.id, links, counts, taken, now)
    cutoff = resolve(event.waiting_list_auto_disable, event)
    if cutoff is None or cutoff > now:
        _count_waiting_list(session, event.id, links, counts, taken)
    for quota_id, found in counts.items():
        quota = found.quota
        if quota.closed:
            found.available = 0
        elif quota.size is not None:
            found.available = max(quota.size - taken[quota_id], 0)
    return list(counts.values())


def _exited():
    """1 for a position whose last exit came after its last entry, both scanned on lists
    that do not allow entry after exit; 0 otherwise."""

    def last(kind: str):
        return (
            select(func.max(Checkin.datetime))
            .join(CheckinList, CheckinList.id == Checkin.list_id)
            .where(
                Checkin.position_id == OrderPosition.id,
                Checkin.successful.is_(True),
                Checkin.type == kind,
                CheckinList.allow_entry_after_exit.is_(False),
            )
            .scalar_subquery()
        )

    entry, exit_ = last("entry"), last("exit")
    return case((and_(entry.is_not(None), exit_.is_not(None), exit_ > entry), 1), else_=0)


def _count_orders(session, event_id, links: _Links, counts, taken) -> None:
    releasing = any(found.quota.release_after_exit for found in counts.values())
    positions = (
        select(
            Order.status,
            OrderPosition.item_id,
            OrderPosition.variation_id,
            (_exited() if releasing else literal(0)).label("exited"),
        )
        .join(Order, Order.id == OrderPosition.order_id)
        .where(
            Order.event_id == event_id,
            Order.status.in_(("p", "n")),
            OrderPosition.canceled.is_(False),
        )
        .subquery()
    )
    lines = session.execute(select(*positions.c, func.count()).group_by(*positions.c))
    for status, item_id, variation_id, is_exited, count in lines:
        if not links.counted(item_id, variation_id):
            continue
        for quota_id in links.quotas_of(item_id, variation_id):
            found = counts[quota_id]
            if status == "p":
                found.paid += count
            else:
                found.pending += count
            if found.quota.release_after_exit and is_exited:
                found.exited += count
            else:
                taken[quota_id] += count


def _count_vouchers(session, event_id, links: _Links, counts, taken, now: datetime) -> None:
    vouchers = session.execute(
        select(
            Voucher.item_id,
            Voucher.variation_id,
            Voucher.quota_id,
            Voucher.max_usages,
            Voucher.redeemed,
        ).where(
            Voucher.event_id == event_id,
            Voucher.block_quota.is_(True),
            Voucher.valid_until.is_(None)
            | (Voucher.valid_until >= now.astimezone(UTC).replace(tzinfo=None)),
        )
    )
    products = links.items | links.items_of_variations
    for item_id, variation_id, quota_id, max_usages, redeemed in vouchers:
        looked_at = (
            (variation_id is None and item_id in products)
            or variation_id in links.variations
            or quota_id in counts
        )
        if not looked_at:
            continue
        if variation_id or item_id:
            quota_ids = links.quotas_of(item_id, variation_id)
        else:
            quota_ids = {quota_id}
        free = max(max_usages - redeemed, 0)
        for found_id in quota_ids:
            counts[found_id].vouchers += free
            taken[found_id] += free


def _count_waiting_list(session, event_id, links: _Links, counts, taken) -> None:
    lines = session.execute(
        select(WaitingListEntry.item_id, WaitingListEntry.variation_id, func.count())
        .where(WaitingListEntry.event_id == event_id, WaitingListEntry.voucher_id.is_(None))
        .group_by(WaitingListEntry.item_id, WaitingListEntry.variation_id)
    )
    for item_id, variation_id, count in lines:
        if not links.counted(item_id, variation_id):
            continue
        for quota_id in links.quotas_of(item_id, variation_id):
            counts[quota_id].waiting_list += count
            taken[quota_id] += count
