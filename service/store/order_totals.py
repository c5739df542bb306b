"""Orders with what the orders sheet shows of their lines and payments, in one streamed query.

Per order, SQL sums the non-canceled positions and fees per tax rate and the paid payments
per provider, and pivots them into columns of the order's row: the orders sheet then needs
no line or payment in Python, and no query per chunk. The rows arrive through a server-side
cursor, a batch at a time, so memory stays flat however big the event.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import (
    DateTime,
    Numeric,
    String,
    and_,
    case,
    cast,
    func,
    literal,
    null,
    select,
    union_all,
)
from sqlalchemy.orm import Session

from .models import Order, OrderFee, OrderPayment, OrderPosition, OrderRefund
from .queries import CHUNK_SIZE, ORDER_COLUMNS, OrderFilter, record_type

PAID_PAYMENT_STATES = ("confirmed", "refunded")
ZERO = Decimal("0.00")
MONEY, RATE = Numeric(13, 2), Numeric(10, 2)

POSITION, FEE, PAYMENT, REFUND = range(4)


@dataclass(frozen=True)
class TotalsLayout:
    """Where the totals sit in a row, after the order's own columns (``ORDER_COLUMNS``):
    fees, positions, last payment, then gross, net and tax per rate of ``rates``, then per
    provider of ``providers`` whether it took a payment (1 or 0), then per provider what it
    kept (payments less completed refunds)."""

    rates: list[Decimal]
    providers: list[str]

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

    def kept_by(self, provider: str) -> int:
        return self.took_payment.stop + self.providers.index(provider)


def _lines_and_payments(orders):
    """Positions, fees, payments and refunds of ``orders`` as rows of one shape."""
    # NULLs typed, so that PostgreSQL can match each column across the UNION.
    no_rate, no_money = cast(null(), RATE), cast(null(), MONEY)
    no_date, no_provider = cast(null(), DateTime), cast(null(), String)
    return union_all(
        select(
            OrderPosition.order_id,
            literal(POSITION).label("kind"),
            OrderPosition.tax_rate,
            OrderPosition.price.label("amount"),
            OrderPosition.tax_value.label("tax"),
            no_date.label("paid_at"),
            no_provider.label("provider"),
        ).where(OrderPosition.order_id.in_(orders), OrderPosition.canceled.is_(False)),
        select(
            OrderFee.order_id,
            literal(FEE),
            OrderFee.tax_rate,
            OrderFee.value,
            OrderFee.tax_value,
            no_date,
            no_provider,
        ).where(OrderFee.order_id.in_(orders), OrderFee.canceled.is_(False)),
        select(
            OrderPayment.order_id,
            literal(PAYMENT),
            no_rate,
            OrderPayment.amount,
            no_money,
            OrderPayment.payment_date,
            OrderPayment.provider,
        ).where(OrderPayment.order_id.in_(orders), OrderPayment.state.in_(PAID_PAYMENT_STATES)),
        select(
            OrderRefund.order_id,
            literal(REFUND),
            no_rate,
            -OrderRefund.amount,
            no_money,
            no_date,
            OrderRefund.provider,
        ).where(OrderRefund.order_id.in_(orders), OrderRefund.state == "done"),
    ).subquery("sources")


def _totals(orders, layout: TotalsLayout):
    """One row per order that has any line or payment, with the totals in layout order; and
    per total what an order without any shows instead."""
    sources = _lines_and_payments(orders)
    kind, amount, tax = sources.c.kind, sources.c.amount, sources.c.tax

    def total(value, when):
        return func.sum(case((when, value)))

    totals = [
        (total(amount, kind == FEE), ZERO),
        (func.sum(case((kind == POSITION, 1))), 0),
        (func.max(sources.c.paid_at), None),
    ]
    for rate in layout.rates:
        at_rate = and_(kind <= FEE, sources.c.tax_rate == rate)
        totals += [(total(amount, at_rate), ZERO), (total(amount - tax, at_rate), ZERO)]
        totals.append((total(tax, at_rate), ZERO))
    by_provider = [sources.c.provider == provider for provider in layout.providers]
    totals += [(func.max(case((and_(kind == PAYMENT, c), 1))), 0) for c in by_provider]
    totals += [(total(amount, and_(kind >= PAYMENT, c)), ZERO) for c in by_provider]
    labelled = [value.label(f"total_{n}") for n, (value, _empty) in enumerate(totals)]
    subquery = select(sources.c.order_id, *labelled).group_by(sources.c.order_id).subquery()
    return subquery, [empty for _value, empty in totals]


def orders_with_totals(session: Session, flt: OrderFilter, layout: TotalsLayout) -> Iterator[tuple]:
    """The filtered orders by (datetime, id), each a named tuple of ``ORDER_COLUMNS``
    followed by its totals as ``layout`` places them."""
    totals, empties = _totals(select(Order.id).where(*flt.conditions()), layout)
    values = [
        value if empty is None else func.coalesce(value, empty)
        for value, empty in zip(list(totals.c)[1:], empties, strict=True)
    ]
    query = (
        select(*ORDER_COLUMNS, *values)
        .outerjoin_from(Order, totals, totals.c.order_id == Order.id)
        .where(*flt.conditions())
        .order_by(Order.datetime, Order.id)
        .execution_options(yield_per=CHUNK_SIZE)
    )
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        # The export reads every row: plan for all of them, not for the first few (a cursor's
        # default makes PostgreSQL join the totals in a nested loop, once per order).
        connection.exec_driver_sql("SET LOCAL cursor_tuple_fraction = 1.0")
    result = connection.execute(query)
    make = record_type(tuple(result.keys()))._make
    for batch in result.partitions():
        yield from map(make, batch)
