"""Reads for the accounting report: over a window of time, the sales (order transactions)
summed per tax rate, and the confirmed payments and finished refunds summed per provider,
each in one grouped query."""

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .models import Order, OrderPayment, OrderRefund, Transaction


def _base(query, event_ids, column, start: datetime | None, end: datetime | None, testmode):
    query = query.join(Order, Order.id == column.table.c.order_id).where(
        Order.event_id.in_(event_ids)
    )
    if not testmode:
        query = query.where(Order.testmode.is_(False))
    if start is not None:
        query = query.where(column >= start)
    if end is not None:
        query = query.where(column < end)
    return query


def sales_by_rate(session: Session, event_ids, start, end, testmode: bool) -> list:
    """(tax rate, count, gross, tax) ascending by rate; cancellations count negatively."""
    query = select(
        Transaction.tax_rate,
        func.sum(Transaction.count),
        func.coalesce(func.sum(Transaction.price * Transaction.count), 0),
        func.coalesce(func.sum(Transaction.tax_value * Transaction.count), 0),
    )
    query = _base(query, event_ids, Transaction.datetime, start, end, testmode)
    return session.execute(
        query.group_by(Transaction.tax_rate).order_by(Transaction.tax_rate)
    ).all()


def payments_by_provider(session: Session, event_ids, start, end, testmode: bool) -> list:
    """(provider, count, amount) of payments confirmed (or since refunded) in the window."""
    query = select(OrderPayment.provider, func.count(), func.sum(OrderPayment.amount)).where(
        OrderPayment.state.in_(("confirmed", "refunded"))
    )
    query = _base(query, event_ids, OrderPayment.payment_date, start, end, testmode)
    return session.execute(
        query.group_by(OrderPayment.provider).order_by(OrderPayment.provider)
    ).all()


def refunds_by_provider(session: Session, event_ids, start, end, testmode: bool) -> list:
    """(provider, count, amount) of refunds done in the window."""
    query = select(OrderRefund.provider, func.count(), func.sum(OrderRefund.amount)).where(
        OrderRefund.state == "done"
    )
    query = _base(query, event_ids, OrderRefund.execution_date, start, end, testmode)
    return session.execute(
        query.group_by(OrderRefund.provider).order_by(OrderRefund.provider)
    ).all()
