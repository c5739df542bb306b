"""Orders with what the orders sheet shows of their lines and payments, in one streamed query.

Per order, SQL sums the non-canceled positions and fees per tax rate and the paid payments
and completed refunds per provider, and puts them into columns of the order's row: the
orders sheet then needs no line or payment in Python, and no query per chunk. The rows
arrive through a server-side cursor, a batch at a time, so memory stays flat however big
the event.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import Numeric, func, select, type_coerce
from sqlalchemy.orm import Session

from .models import Order, OrderFee, OrderPayment, OrderPosition, OrderRefund
from .queries import ORDER_COLUMNS, OrderFilter, streamed_rows

PAID_PAYMENT_STATES = ("confirmed", "refunded")
ZERO = Decimal("0.00")
MONEY = Numeric(13, 2)


@dataclass(frozen=True)
class TotalsLayout:
    """Where the totals sit in a row, after the order's own columns (``ORDER_COLUMNS``):
    fees, positions, last payment, then gross, net and tax per rate of ``rates``, then per
    provider of ``providers`` how many payments it took, then, ``with_amounts``, per
    provider what it kept (payments less completed refunds)."""

    rates: list[Decimal]
    providers: list[str]
    with_amounts: bool = False

    @property
    def fees(self) -> int:
        return len(ORDER_COLUMNS)

    @property
    def positions(self) -> int:
        return self.fees + 1

    @property
    def last_payment(self) -> int:
        return self.fees + 2

    @property
    def per_rate(self) -> slice:
        start = self.fees + 3
        return slice(start, start + 3 * len(self.rates))

    @property
    def took_payment(self) -> slice:
        start = self.per_rate.stop
        return slice(start, start + len(self.providers))

    @property
    def kept(self) -> slice:
        start = self.took_payment.stop
        return slice(start, start + len(self.providers) if self.with_amounts else start)


def _per_order(model, order_conditions: list, columns: list, *conditions):
    """``columns`` aggregated over ``model``'s rows per order meeting ``order_conditions``.
    Joined to the orders, PostgreSQL reads both in order-id order from their indexes and
    aggregates one order at a time, instead of holding every order's running sums at once."""
    query = select(model.order_id, *columns).join(Order, model.order_id == Order.id)
    query = query.where(*order_conditions, *conditions).group_by(model.order_id)
    return query.subquery()


def _money(*sums):
    """Sums that may be missing (an order without such lines) added up as NUMERIC(13, 2)."""
    total = func.coalesce(sums[0], ZERO)
    for value in sums[1:]:
        total = total + func.coalesce(value, ZERO)
    return type_coerce(total, MONEY)


def _per_rate(model, amount, rates: list[Decimal]) -> list:
    """Gross, net and tax of ``model``'s lines per tax rate, labelled ``<n>_gross`` etc."""
    columns = []
    for n, rate in enumerate(rates):
        at_rate = model.tax_rate == rate
        columns += [
            func.sum(amount).filter(at_rate).label(f"{n}_gross"),
            func.sum(amount - model.tax_value).filter(at_rate).label(f"{n}_net"),
            func.sum(model.tax_value).filter(at_rate).label(f"{n}_tax"),
        ]
    return columns


def _per_provider(aggregate, model, providers: list[str], suffix: str) -> list:
    return [
        aggregate.filter(model.provider == provider).label(f"{n}_{suffix}")
        for n, provider in enumerate(providers)
    ]


def _totals(order_conditions: list, layout: TotalsLayout) -> tuple[list, list]:
    """One subquery per kind of line or payment (a row per order), and the totals in layout
    order made from their columns."""
    rates, providers = layout.rates, layout.providers
    positions = _per_order(
        OrderPosition,
        order_conditions,
        [func.count().label("count"), *_per_rate(OrderPosition, OrderPosition.price, rates)],
        OrderPosition.canceled.is_(False),
    )
    fees = _per_order(
        OrderFee,
        order_conditions,
        [func.sum(OrderFee.value).label("total"), *_per_rate(OrderFee, OrderFee.value, rates)],
        OrderFee.canceled.is_(False),
    )
    paid = [
        func.max(OrderPayment.payment_date).label("last"),
        *_per_provider(func.count(), OrderPayment, providers, "count"),
    ]
    if layout.with_amounts:
        paid += _per_provider(func.sum(OrderPayment.amount), OrderPayment, providers, "sum")
    payments = _per_order(
        OrderPayment, order_conditions, paid, OrderPayment.state.in_(PAID_PAYMENT_STATES)
    )
    totals = [_money(fees.c.total), func.coalesce(positions.c.count, 0), payments.c.last]
    for n in range(len(rates)):
        for part in ("gross", "net", "tax"):
            totals.append(_money(positions.c[f"{n}_{part}"], fees.c[f"{n}_{part}"]))
    totals += [func.coalesce(payments.c[f"{n}_count"], 0) for n in range(len(providers))]
    if not layout.with_amounts:
        return [positions, fees, payments], totals
    refunds = _per_order(
        OrderRefund,
        order_conditions,
        _per_provider(func.sum(OrderRefund.amount), OrderRefund, providers, "sum"),
        OrderRefund.state == "done",
    )
    totals += [
        _money(payments.c[f"{n}_sum"], -refunds.c[f"{n}_sum"]) for n in range(len(providers))
    ]
    return [positions, fees, payments, refunds], totals


def orders_with_totals(session: Session, flt: OrderFilter, layout: TotalsLayout) -> Iterator[tuple]:
    """The filtered orders by (datetime, id), each a named tuple of ``ORDER_COLUMNS``
    followed by its totals as ``layout`` places them."""
    kinds, totals = _totals(flt.conditions(), layout)
    query = select(*ORDER_COLUMNS, *totals).select_from(Order)
    for kind in kinds:
        query = query.outerjoin(kind, kind.c.order_id == Order.id)
    query = query.where(*flt.conditions()).order_by(Order.datetime, Order.id)
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        # The export reads every row: plan for all of them, not for the first few (a cursor's
        # default makes PostgreSQL join the totals in a nested loop, once per order).
        connection.exec_driver_sql("SET LOCAL cursor_tuple_fraction = 1.0")
    yield from streamed_rows(connection, query)
