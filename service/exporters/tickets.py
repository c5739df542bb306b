"""``pdfoutput_all_tickets``, "Tickets": every ticket of the event (or of the chosen events)
in one PDF, a page each, with pretix's default layout: event, date, product, attendee,
order code, price, and a QR code of the position's secret.

As pretix: positions of paid orders (``include_pending`` adds pending ones) whose product
is an admission product, add-ons included when they are; ``order_by`` name (attendee, else
the ticket's parent's, else the invoice name), company, order code, event date, or the
answer to a question. At organizer level ``date_range`` selects events by start date.
Pages are drawn and written in batches (``pdf.paged``), so 100,000 tickets need no more
memory than a few hundred.
"""

from pathlib import Path

from sqlalchemy import select

from ..store import ticket_queries as store
from ..store.models import Question
from . import dateframes, params, register
from .base import EMPTY_EXPORT, BaseExporter, ExportError, ExportFile, ProgressCallback
from .export_zone import export_timezone
from .pdf.paged import PagedDocument
from .pdf.ticket import draw_ticket
from .pdf_documents import PDF_TYPE
from .printed_positions import printed
from .writers import RowCounter

ORDERS = {"name": "Attendee name", "company": "Company", "code": "Order code", "date": "Event date"}


def question_orders(session, event) -> dict[str, str]:
    """``question:<identifier>`` for each question but file uploads, as pretix offers them."""
    found = session.execute(
        select(Question.identifier, Question.question)
        .where(Question.event_id == event.id, Question.type != "F")
        .order_by(Question.position, Question.id)
    ).all()
    return {f"question:{identifier}": text for identifier, text in found}


@register
class AllTicketsPDF(BaseExporter):
    identifier = "pdfoutput_all_tickets"
    verbose_name = "Tickets"
    description = (
        "All tickets in one PDF, a page each with its QR code: to print for the box office."
    )
    multi_event = True
    file_stem = "tickets"

    def parameter_fields(self) -> dict[str, params.Param]:
        fields = {"include_pending": params.Boolean(**params.ui("Include pending orders"))}
        orders = dict(ORDERS)
        if self.scope.is_multievent:
            fields["date_range"] = params.DateFrame(**params.ui("Event date"))
        else:
            orders.update(question_orders(self.session, self.scope.event))
        fields["order_by"] = params.Choice(
            list(orders), required=True, labels=orders, **params.ui("Sort by", "name")
        )
        return fields

    def write(self, form: dict, path: Path, progress: ProgressCallback) -> ExportFile:
        starts = (None, None)
        if form.get("date_range"):
            starts = dateframes.resolve(form["date_range"], export_timezone(self.scope))
        where = store.PrintFilter(
            [e.id for e in self.scope.events],
            include_pending=bool(form.get("include_pending")),
            admission_only=True,
            starts=starts,
            order_by=form["order_by"],
        )
        total = store.count(self.session, where)
        if not total:
            raise ExportError(EMPTY_EXPORT)
        counter = RowCounter(total, progress)
        with PagedDocument(path, self.verbose_name) as doc:
            for position in printed(self.session, self.scope, where):
                draw_ticket(doc.canvas, position, doc.pagesize[1])
                doc.show_page()
                counter.tick()
        return ExportFile(self.base_filename() + ".pdf", PDF_TYPE)
