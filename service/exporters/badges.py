"""``badges``, "Attendee badges": a badge per position of the chosen products with the
built-in layout (event, attendee name large, company, product), one per page of its own
size or several on label sheets (``rendering``, pretix's sheet names, see ``pdf.labels``).

As pretix: paid orders (``include_pending`` adds pending ones), add-ons only with
``include_addons``, ``order_date_from``/``order_date_to`` (ISO dates, the event's time zone)
narrow by order date; ``date_from``/``date_to`` narrow event series dates in pretix and
select nothing out here, where every event is one date. Sheets are drawn in batches.
"""

from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from marshmallow import ValidationError
from sqlalchemy import select

from ..store import ticket_queries as store
from ..store.models import Item
from . import params, register
from .base import EMPTY_EXPORT, BaseExporter, ExportError, ExportFile, ProgressCallback
from .pdf.labels import LABELS, SHEETS
from .pdf.paged import PagedDocument
from .pdf.ticket import draw_badge
from .pdf_documents import PDF_TYPE
from .printed_positions import printed
from .tickets import question_orders
from .writers import RowCounter

ORDERS = {
    "name": "Attendee name",
    "company": "Company",
    "code": "Order code",
    "order_date": "Order date",
    "date": "Event date",
}


class IsoDate(params.Param, params.fields.Field):
    """A day as ``YYYY-MM-DD``, with DRF's message otherwise."""

    widget = "text"

    def __init__(self, **kwargs):
        super().__init__(**params._init(False, kwargs))

    def _deserialize(self, value, attr, data, **kwargs):
        try:
            return (
                date.fromisoformat(value) if isinstance(value, str) and len(value) == 10 else _bad()
            )
        except ValueError:
            _bad()


def _bad():
    raise ValidationError("Date has wrong format. Use one of these formats instead: YYYY-MM-DD.")


@register
class BadgeExporter(BaseExporter):
    identifier = "badges"
    verbose_name = "Attendee badges"
    description = (
        "Name badges for the attendees, one per page or on label sheets: to print before the "
        "doors open."
    )
    file_stem = "badges"

    def parameter_fields(self) -> dict[str, params.Param]:
        event = self.scope.event
        items = self.session.execute(
            select(Item.id, Item.name)
            .where(Item.event_id == event.id)
            .order_by(Item.position, Item.id)
        ).all()
        orders = {**ORDERS, **question_orders(self.session, event)}
        return {
            "items": params.MultipleChoice(
                [i for i, _ in items],
                required=True,
                allow_empty=False,
                labels=dict(items),
                listed=False,
                **params.ui("Products"),
            ),
            "include_pending": params.Boolean(**params.ui("Include pending orders")),
            "include_addons": params.Boolean(**params.ui("Include add-on or bundled positions")),
            "rendering": params.Choice(
                list(SHEETS), required=True, labels=LABELS, **params.ui("Rendering option", "one")
            ),
            "date_from": IsoDate(**params.ui("Start event date")),
            "date_to": IsoDate(**params.ui("End event date")),
            "order_date_from": IsoDate(**params.ui("Start order date")),
            "order_date_to": IsoDate(**params.ui("End order date")),
            "order_by": params.Choice(
                list(orders), required=True, labels=orders, **params.ui("Sort by", "name")
            ),
        }

    def write(self, form: dict, path: Path, progress: ProgressCallback) -> ExportFile:
        event = self.scope.event
        zone = ZoneInfo(event.timezone)

        def midnight(day: date | None, days: int = 0) -> datetime | None:
            if day is None:
                return None
            local = datetime.combine(day + timedelta(days=days), time(), zone)
            return local.astimezone(ZoneInfo("UTC")).replace(tzinfo=None)

        where = store.PrintFilter(
            [event.id],
            include_pending=bool(form.get("include_pending")),
            item_ids=list(form["items"]),
            include_addons=bool(form.get("include_addons")),
            ordered=(midnight(form.get("order_date_from")), midnight(form.get("order_date_to"), 1)),
            order_by=form["order_by"],
        )
        total = store.count(self.session, where)
        if not total:
            raise ExportError(EMPTY_EXPORT)
        sheet = SHEETS[form["rendering"]]
        counter = RowCounter(total, progress)
        with PagedDocument(path, self.verbose_name, sheet.page_points()) as doc:
            slot = 0
            for position in printed(self.session, self.scope, where):
                draw_badge(doc.canvas, position, *sheet.slot(slot))
                slot += 1
                if slot == sheet.per_page:
                    doc.show_page()
                    slot = 0
                counter.tick()
            if slot:
                doc.show_page()
        return ExportFile(self.base_filename() + ".pdf", PDF_TYPE)
