"""Reads for the invoice exports: invoices in number order a chunk at a time, with what each
chunk needs besides (line totals, lines, the orders' payments) read per chunk, so memory
stays flat however many invoices there are."""

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

from sqlalchemy import and_, exists, func, select
from sqlalchemy.orm import Session, aliased

from .catalog_queries import SortKey, iter_keyset
from .models import Invoice, InvoiceLine, Order, OrderPayment

# Payments whose provider an invoice lists: attempts that are or were meant to pay it.
LISTED_PAYMENT_STATES = ("confirmed", "refunded", "pending", "created")


@dataclass(frozen=True)
class InvoiceFilter:
    event_ids: list[int]
    first_day: date | None = None
    last_day: date | None = None
    # Only invoices of orders with a payment attempt by this provider.
    provider: str | None = None

    def conditions(self) -> list:
        found = [Invoice.event_id.in_(self.event_ids)]
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


def iter_invoices(session: Session, where: InvoiceFilter) -> Iterator[list]:
    """Chunks of invoices by number (plain rows), each with its order's code, email and
    date, and the number of the invoice it cancels."""
    keys = [SortKey(Invoice.number), SortKey(Invoice.id)]
    yield from iter_keyset(session, _with_order(where), keys)


def iter_invoices_by_date(session: Session, where: InvoiceFilter) -> Iterator[list]:
    """The same, by date and then number."""
    keys = [SortKey(Invoice.date), SortKey(Invoice.number), SortKey(Invoice.id)]
    yield from iter_keyset(session, _with_order(where), keys)


def _with_order(where: InvoiceFilter):
    refers = aliased(Invoice)
    return (
        select(
            *Invoice.__table__.c,
            Order.code.label("order_code"),
            Order.email.label("order_email"),
            Order.datetime.label("order_datetime"),
            refers.number.label("refers_number"),
        )
        .join(Order, Order.id == Invoice.order_id)
        .outerjoin(refers, refers.id == Invoice.refers_id)
        .where(*where.conditions())
    )


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


def payments_of(session: Session, order_ids: list[int], states=None) -> dict[int, list]:
    """Order id → its payments (in ``states`` if given) by their number within the order."""
    conditions = [OrderPayment.order_id.in_(set(order_ids))]
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
