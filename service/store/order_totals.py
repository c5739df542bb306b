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
    Integer,
    Numeric,
    String,
    and_,
    cast,
    func,
    literal,
    null,
    select,
    type_coerce,
    union_all,
)
from sqlalchemy.orm import Session

from .models import Order, OrderFee, OrderPayment, OrderPosition, OrderRefund
from .queries import CHUNK_SIZE, ORDER_COLUMNS, OrderFilter, record_type

PAID_PAYMENT_STATES = ("confirmed", "refunded")
CENT = Decimal("0.01")
CENTS, COUNT, MOMENT = "cents", "count", "moment"
MONEY, RATE = Numeric(13, 2), Numeric(10, 2)

POSITION, FEE, PAYMENT, REFUND = range(4)


@dataclass(frozen=True)
class TotalsLayout:
    """Where the totals sit in a row, after the order's own columns (``ORDER_COLUMNS``):
    fees, positions, last payment, then gross, net and tax per rate of ``rates``, then per
    provider of ``providers`` how many payments it took, then per provider what it
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


def _cents(amount):
    """Money as whole cents: PostgreSQL sums integers many times faster, and in a fraction
    of the memory, than NUMERIC (whose every running sum is an allocation)."""
    return cast(func.round(amount * 100), Integer)


def _lines_and_payments(orders):
    """Positions, fees, payments and refunds of ``orders`` as rows of one shape."""
    # NULLs typed, so that PostgreSQL can match each column across the UNION.
    no_rate, no_cents = cast(null(), RATE), cast(null(), Integer)
    no_date, no_provider = cast(null(), DateTime), cast(null(), String)
    return union_all(
        select(
            OrderPosition.order_id,
            literal(POSITION).label("kind"),
            OrderPosition.tax_rate,
            _cents(OrderPosition.price).label("amount"),
            _cents(OrderPosition.tax_value).label("tax"),
            no_date.label("paid_at"),
            no_provider.label("provider"),
        ).where(OrderPosition.order_id.in_(orders), OrderPosition.canceled.is_(False)),
        select(
            OrderFee.order_id,
            literal(FEE),
            OrderFee.tax_rate,
            _cents(OrderFee.value),
            _cents(OrderFee.tax_value),
            no_date,
            no_provider,
        ).where(OrderFee.order_id.in_(orders), OrderFee.canceled.is_(False)),
        select(
            OrderPayment.order_id,
            literal(PAYMENT),
            no_rate,
            _cents(OrderPayment.amount),
            no_cents,
            OrderPayment.payment_date,
            OrderPayment.provider,
        ).where(OrderPayment.order_id.in_(orders), OrderPayment.state.in_(PAID_PAYMENT_STATES)),
        select(
            OrderRefund.order_id,
            literal(REFUND),
            no_rate,
            -_cents(OrderRefund.amount),
            no_cents,
            no_date,
            OrderRefund.provider,
        ).where(OrderRefund.order_id.in_(orders), OrderRefund.state == "done"),
    ).subquery("sources")


def _totals(orders, layout: TotalsLayout):
    """One row per order that has any line or payment, with the totals in layout order, each
    either cents, a count or a moment."""
    sources = _lines_and_payments(orders)
    kind, amount, tax = sources.c.kind, sources.c.amount, sources.c.tax
    totals = [
        (func.sum(amount).filter(kind == FEE), CENTS),
        (func.count().filter(kind == POSITION), COUNT),
        (func.max(sources.c.paid_at), MOMENT),
    ]
    for rate in layout.rates:
        at_rate = and_(kind <= FEE, sources.c.tax_rate == rate)
        totals += [
            (func.sum(amount).filter(at_rate), CENTS),
            (func.sum(amount - tax).filter(at_rate), CENTS),
            (func.sum(tax).filter(at_rate), CENTS),
        ]
    by_provider = [sources.c.provider == provider for provider in layout.providers]
    totals += [(func.count().filter(and_(kind == PAYMENT, c)), COUNT) for c in by_provider]
    totals += [(func.sum(amount).filter(and_(kind >= PAYMENT, c)), CENTS) for c in by_provider]
    labelled = [value.label(f"total_{n}") for n, (value, _what) in enumerate(totals)]
    subquery = select(sources.c.order_id, *labelled).group_by(sources.c.order_id).subquery()
    return subquery, [what for _value, what in totals]


def _shown(value, what: str):
    """A total as the sheet shows it, for orders without any line or payment too."""
    if what == CENTS:
        # Whole cents times 0.01 is NUMERIC with exactly two decimals.
        return type_coerce(func.coalesce(value, 0) * literal(CENT, RATE), MONEY)
    if what == COUNT:
        return func.coalesce(value, 0)
    return value


def orders_with_totals(session: Session, flt: OrderFilter, layout: TotalsLayout) -> Iterator[tuple]:
    """The filtered orders by (datetime, id), each a named tuple of ``ORDER_COLUMNS``
    followed by its totals as ``layout`` places them."""
    totals, kinds = _totals(select(Order.id).where(*flt.conditions()), layout)
    values = [_shown(value, what) for value, what in zip(list(totals.c)[1:], kinds, strict=True)]
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
