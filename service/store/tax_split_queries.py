"""Reads for the tax split list: an event's orders in the chosen order, and what their
positions and fees come to per tax rate, a chunk of orders at a time."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, union
from sqlalchemy.orm import Session

from .models import Order, OrderFee, OrderPayment, OrderPosition

PAID_STATES = ("confirmed", "refunded")


def last_payment_date():
    """An order's last payment date among its confirmed or refunded payments."""
    return (
        select(func.max(OrderPayment.payment_date))
        .where(
            OrderPayment.order_id == Order.id,
            OrderPayment.state.in_(PAID_STATES),
            OrderPayment.payment_date.is_not(None),
        )
        .correlate(Order)
        .scalar_subquery()
    )


@dataclass(frozen=True)
class TaxSplitFilter:
    event_id: int
    statuses: list[str]
    # "order_date" or "last_payment_date" with a window; anything else filters nothing.
    axis: str = ""
    start: datetime | None = None
    end: datetime | None = None

    def order_conditions(self) -> list:
        found = [Order.event_id == self.event_id, Order.status.in_(self.statuses)]
        column = {"order_date": Order.datetime, "last_payment_date": last_payment_date()}.get(
            self.axis
        )
        if column is not None and self.start is not None:
            found.append(column >= self.start)
        if column is not None and self.end is not None:
            found.append(column < self.end)
        return found


def tax_rates(session: Session, where: TaxSplitFilter) -> list:
    """The rates of the event's fees (whatever their order's status) and of the positions
    of the chosen orders, ascending."""
    fees = (
        select(OrderFee.tax_rate)
        .join(Order, Order.id == OrderFee.order_id)
        .where(Order.event_id == where.event_id, OrderFee.canceled.is_(False))
    )
    positions = (
        select(OrderPosition.tax_rate)
        .join(Order, Order.id == OrderPosition.order_id)
        .where(
            Order.event_id == where.event_id,
            Order.status.in_(where.statuses),
            OrderPosition.canceled.is_(False),
        )
    )
    return sorted(set(session.scalars(select(union(fees, positions).subquery().c[0]))))


def ordered_order_ids(session: Session, where: TaxSplitFilter, by_payment: bool) -> list[int]:
    """Ids of the chosen orders with positions, by order date or by last payment (orders
    without one last), then order date and code."""
    has_positions = (
        select(OrderPosition.id)
        .where(OrderPosition.order_id == Order.id, OrderPosition.canceled.is_(False))
        .exists()
    )
    first = last_payment_date().asc().nulls_last() if by_payment else Order.datetime.asc()
    query = (
        select(Order.id)
        .where(*where.order_conditions(), has_positions)
        .order_by(first, Order.datetime, Order.code)
    )
    return list(session.scalars(query))


def orders_of(session: Session, order_ids: list[int]) -> dict[int, tuple]:
    """Order id → (order, its last payment date)."""
    query = select(Order, last_payment_date().label("paid")).where(Order.id.in_(order_ids))
    return {order.id: (order, paid) for order, paid in session.execute(query)}


def sums_by_rate(session: Session, order_ids: list[int], model) -> dict[int, dict]:
    """Order id → {tax rate: (gross, tax)} over its positions or fees that are not
    canceled."""
    value = OrderPosition.price if model is OrderPosition else OrderFee.value
    rows = session.execute(
        select(model.order_id, model.tax_rate, func.sum(value), func.sum(model.tax_value))
        .where(model.order_id.in_(order_ids), model.canceled.is_(False))
        .group_by(model.order_id, model.tax_rate)
    )
    found = defaultdict(dict)
    for order_id, rate, gross, tax in rows:
        found[order_id][rate] = (gross, tax)
    return found


ADDRESS = (
    Order.invoice_country,
    Order.invoice_company,
    Order.invoice_street,
    Order.invoice_zipcode,
    Order.invoice_city,
    Order.invoice_state,
    Order.invoice_vat_id,
    Order.invoice_custom_field,
)


def grouped_sums(session: Session, where: TaxSplitFilter, business_only: bool) -> list:
    """Rows of (has address, country, rate[, company … custom field], gross, tax) summed
    over positions and fees of the chosen orders, grouped by country and rate (and, for
    business customers only, by their whole address)."""
    keys = ADDRESS if business_only else ADDRESS[:1]
    has_address = Order.invoice_address_modified.is_not(None).label("has_address")
    results = []
    for model, value in ((OrderPosition, OrderPosition.price), (OrderFee, OrderFee.value)):
        conditions = [*where.order_conditions(), model.canceled.is_(False)]
        if business_only:
            conditions += [
                Order.invoice_address_modified.is_not(None),
                Order.invoice_is_business.is_(True),
            ]
        query = (
            select(has_address, *keys, model.tax_rate, func.sum(value), func.sum(model.tax_value))
            .join(Order, Order.id == model.order_id)
            .where(*conditions)
            .group_by(has_address, *keys, model.tax_rate)
        )
        results.extend(session.execute(query).all())
    return results
