"""``waitinglist``, "Waiting list": one row per waiting list entry, oldest first, as pretix's
``WaitingListExporter`` writes it, for one event or across the organizer's events.

An entry's status comes from its voucher: none yet ("Waiting for a voucher"), used up
("Voucher redeemed"), past its validity ("Voucher expired"), or sent and still usable
("Voucher assigned"). The ``status`` filter takes pretix's keys; "awaiting-redemption" is a
voucher still usable. Ids and the priority are text and dates are ``%Y-%m-%d %H:%M:%S`` in
the event's time zone, as pretix writes them. The waiting list shows people's contact data,
so it needs the order permission, as in pretix.
"""

from collections.abc import Iterator
from datetime import UTC, datetime

from sqlalchemy import and_, func, or_, select

from ..store.catalog_queries import SortKey, iter_keyset
from ..store.models import Item, ItemVariation, Voucher, WaitingListEntry
from . import params, register
from .base import ListExporter
from .base_types import Table
from .localtime import EventClock
from .pretix_formats import full_datetime

COLUMNS = [
    "Date",
    "Name",
    "Email",
    "Phone number",
    "Product",
    "Product ID",
    "Variation",
    "Variation ID",
    "Event slug",
    "Event name",
    "Date",
    "Start date",
    "End date",
    "Language",
    "Priority",
    "Status",
    "Voucher code",
]
STATUS_LABELS = {
    "": "All entries",
    "awaiting-voucher": "Waiting for a voucher",
    "voucher-assigned": "Voucher assigned",
    "awaiting-redemption": "Waiting for redemption",
    "voucher-redeemed": "Voucher redeemed",
    "voucher-expired": "Voucher expired",
}


def status_condition(status: str, now: datetime):
    """The entries in ``status`` (pretix's filter), as a condition on the joined voucher."""
    has_voucher = WaitingListEntry.voucher_id.is_not(None)
    usable = Voucher.redeemed < Voucher.max_usages
    if status == "awaiting-voucher":
        return WaitingListEntry.voucher_id.is_(None)
    if status == "voucher-assigned":
        return has_voucher
    if status == "awaiting-redemption":
        return and_(
            has_voucher, usable, or_(Voucher.valid_until.is_(None), Voucher.valid_until > now)
        )
    if status == "voucher-redeemed":
        return and_(has_voucher, Voucher.redeemed >= Voucher.max_usages)
    if status == "voucher-expired":
        return and_(has_voucher, usable, Voucher.valid_until <= now)
    return None


def status_label(row, now: datetime) -> str:
    if row.voucher_id is None:
        return STATUS_LABELS["awaiting-voucher"]
    if row.redeemed >= row.max_usages:
        return STATUS_LABELS["voucher-redeemed"]
    # pretix's ``Voucher.is_active``: still valid at its very end (the filter, though, calls
    # it expired from then on).
    if row.valid_until is not None and row.valid_until < now:
        return STATUS_LABELS["voucher-expired"]
    return STATUS_LABELS["voucher-assigned"]


@register
class WaitingListExporter(ListExporter):
    identifier = "waitinglist"
    verbose_name = "Waiting list"
    description = (
        "Everyone on the waiting list with product, contact, priority and voucher state: to "
        "follow up on demand for sold-out products."
    )
    multi_event = True
    file_stem = "waitinglist"

    def additional_fields(self) -> dict[str, params.Param]:
        return {
            "status": params.Choice(
                list(STATUS_LABELS),
                labels=STATUS_LABELS,
                **params.ui("Status", initial=""),
            ),
        }

    def base_filename(self) -> str:
        """pretix names a file over one event after that event, even at organizer level."""
        if self.scope.is_multievent and len(self.scope.events) == 1:
            return f"{self.scope.events[0].slug}_{self.file_stem}"
        return super().base_filename()

    def table(self, form: dict) -> Table:
        now = datetime.now(UTC).replace(tzinfo=None)
        conditions = [WaitingListEntry.event_id.in_([e.id for e in self.scope.events])]
        chosen = status_condition(form.get("status") or "", now)
        if chosen is not None:
            conditions.append(chosen)
        joined = select(func.count()).select_from(WaitingListEntry).outerjoin(Voucher)
        total = self.session.scalar(joined.where(*conditions))
        query = (
            select(
                WaitingListEntry.id,
                WaitingListEntry.created,
                WaitingListEntry.name,
                WaitingListEntry.email,
                WaitingListEntry.phone,
                WaitingListEntry.item_id,
                WaitingListEntry.variation_id,
                WaitingListEntry.event_id,
                WaitingListEntry.locale,
                WaitingListEntry.priority,
                WaitingListEntry.voucher_id,
                Voucher.code.label("voucher_code"),
                Voucher.redeemed,
                Voucher.max_usages,
                Voucher.valid_until,
            )
            .select_from(WaitingListEntry)
            .outerjoin(Voucher, Voucher.id == WaitingListEntry.voucher_id)
            .where(*conditions)
        )
        keys = [SortKey(WaitingListEntry.created), SortKey(WaitingListEntry.id)]
        chunks = iter_keyset(self.session, query, keys)
        return Table(COLUMNS, total, self._rows(chunks, now))

    def _rows(self, chunks, now: datetime) -> Iterator[list]:
        events = {e.id: e for e in self.scope.events}
        clock = EventClock(self.scope.events)
        event_ids = list(events)
        items = dict(
            self.session.execute(
                select(Item.id, Item.name).where(Item.event_id.in_(event_ids))
            ).all()
        )
        variations = dict(
            self.session.execute(
                select(ItemVariation.id, ItemVariation.value)
                .join(Item, Item.id == ItemVariation.item_id)
                .where(Item.event_id.in_(event_ids))
            ).all()
        )
        for chunk in chunks:
            for row in chunk:
                event = events[row.event_id]
                yield [
                    full_datetime(clock.local(event.id, row.created)),
                    row.name or "",
                    row.email,
                    row.phone or "",
                    items.get(row.item_id, ""),
                    str(row.item_id) if row.item_id else "",
                    variations.get(row.variation_id, "") if row.variation_id else "",
                    str(row.variation_id) if row.variation_id else "",
                    event.slug,
                    event.name,
                    "",
                    full_datetime(clock.local(event.id, event.date_from)),
                    full_datetime(clock.local_or_none(event.id, event.date_to)),
                    row.locale,
                    str(row.priority),
                    status_label(row, now),
                    row.voucher_code or "",
                ]
