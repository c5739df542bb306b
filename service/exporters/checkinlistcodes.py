"""``checkinlistcodes``, "Valid check-in codes": the ticket codes a check-in list accepts,
for scanners to load before going offline, one row per admitted position.

Admitted as for the check-in list export (``store.checkin_queries.admitted``), and in the
order that export sorts by default, by attendee name: pretix's codes list shares its query
and has no ``sort`` of its own. Blocked tickets are left out, since no scan of them
succeeds. "Paid" tells codes of pending orders (on lists that admit them) from paid ones.
The validity window is pretix's short date-time text in UTC: pretix formats it without
converting it to the event's zone.
"""

from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import func, select

from ..store.catalog_queries import iter_keyset
from ..store.checkin_queries import Parent, admitted, lists_of_event, position_order
from ..store.models import CheckinList, Item, ItemVariation, Order, OrderPosition
from . import params, register
from .base import ExportError, ExportFile, ListExporter, ProgressCallback
from .base_types import Table
from .checkin_files import list_file_stem
from .pretix_formats import short_datetime, yes_no

COLUMNS = ["Secret", "Product", "Variation", "Paid", "Valid from", "Valid until"]


@register
class ValidCheckinCodesExporter(ListExporter):
    identifier = "checkinlistcodes"
    verbose_name = "Valid check-in codes"
    description = (
        "The ticket codes a check-in list accepts, with product and validity: to load into "
        "scanners that work offline."
    )
    file_stem = "checkin"

    def _event_id(self) -> int:
        return self.scope.events[0].id

    def additional_fields(self) -> dict[str, params.Param]:
        lists = lists_of_event(self.session, self._event_id())
        return {
            "list": params.Choice(
                [i for i, _ in lists],
                required=True,
                labels=dict(lists),
                listed=False,
                **params.ui("Check-in list"),
            ),
        }

    def write(self, form: dict, path: Path, progress: ProgressCallback) -> ExportFile:
        checkin_list = self.session.get(CheckinList, form["list"])
        if checkin_list is None or checkin_list.event_id != self._event_id():
            raise ExportError("The check-in list does not exist any more.")
        self.checkin_list = checkin_list
        self.file_stem = list_file_stem(checkin_list.name)
        return super().write(form, path, progress)

    def table(self, form: dict) -> Table:
        conditions = [*admitted(self.checkin_list), OrderPosition.blocked.is_(None)]
        counted = select(func.count()).select_from(OrderPosition).join(Order)
        total = self.session.scalar(counted.where(*conditions))
        query = (
            select(
                OrderPosition.id,
                OrderPosition.secret,
                OrderPosition.item_id,
                OrderPosition.variation_id,
                OrderPosition.valid_from,
                OrderPosition.valid_until,
                Order.status,
            )
            .select_from(OrderPosition)
            .join(Order, Order.id == OrderPosition.order_id)
            .outerjoin(Parent, Parent.id == OrderPosition.addon_to_id)
            .where(*conditions)
        )
        chunks = iter_keyset(self.session, query, position_order(self.session, "name"))
        return Table(COLUMNS, total, self._rows(chunks))

    def _rows(self, chunks) -> Iterator[list]:
        event_id = self._event_id()
        items = dict(
            self.session.execute(select(Item.id, Item.name).where(Item.event_id == event_id)).all()
        )
        variations = dict(
            self.session.execute(
                select(ItemVariation.id, ItemVariation.value)
                .join(Item, Item.id == ItemVariation.item_id)
                .where(Item.event_id == event_id)
            ).all()
        )
        for chunk in chunks:
            for row in chunk:
                yield [
                    row.secret,
                    items.get(row.item_id, ""),
                    variations.get(row.variation_id, "") if row.variation_id else "",
                    yes_no(row.status == "p"),
                    short_datetime(row.valid_from),
                    short_datetime(row.valid_until),
                ]
