"""``reusablemedia``, "Reusable media": the organizer's wristbands, cards and barcodes, oldest
first, as pretix's ``ReusableMediaExporter`` writes them: the tickets a medium carries as
``ORDERCODE-position`` (comma-joined when several, canceled ones left out, by position
number and id as pretix lists positions), its gift card by code, the expiry as pretix's
short date-time text in UTC: pretix formats it with ``date_format``, which does not convert
the database's UTC time to any zone.

Organizer level only, behind pretix's reusable media permission; a token without the gift
card permission sees a linked card's code shortened to its first three characters, as in
pretix.
"""

from collections import defaultdict
from collections.abc import Iterator

from sqlalchemy import func, select

from ..store.catalog_queries import SortKey, iter_keyset
from ..store.models import (
    Customer,
    GiftCard,
    Order,
    OrderPosition,
    ReusableMedium,
    reusable_medium_positions,
)
from ..store.queries import id_in
from . import register
from .base import ListExporter
from .base_types import Table
from .pretix_formats import short_datetime, yes_no

GIFT_CARDS = "can_manage_gift_cards"
COLUMNS = [
    "Media type",
    "Identifier",
    "Active",
    "Expiration date",
    "Customer account",
    "Linked ticket",
    "Linked gift card",
    "Notes",
]


@register
class ReusableMediaExporter(ListExporter):
    identifier = "reusablemedia"
    verbose_name = "Reusable media"
    description = (
        "Every wristband, card or barcode of the organizer with its state, expiry, customer, "
        "tickets and gift card: to keep track of media in circulation."
    )
    event_level = False
    organizer_level = True
    required_permission = "can_manage_reusable_media"
    file_stem = "media"

    def table(self, form: dict) -> Table:
        where = ReusableMedium.organizer_id == self.scope.organizer.id
        total = self.session.scalar(select(func.count()).select_from(ReusableMedium).where(where))
        query = (
            select(
                ReusableMedium.id,
                ReusableMedium.type,
                ReusableMedium.identifier,
                ReusableMedium.active,
                ReusableMedium.expires,
                ReusableMedium.notes,
                Customer.identifier.label("customer"),
                GiftCard.secret.label("giftcard"),
            )
            .select_from(ReusableMedium)
            .outerjoin(Customer, Customer.id == ReusableMedium.customer_id)
            .outerjoin(GiftCard, GiftCard.id == ReusableMedium.linked_giftcard_id)
            .where(where)
        )
        keys = [SortKey(ReusableMedium.created), SortKey(ReusableMedium.id)]
        chunks = iter_keyset(self.session, query, keys)
        return Table(COLUMNS, total, self._rows(chunks))

    def _tickets(self, chunk) -> dict[int, str]:
        """Medium id → its tickets as ``CODE-1, CODE-2``."""
        found: dict[int, list[str]] = defaultdict(list)
        media = reusable_medium_positions.c.medium_id
        for medium_id, code, positionid in self.session.execute(
            select(media, Order.code, OrderPosition.positionid)
            .join(OrderPosition, OrderPosition.id == reusable_medium_positions.c.position_id)
            .join(Order, Order.id == OrderPosition.order_id)
            .where(
                id_in(self.session, media, {row.id for row in chunk}),
                OrderPosition.canceled.is_(False),
            )
            .order_by(media, OrderPosition.positionid, OrderPosition.id)
        ):
            found[medium_id].append(f"{code}-{positionid}")
        return {medium_id: ", ".join(tickets) for medium_id, tickets in found.items()}

    def _giftcard(self, secret: str | None) -> str:
        """The linked card's code; only its first three characters and "…" for a token that
        may not read gift cards, as pretix shortens it."""
        if secret and not self.scope.may(GIFT_CARDS):
            return secret[:3] + "…"
        return secret or ""

    def _rows(self, chunks) -> Iterator[list]:
        for chunk in chunks:
            tickets = self._tickets(chunk)
            for row in chunk:
                yield [
                    row.type,
                    row.identifier,
                    yes_no(row.active),
                    short_datetime(row.expires),
                    row.customer or "",
                    tickets.get(row.id, ""),
                    self._giftcard(row.giftcard),
                    row.notes or "",
                ]
