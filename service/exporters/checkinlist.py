"""``checkinlist``, "Check-in list": the attendees a check-in list admits, with when they were
last checked in and out on that list, as pretix's ``CSVCheckinList`` lists them.

Which positions (as pretix, ``store.checkin_queries.admitted``): not canceled, of paid
orders, of pending ones too if the list includes pending orders (otherwise only those valid
while pending); of any product if the list covers all products, otherwise of the products
the list names.

``status`` keeps pretix's values: "1" checked in (ever entered), "2" present (entered and
not left since), "3" checked in but left (last exit at or after last entry), "0" not
checked in, "" everyone. Only successful scans count. ``sort`` by name (attendee, else the
parent ticket's attendee, else the invoice name, else the order code), by order code and
position, or by order date newest first, each with the position id as tie-breaker.

Names, emails and answers of an add-on fall back to its parent ticket's, as in pretix;
answers read as pretix's ``format_answer_for_export`` writes them (``checkin_answers``).
Columns are pretix 2026.8's, in its order. Check-in times are pretix's short date-time text
in the event's time zone; the validity window is that text in UTC, since pretix formats it
without converting it. "Requires special attention" is the order's, product's or
variation's; "Check-in text" the order's and the product's, a line each; the address is the
attendee's where it has a street, ZIP code or city, the invoice address otherwise.
"""

from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import and_, case, func, or_, select

from ..store import queries
from ..store.catalog_queries import iter_keyset, load_catalogue
from ..store.checkin_queries import Parent, admitted, lists_of_event, position_order
from ..store.models import (
    Checkin,
    CheckinList,
    Item,
    ItemVariation,
    Order,
    OrderPosition,
    Question,
    Seat,
    Voucher,
)
from . import params, register
from .base import ExportError, ExportFile, ListExporter, ProgressCallback
from .base_types import Table
from .checkin_answers import answers_of
from .checkin_files import list_file_stem
from .localtime import EventClock
from .pretix_formats import short_datetime, yes_no

STATUS_LABELS = {
    "": "All attendees",
    "1": "Checked in",
    "2": "Present",
    "3": "Checked in but left",
    "0": "Not checked in",
}
SORT_LABELS = {"name": "Attendee name", "code": "Order code", "order_datetime": "Order date"}

# pretix's ``require_checkin_attention``: the order's, the product's or the variation's.
ATTENTION = or_(
    Order.checkin_attention.is_(True),
    Item.checkin_attention.is_(True),
    ItemVariation.checkin_attention.is_(True),
)


def address_cells(row) -> list[str]:
    """The attendee's address where it has a street, ZIP code or city, else the invoice
    address, as pretix picks one."""
    if row.street or row.zipcode or row.city:
        found = (row.street, row.zipcode, row.city, row.country, row.state)
    else:
        found = (
            row.invoice_street,
            row.invoice_zipcode,
            row.invoice_city,
            row.invoice_country,
            row.invoice_state,
        )
    return [value or "" for value in found]


@register
class CheckinListExporter(ListExporter):
    identifier = "checkinlist"
    verbose_name = "Check-in list"
    description = (
        "The attendees of a check-in list with their order, product and check-in state: to "
        "print for the entrance or to see who came."
    )
    file_stem = "checkin"

    def _event_id(self) -> int:
        return self.scope.events[0].id

    def additional_fields(self) -> dict[str, params.Param]:
        lists = lists_of_event(self.session, self._event_id())
        questions = self.session.execute(
            select(Question.id, Question.question)
            .where(Question.event_id == self._event_id())
            .order_by(Question.position, Question.id)
        ).all()
        return {
            "list": params.Choice(
                [i for i, _ in lists],
                required=True,
                labels={i: n for i, n in lists},
                listed=False,
                **params.ui("Check-in list"),
            ),
            "secrets": params.Boolean(**params.ui("Include QR-code secret")),
            "attention_only": params.Boolean(**params.ui("Only attendees needing attention")),
            "status": params.Choice(
                list(STATUS_LABELS), labels=STATUS_LABELS, **params.ui("Check-in status", "")
            ),
            "sort": params.Choice(
                list(SORT_LABELS), labels=SORT_LABELS, **params.ui("Sort by", "name")
            ),
            "questions": params.MultipleChoice(
                [i for i, _ in questions],
                labels={i: q for i, q in questions},
                listed=False,
                **params.ui("Questions", help="A column with the answers to each one checked."),
            ),
        }

    # The query -----------------------------------------------------------------------------
    def _scans(self, list_id: int):
        """Last successful entry and exit per position on the list."""
        return (
            select(
                Checkin.position_id,
                func.max(case((Checkin.type == "entry", Checkin.datetime))).label("last_entry"),
                func.max(case((Checkin.type == "exit", Checkin.datetime))).label("last_exit"),
                func.max(case((Checkin.auto_checked_in, 1), else_=0)).label("auto"),
            )
            .where(Checkin.list_id == list_id, Checkin.successful.is_(True))
            .group_by(Checkin.position_id)
            .subquery()
        )

    def _conditions(self, checkin_list, scans, form: dict) -> list:
        conditions = admitted(checkin_list)
        if form.get("attention_only"):
            conditions.append(ATTENTION)
        entry, exit_ = scans.c.last_entry, scans.c.last_exit
        status = form.get("status") or ""
        if status == "1":
            conditions.append(entry.is_not(None))
        elif status == "2":
            conditions.append(and_(entry.is_not(None), or_(exit_.is_(None), exit_ < entry)))
        elif status == "3":
            conditions.append(and_(entry.is_not(None), exit_.is_not(None), exit_ >= entry))
        elif status == "0":
            conditions.append(entry.is_(None))
        return conditions

    @staticmethod
    def _joined(query, scans):
        return (
            query.join(Order, Order.id == OrderPosition.order_id)
            .join(Item, Item.id == OrderPosition.item_id)
            .outerjoin(ItemVariation, ItemVariation.id == OrderPosition.variation_id)
            .outerjoin(Parent, Parent.id == OrderPosition.addon_to_id)
            .outerjoin(scans, scans.c.position_id == OrderPosition.id)
            .outerjoin(Voucher, Voucher.id == OrderPosition.voucher_id)
            .outerjoin(Seat, Seat.id == OrderPosition.seat_id)
        )

    def write(self, form: dict, path: Path, progress: ProgressCallback) -> ExportFile:
        """Named after the list, as pretix names the file: ``<event>_checkin_<list>``."""
        checkin_list = self.session.get(CheckinList, form["list"])
        if checkin_list is not None:
            self.file_stem = list_file_stem(checkin_list.name)
        return super().write(form, path, progress)

    # The table -----------------------------------------------------------------------------
    def table(self, form: dict) -> Table:
        checkin_list = self.session.get(CheckinList, form["list"])
        if checkin_list is None or checkin_list.event_id != self._event_id():
            raise ExportError("The check-in list does not exist any more.")
        scans = self._scans(checkin_list.id)
        conditions = self._conditions(checkin_list, scans, form)
        questions = self.session.execute(
            select(Question.id, Question.question)
            .where(Question.id.in_(form.get("questions") or []))
            .order_by(Question.position, Question.id)
        ).all()
        columns = [
            "Order code",
            "Attendee name",
            "Product",
            "Price",
            "Checked in",
            "Checked out",
            "Automatically checked in",
        ]
        if checkin_list.include_pending:
            columns.append("Paid")
        if form.get("secrets"):
            columns.append("Secret")
        columns += ["Email", "Phone number", *(q.question for q in questions)]
        columns += [
            "Company",
            "Voucher code",
            "Order date",
            "Order time",
            "Requires special attention",
            "Comment",
            "Check-in text",
            "Seat ID",
            "Seat name",
            "Seat zone",
            "Seat row",
            "Seat number",
            "Blocked",
            "Valid from",
            "Valid until",
            "Address",
            "ZIP code",
            "City",
            "Country",
            "State",
        ]
        total = self.session.scalar(
            self._joined(select(func.count()).select_from(OrderPosition), scans).where(*conditions)
        )
        query = self._joined(
            select(
                *queries.POSITION_COLUMNS,
                Order.code,
                Order.datetime.label("order_datetime"),
                Order.status,
                Order.email,
                Order.phone,
                Order.comment,
                Order.checkin_attention,
                Order.invoice_name,
                Order.invoice_company,
                Order.invoice_street,
                Order.invoice_zipcode,
                Order.invoice_city,
                Order.invoice_country,
                Order.invoice_state,
                Order.checkin_text,
                Item.checkin_text.label("item_checkin_text"),
                ATTENTION.label("attention"),
                Voucher.code.label("voucher_code"),
                Seat.seat_guid,
                Seat.name.label("seat_name"),
                Seat.zone_name,
                Seat.row_name,
                Seat.seat_number,
                Parent.attendee_name.label("parent_name"),
                Parent.attendee_email.label("parent_email"),
                scans.c.last_entry,
                scans.c.last_exit,
                scans.c.auto,
            ).select_from(OrderPosition),
            scans,
        ).where(*conditions)
        order = position_order(self.session, form.get("sort") or "name")
        chunks = iter_keyset(self.session, query, order)
        return Table(columns, total, self._rows(chunks, checkin_list, form, questions))

    def _rows(self, chunks, checkin_list, form: dict, questions) -> Iterator[list]:
        event_id = self._event_id()
        clock = EventClock(self.scope.events)
        catalogue = load_catalogue(self.session, event_id)
        for chunk in chunks:
            answers = answers_of(
                self.session, [(r.id, r.addon_to_id) for r in chunk], [q.id for q in questions]
            )
            for row in chunk:
                ordered = clock.local(event_id, row.order_datetime)
                row_cells = [
                    row.code,
                    row.attendee_name or row.parent_name or row.invoice_name,
                    catalogue.product_label(row.item_id, row.variation_id),
                    row.price,
                    short_datetime(clock.local_or_none(event_id, row.last_entry)),
                    short_datetime(clock.local_or_none(event_id, row.last_exit)),
                    yes_no(row.auto),
                ]
                if checkin_list.include_pending:
                    row_cells.append(yes_no(row.status == "p"))
                if form.get("secrets"):
                    row_cells.append(row.secret)
                row_cells += [
                    row.attendee_email or row.parent_email or row.email or "",
                    row.phone or "",
                    *(answers.get(row.id, {}).get(q.id, "") for q in questions),
                    row.company or row.invoice_company,
                    row.voucher_code or "",
                    ordered.strftime("%Y-%m-%d"),
                    ordered.strftime("%H:%M:%S"),
                    yes_no(row.attention),
                    row.comment or "",
                    "\n".join(t for t in (row.checkin_text, row.item_checkin_text) if t),
                    row.seat_guid or "",
                    row.seat_name or "",
                    row.zone_name or "",
                    row.row_name or "",
                    row.seat_number or "",
                    "Yes" if row.blocked else "",
                    short_datetime(row.valid_from),
                    short_datetime(row.valid_until),
                    *address_cells(row),
                ]
                yield row_cells
