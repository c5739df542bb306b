"""Reads for the order overview: positions counted and summed per product, variation and
order status in one grouped query, as pretix's ``order_overview`` counts them."""

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .models import Order, OrderFee, OrderPosition
from .tax_split_queries import last_payment_date


def _window(query, axis: str, start: datetime | None, end: datetime | None):
    column = {"order_date": Order.datetime, "last_payment_date": last_payment_date()}.get(axis)
    if column is not None and start is not None:
        query = query.where(column >= start)
    if column is not None and end is not None:
        query = query.where(column < end)
    return query


def position_sums(session: Session, event_id: int, axis: str, start, end) -> list:
    """(item id, variation id, status, count, gross) per group; positions of canceled orders
    and canceled positions count as status "c"."""
    canceled = OrderPosition.canceled.is_(True)
    shown = select(
        OrderPosition.item_id,
        OrderPosition.variation_id,
        Order.status,
        canceled.label("canceled"),
        func.count(),
        func.coalesce(func.sum(OrderPosition.price), 0),
    ).join(Order, Order.id == OrderPosition.order_id)
    shown = _window(shown.where(Order.event_id == event_id), axis, start, end)
    grouped = shown.group_by(
        OrderPosition.item_id, OrderPosition.variation_id, Order.status, canceled
    )
    return [
        (item, variation, "c" if was_canceled else order_status, count, gross)
        for item, variation, order_status, was_canceled, count, gross in session.execute(grouped)
    ]


def fee_sums(session: Session, event_id: int, axis: str, start, end) -> list:
    """(fee type, status, count, gross) per group, like ``position_sums``."""
    canceled = OrderFee.canceled.is_(True)
    shown = select(
        OrderFee.fee_type,
        Order.status,
        canceled.label("canceled"),
        func.count(),
        func.coalesce(func.sum(OrderFee.value), 0),
    ).join(Order, Order.id == OrderFee.order_id)
    shown = _window(shown.where(Order.event_id == event_id), axis, start, end)
    grouped = shown.group_by(OrderFee.fee_type, Order.status, canceled)
    return [
        (fee_type, "c" if was_canceled else order_status, count, gross)
        for fee_type, order_status, was_canceled, count, gross in session.execute(grouped)
    ]
