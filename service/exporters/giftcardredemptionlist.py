"""``giftcardredemptionlist``, "Gift card redemptions": the payments made with gift cards
(confirmed or refunded) and the refunds onto them (done), by order code and time, as
pretix's ``GiftcardRedemptionListExporter`` lists them. Refunds show a negative amount;
"Issuer" names the organizer that issued the card; the date is text in the event's zone
(``2026-01-05``), as pretix writes it, in xlsx too."""

import heapq
from collections.abc import Iterator

from sqlalchemy import select

from ..store import giftcard_queries as store
from ..store.models import OrderPayment, OrderRefund, Organizer
from . import register
from .base import ListExporter
from .base_types import Table
from .localtime import EventClock
from .pretix_formats import short_date

COLUMNS = ["Event slug", "Order", "Payment ID", "Date", "Gift card code", "Amount", "Issuer"]


@register
class GiftcardRedemptionListExporter(ListExporter):
    identifier = "giftcardredemptionlist"
    verbose_name = "Gift card redemptions"
    description = "Every payment made with a gift card and every refund onto one."
    multi_event = True
    file_stem = "giftcardredemptions"

    def table(self, form: dict) -> Table:
        event_ids = [e.id for e in self.scope.events]
        total = store.count_redemptions(self.session, event_ids)
        streams = [
            self._stream(OrderPayment, "P", 1, event_ids),
            self._stream(OrderRefund, "R", -1, event_ids),
        ]
        return Table(COLUMNS, total, self._rows(heapq.merge(*streams, key=lambda r: r[0])))

    def _stream(self, model, letter: str, sign: int, event_ids) -> Iterator[tuple]:
        for chunk in store.iter_redemptions(self.session, model, event_ids):
            for row in chunk:
                yield (row.code, row.created, letter, row.id), letter, sign, row

    def _rows(self, merged) -> Iterator[list]:
        clock = EventClock(self.scope.events)
        issuers = {i: n for i, n in self.session.execute(select(Organizer.id, Organizer.name))}
        for _key, letter, sign, row in merged:
            yield [
                clock.slug(row.event_id),
                row.code,
                f"{row.code}-{letter}-{row.local_id}",
                short_date(clock.local(row.event_id, row.created)),
                row.secret or "",
                row.amount * sign,
                issuers.get(row.organizer_id, ""),
            ]
