"""The positions a ticket or badge export prints, as the texts the layouts show: product
label, the event's date in its time zone, price in its currency; read a chunk at a time."""

from collections.abc import Iterator

from ..store import ticket_queries as store
from ..store.catalog_queries import load_catalogue
from .localtime import EventClock
from .pdf.ticket import PrintedPosition


def printed(session, scope, where: store.PrintFilter) -> Iterator[PrintedPosition]:
    events = {e.id: e for e in scope.events}
    clock = EventClock(scope.events)
    catalogues = {}
    for chunk in store.iter_positions(session, where):
        for row in chunk:
            event = events[row.event_id]
            if event.id not in catalogues:
                catalogues[event.id] = load_catalogue(session, event.id)
            start = clock.local(event.id, event.date_from)
            yield PrintedPosition(
                event_name=event.name,
                event_date=start.strftime("%-d %B %Y, %H:%M"),
                location=(event.location or "").replace("\n", ", "),
                product=catalogues[event.id].product_label(row.item_id, row.variation_id),
                name=row.name,
                company=row.company or "",
                order_code=row.code,
                positionid=row.positionid,
                price=f"{event.currency} {row.price:.2f}",
                secret=row.secret,
            )
