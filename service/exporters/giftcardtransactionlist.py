"""``giftcardtransactionlist``, "Gift card transactions": every change of value of the
organizer's gift cards, by time, as pretix's ``GiftcardTransactionListExporter`` lists them.
Times are shown in the time zone of the organizer's first event; "Organizer" names the one
that accepted the card."""

from collections.abc import Iterator

from sqlalchemy import select

from ..store import giftcard_queries as store
from ..store.models import Organizer
from . import dateframes, params, register
from .base import ListExporter
from .base_types import Table
from .export_zone import ZoneClock, export_timezone

COLUMNS = ["Gift card code", "Test mode", "Date", "Amount", "Currency", "Order", "Organizer"]


@register
class GiftcardTransactionListExporter(ListExporter):
    identifier = "giftcardtransactionlist"
    verbose_name = "Gift card transactions"
    description = "Every transaction on the organizer's gift cards: issued, topped up, redeemed."
    event_level = False
    organizer_level = True
    required_permission = "can_manage_gift_cards"
    file_stem = "giftcardtransactions"

    def additional_fields(self) -> dict[str, params.Param]:
        return {"date_range": params.DateFrame()}

    def table(self, form: dict) -> Table:
        zone = export_timezone(self.scope)
        start = end = None
        if form.get("date_range"):
            start, end = dateframes.resolve(form["date_range"], zone)
        conditions = store.transaction_conditions(self.scope.organizer.id, start, end)
        total = store.count_transactions(self.session, conditions)
        return Table(COLUMNS, total, self._rows(conditions, zone))

    def _rows(self, conditions, zone: str) -> Iterator[list]:
        clock = ZoneClock(zone)
        names = {s: n for s, n in self.session.execute(select(Organizer.slug, Organizer.name))}
        for chunk in store.iter_transactions(self.session, conditions):
            for row in chunk:
                t = row.GiftCardTransaction
                order = f"{row.event_slug.upper()}-{row.order_code}" if row.order_code else None
                yield [
                    row.secret,
                    "TEST MODE" if row.testmode else "",
                    clock.local(t.datetime).strftime("%Y-%m-%d %H:%M:%S"),
                    t.value,
                    row.currency,
                    order,
                    names.get(t.acceptor, t.acceptor or ""),
                ]
