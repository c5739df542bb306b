"""Reads for the invoice exports, so that memory stays flat however many invoices there are:
invoices in number order a chunk at a time, with what each chunk needs besides (lines, the
orders' payments) read per chunk; and for the invoice data sheets, the invoices with their
totals, or the lines with their invoices, each in one query streamed a batch of columns at a
time."""

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

from sqlalchemy import and_, exists, func, select, tuple_
from sqlalchemy.orm import Session, aliased

from .catalog_queries import SortKey, iter_keyset
from .models import Invoice, InvoiceLine, Order, OrderPayment
from .queries import id_in, streamed_columns

# Payments whose provider an invoice lists: attempts that are or were meant to pay it.
LISTED_PAYMENT_STATES = ("confirmed", "refunded", "pending", "created")


@dataclass(frozen=True)
class InvoiceFilter:
    event_ids: list[int]
    first_day: date | None = None
    last_day: date | None = None
    # Only invoices of orders with a payment attempt by this provider.
    provider: str | None = None
    # Only invoices whose (number, id) is after ``after`` and up to ``until``: a run of them
    # made by one process when several share the work.
    after: tuple | None = None
    until: tuple | None = None

    def conditions(self) -> list:
        found = [Invoice.event_id.in_(self.event_ids)]
        if self.after is not None:
            found.append(tuple_(Invoice.number, Invoice.id) > tuple_(*self.after))
        if self.until is not None:
            found.append(tuple_(Invoice.number, Invoice.id) <= tuple_(*self.until))
        if self.first_day is not None:
            found.append(Invoice.date >= self.first_day)
        if self.last_day is not None:
            found.append(Invoice.date <= self.last_day)
        if self.provider:
            found.append(
                exists().where(
                    OrderPayment.order_id == Invoice.order_id,
                    OrderPayment.provider == self.provider,
                    OrderPayment.state.in_(LISTED_PAYMENT_STATES),
                )
            )
        return found


def count_invoices(session: Session, where: InvoiceFilter) -> int:
    return session.scalar(select(func.count()).select_from(Invoice).where(*where.conditions()))


def count_lines(session: Session, where: InvoiceFilter) -> int:
    return session.scalar(
        select(func.count())
        .select_from(InvoiceLine)
        .join(Invoice, Invoice.id == InvoiceLine.invoice_id)
        .where(*where.conditions())
    )


def split_keys(session: Session, where: InvoiceFilter, parts: int, total: int) -> list[tuple]:
    """The (number, id) keys that cut the ``total`` chosen invoices into ``parts`` runs of
    about equal length, in number order."""
    keys = []
    for part in range(1, parts):
        query = (
            select(Invoice.number, Invoice.id)
            .where(*where.conditions())
            .order_by(Invoice.number, Invoice.id)
            .offset(total * part // parts - 1)
            .limit(1)
        )
        keys.append(tuple(session.execute(query).one()))
    return keys


def iter_invoices(session: Session, where: InvoiceFilter) -> Iterator[list]:
    """Chunks of invoices by number (plain rows), each with its order's code, email and
    date, and the number of the invoice it cancels."""
    keys = [SortKey(Invoice.number), SortKey(Invoice.id)]
    yield from iter_keyset(session, _with_order(where), keys)


def iter_invoices_by_date(session: Session, where: InvoiceFilter) -> Iterator[list]:
    """The same, by date and then number."""
    keys = [SortKey(Invoice.date), SortKey(Invoice.number), SortKey(Invoice.id)]
    yield from iter_keyset(session, _with_order(where), keys)


def _with_order(where: InvoiceFilter, columns=tuple(Invoice.__table__.c)):
    """``columns`` of the chosen invoices with their order's code, email and date, and the
    number of the invoice each cancels."""
    refers = aliased(Invoice)
    return (
        select(
            *columns,
            Order.code.label("order_code"),
            Order.email.label("order_email"),
            Order.datetime.label("order_datetime"),
            refers.number.label("refers_number"),
        )
        .join(Order, Order.id == Invoice.order_id)
        .outerjoin(refers, refers.id == Invoice.refers_id)
        .where(*where.conditions())
    )


def invoice_batches(
    session: Session, where: InvoiceFilter, batch_rows: int
) -> Iterator[dict[str, tuple]]:
    """The invoices by number, as ``iter_invoices`` gives them, with ``gross`` and ``tax``
    summed over each one's lines (None without lines), ``batch_rows`` at a time as columns
    by label."""
    totals = (
        select(
            InvoiceLine.invoice_id,
            func.sum(InvoiceLine.gross_value).label("gross"),
            func.sum(InvoiceLine.tax_value).label("tax"),
        )
        .join(Invoice, Invoice.id == InvoiceLine.invoice_id)
        .where(*where.conditions())
        .group_by(InvoiceLine.invoice_id)
        .subquery()
    )
    query = (
        _with_order(where)
        .add_columns(totals.c.gross, totals.c.tax)
        .outerjoin(totals, totals.c.invoice_id == Invoice.id)
        .order_by(Invoice.number, Invoice.id)
    )
    yield from streamed_columns(session.connection(), query, batch_rows)


# What the lines sheet shows of each line's invoice (besides its order and the invoice it
# cancels), and of the line.
LINE_SHEET_INVOICE_COLUMNS = (
    Invoice.number,
    Invoice.date,
    Invoice.order_id,
    Invoice.is_cancellation,
    Invoice.invoice_from_name,
    Invoice.invoice_from,
    Invoice.invoice_from_zipcode,
    Invoice.invoice_from_city,
    Invoice.invoice_from_country,
    Invoice.invoice_from_tax_id,
    Invoice.invoice_from_vat_id,
    Invoice.invoice_to,
    Invoice.invoice_to_company,
    Invoice.invoice_to_name,
    Invoice.invoice_to_street,
    Invoice.invoice_to_zipcode,
    Invoice.invoice_to_city,
    Invoice.invoice_to_country,
    Invoice.invoice_to_state,
    Invoice.invoice_to_vat_id,
    Invoice.invoice_to_beneficiary,
    Invoice.internal_reference,
)
LINE_SHEET_LINE_COLUMNS = (
    InvoiceLine.position,
    InvoiceLine.description,
    InvoiceLine.gross_value,
    InvoiceLine.tax_value,
    InvoiceLine.tax_rate,
    InvoiceLine.tax_name,
    InvoiceLine.event_date_from,
    InvoiceLine.event_date_to,
    InvoiceLine.event_location,
)


def line_batches(
    session: Session, where: InvoiceFilter, batch_rows: int
) -> Iterator[dict[str, tuple]]:
    """The lines of the invoices by invoice number, then line number, each with its
    invoice's columns that the lines sheet shows, ``batch_rows`` at a time as columns by
    label."""
    query = (
        _with_order(where, LINE_SHEET_INVOICE_COLUMNS)
        .add_columns(*LINE_SHEET_LINE_COLUMNS)
        .join(InvoiceLine, InvoiceLine.invoice_id == Invoice.id)
        .order_by(Invoice.number, Invoice.id, InvoiceLine.position, InvoiceLine.id)
    )
    yield from streamed_columns(session.connection(), query, batch_rows)


def line_totals(session: Session, invoice_ids: list[int]) -> dict[int, tuple]:
    """Invoice id → (gross, tax) summed over its lines."""
    rows = session.execute(
        select(
            InvoiceLine.invoice_id,
            func.sum(InvoiceLine.gross_value),
            func.sum(InvoiceLine.tax_value),
        )
        .where(InvoiceLine.invoice_id.in_(invoice_ids))
        .group_by(InvoiceLine.invoice_id)
    )
    return {invoice_id: (gross, tax) for invoice_id, gross, tax in rows}


def lines_of(session: Session, invoice_ids: list[int]) -> dict[int, list]:
    """Invoice id → its lines (plain rows) by line number."""
    lines = defaultdict(list)
    query = (
        select(*InvoiceLine.__table__.c)
        .where(InvoiceLine.invoice_id.in_(invoice_ids))
        .order_by(InvoiceLine.invoice_id, InvoiceLine.position, InvoiceLine.id)
    )
    for line in session.execute(query):
        lines[line.invoice_id].append(line)
    return lines


@dataclass(frozen=True)
class PaymentRow:
    provider: str
    state: str
    amount: object
    local_id: int
    payment_date: object
    details: dict | None


def payments_of(session: Session, order_ids, states=None) -> dict[int, list]:
    """Order id → its payments (in ``states`` if given) by their number within the order."""
    conditions = [id_in(session, OrderPayment.order_id, sorted(set(order_ids)))]
    if states is not None:
        conditions.append(OrderPayment.state.in_(states))
    query = (
        select(
            OrderPayment.order_id,
            OrderPayment.provider,
            OrderPayment.state,
            OrderPayment.amount,
            OrderPayment.local_id,
            OrderPayment.payment_date,
            OrderPayment.details,
        )
        .where(and_(*conditions))
        .order_by(OrderPayment.order_id, OrderPayment.local_id, OrderPayment.id)
    )
    found = defaultdict(list)
    for row in session.execute(query):
        found[row.order_id].append(PaymentRow(*row[1:]))
    return found
