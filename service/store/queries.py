"""Reads that several exporters share: orders walked in key-set chunks, and everything a
chunk of orders needs fetched with one query per kind, joined in Python; or a query's rows
streamed whole, a batch of columns at a time (the orders and positions sheets' queries in
``order_totals`` and ``position_lines``).

Rows are plain SQLAlchemy ``Row`` tuples, not ORM objects: an export touches every order,
and ORM identity-map bookkeeping per row would cost more than the file writing.
"""

import uuid
from collections import defaultdict, namedtuple
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache

from sqlalchemy import (
    ARRAY,
    Integer,
    and_,
    any_,
    cast,
    exists,
    func,
    literal,
    or_,
    select,
    tuple_,
)
from sqlalchemy import column as sql_column
from sqlalchemy.orm import Session, aliased

from .models import (
    CheckinList,
    Item,
    ItemVariation,
    Order,
    OrderFee,
    OrderPayment,
    OrderPosition,
    OrderRefund,
    Question,
    TaxRule,
)

CHUNK_SIZE = 2000

ORDER_COLUMNS = (
    Order.id,
    Order.event_id,
    Order.code,
    Order.status,
    Order.email,
    Order.phone,
    Order.locale,
    Order.datetime,
    Order.expires,
    Order.total,
    Order.comment,
    Order.custom_followup_at,
    Order.checkin_attention,
    Order.require_approval,
    Order.testmode,
    Order.sales_channel,
    Order.email_known_to_work,
    Order.customer_identifier,
    Order.invoice_company,
    Order.invoice_name,
    Order.invoice_street,
    Order.invoice_zipcode,
    Order.invoice_city,
    Order.invoice_country,
    Order.invoice_state,
    Order.invoice_vat_id,
    Order.invoice_custom_field,
    Order.checkin_text,
    # Labelled: a position's own ``secret`` (the ticket's) comes in the same rows.
    Order.secret.label("order_secret"),
)

ORDER_COLUMN_NAMES = tuple(column.key for column in ORDER_COLUMNS)

POSITION_COLUMNS = (
    OrderPosition.id,
    OrderPosition.order_id,
    OrderPosition.positionid,
    OrderPosition.item_id,
    OrderPosition.variation_id,
    OrderPosition.price,
    OrderPosition.tax_rate,
    OrderPosition.tax_value,
    OrderPosition.tax_name,
    OrderPosition.attendee_name,
    OrderPosition.attendee_email,
    OrderPosition.company,
    OrderPosition.street,
    OrderPosition.zipcode,
    OrderPosition.city,
    OrderPosition.country,
    OrderPosition.state,
    OrderPosition.secret,
    OrderPosition.pseudonymization_id,
    OrderPosition.addon_to_id,
    OrderPosition.valid_from,
    OrderPosition.valid_until,
    OrderPosition.blocked,
    OrderPosition.canceled,
    OrderPosition.tax_rule_id,
    OrderPosition.web_secret,
)

FEE_COLUMNS = (
    OrderFee.id,
    OrderFee.order_id,
    OrderFee.fee_type,
    OrderFee.description,
    OrderFee.value,
    OrderFee.tax_rate,
    OrderFee.tax_value,
    OrderFee.tax_name,
    OrderFee.tax_rule_id,
    OrderFee.canceled,
)

PAYMENT_COLUMNS = (
    OrderPayment.id,
    OrderPayment.order_id,
    OrderPayment.local_id,
    OrderPayment.state,
    OrderPayment.amount,
    OrderPayment.provider,
    OrderPayment.created,
    OrderPayment.payment_date,
)

REFUND_COLUMNS = (
    OrderRefund.id,
    OrderRefund.order_id,
    OrderRefund.payment_id,
    OrderRefund.local_id,
    OrderRefund.state,
    OrderRefund.source,
    OrderRefund.amount,
    OrderRefund.provider,
    OrderRefund.created,
    OrderRefund.execution_date,
)


@dataclass
class OrderFilter:
    """Which orders an export covers."""

    event_ids: list[int]
    statuses: list[str] | None = None
    # Per event: orders created in [start, end), naive UTC, either side open.
    created: dict[int, tuple[datetime | None, datetime | None]] = field(default_factory=dict)
    item_ids: list[int] | None = None
    # Only orders whose (datetime, id) is after ``after`` and up to ``until``: a part of the
    # export written by one process when several share the work.
    after: tuple | None = None
    until: tuple | None = None

    def conditions(self) -> list:
        conditions = [Order.event_id.in_(self.event_ids)]
        if self.after is not None:
            conditions.append(tuple_(Order.datetime, Order.id) > tuple_(*self.after))
        if self.until is not None:
            conditions.append(tuple_(Order.datetime, Order.id) <= tuple_(*self.until))
        if self.statuses is not None:
            conditions.append(Order.status.in_(self.statuses))
        if self.created:
            conditions.append(or_(*(self._created_in(e, *b) for e, b in self.created.items())))
        if self.item_ids is not None:
            # An alias of its own, so the subquery never merges with an outer join on positions.
            line = aliased(OrderPosition)
            conditions.append(
                exists().where(line.order_id == Order.id, line.item_id.in_(self.item_ids))
            )
        return conditions

    @staticmethod
    def _created_in(event_id: int, start: datetime | None, end: datetime | None):
        parts = [Order.event_id == event_id]
        if start is not None:
            parts.append(Order.datetime >= start)
        if end is not None:
            parts.append(Order.datetime < end)
        return and_(*parts)


@dataclass(frozen=True)
class ExportedOrders:
    """The orders a query covers: the filter's conditions, how many orders meet them, and
    the lowest and highest id of those orders. The ids add no condition of their own;
    written out on the lines' side, they let PostgreSQL start reading a kind of line at the
    first exported order's lines (by their order-id index) instead of at the first line of
    every event. (On the orders' side they would only spoil its estimate of how many orders
    there are: taken as independent of the event, the two conditions looked like a handful
    of orders, and it planned a nested loop that read an aggregate once per line.)"""

    conditions: list
    count: int
    first_id: int | None
    last_id: int | None

    @classmethod
    def of(cls, session: Session, flt: OrderFilter) -> "ExportedOrders":
        query = select(func.count(), func.min(Order.id), func.max(Order.id))
        count, first, last = session.execute(query.where(*flt.conditions())).one()
        return cls(flt.conditions(), count, first, last)

    @property
    def dense(self) -> bool:
        """Whether at least half the ids from the first exported order's to the last's are
        exported orders' (the usual case: an order's id is given as it is placed): then
        the lines of every order in that range may be read, fewer being left out than it
        costs to find out which to leave out."""
        return bool(self.count) and 2 * self.count >= self.last_id - self.first_id + 1

    def lines_of(self, model) -> list:
        """The conditions for ``model``'s rows (``order_id``) that belong to these orders."""
        return [*self.conditions, model.order_id.between(self.first_id, self.last_id)]


@lru_cache(maxsize=64)
def _record_type(names: tuple[str, ...]):
    return namedtuple("Record", names, rename=True)


def _rows(session: Session, query) -> list:
    """Plain rows through the session's connection, without the ORM's result machinery, as
    named tuples: reading a field of one is many times cheaper than of an SQLAlchemy Row."""
    result = session.connection().execute(query)
    make = _record_type(tuple(result.keys()))._make
    return [make(row) for row in result.all()]


def _plan_for_every_row(connection) -> None:
    """A streamed export reads every row of its cursor: let PostgreSQL plan for all of them,
    not for the first few (a cursor's default made it join the orders sheet's aggregates in
    a nested loop, once per order). And no JIT compilation: for these plans it cost more
    than it saved (0.4 s of the 1.7 s a positions sheet of 100,000 orders took in one
    process)."""
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql("SET LOCAL cursor_tuple_fraction = 1.0")
        connection.exec_driver_sql("SET LOCAL jit = off")


def streamed_columns(
    connection, query, rows: int, numerics_as_text: bool = False
) -> Iterator[dict[str, tuple]]:
    """The query's rows through a server-side cursor, up to ``rows`` at a time, each batch
    as its columns by label: for callers that build their output column by column.

    ``numerics_as_text``: on PostgreSQL, NUMERIC values come as PostgreSQL's text of them,
    not as Decimals, for a caller that only writes them out as text (a CSV file): for an
    amount with two decimals that text is str() of its Decimal, and making no Decimal
    saves reading and writing it. (SQLite's rows still give Decimals.)"""
    _plan_for_every_row(connection)
    if connection.dialect.name == "postgresql":
        yield from _driver_streamed_columns(connection, query, rows, numerics_as_text)
        return
    result = connection.execute(query.execution_options(yield_per=CHUNK_SIZE))
    labels = list(result.keys())
    for batch in result.partitions(rows):
        yield dict(zip(labels, zip(*batch, strict=True), strict=True))


def _driver_streamed_columns(
    connection, query, rows: int, numerics_as_text: bool
) -> Iterator[dict[str, tuple]]:
    """On PostgreSQL, through psycopg's own server-side cursor: for the integers, texts,
    booleans, numerics and timestamps that exports read, its values are the ones SQLAlchemy
    would return (it converts none of them), and wrapping each row in a ``Row`` cost a sixth
    of the time spent reading them. Each batch is fetched just before it is handed over:
    turned into columns while its values are still in the CPU's caches, rows fetched 2,000
    at a time and handed over 500 at a time cost 40 % more to read (1.21 million
    positions: 5.5 s instead of 4.0 s of CPU)."""
    compiled = query.compile(
        dialect=connection.dialect, compile_kwargs={"render_postcompile": True}
    )
    name = f"streamed_{uuid.uuid4().hex}"
    with connection.connection.driver_connection.cursor(name=name) as cursor:
        if numerics_as_text:
            from psycopg.types.string import TextLoader

            cursor.adapters.register_loader("numeric", TextLoader)
        cursor.execute(compiled.string, compiled.params)
        labels = [column.name for column in cursor.description]
        while batch := cursor.fetchmany(rows):
            yield dict(zip(labels, zip(*batch, strict=True), strict=True))


def _plain_rows(session: Session, query) -> list:
    """SQLAlchemy rows, for callers that only unpack them (cheaper than named tuples)."""
    return session.connection().execute(query).all()


def id_in(session: Session, column, ids: list[int]):
    """``column IN ids`` as one bind parameter (an array on PostgreSQL, JSON on SQLite):
    a list of thousands of parameters costs more to render than the query takes to run."""
    # Written out as text in C loops (int() keeps anything but whole numbers out); the
    # driver's array adapter inspects each element in Python.
    listed = ",".join(map(str, map(int, ids)))
    if session.get_bind().dialect.name == "postgresql":
        return column == any_(cast(literal("{" + listed + "}"), ARRAY(Integer)))
    values = select(sql_column("value", Integer)).select_from(
        func.json_each(literal("[" + listed + "]"))
    )
    return column.in_(values)


def split_keys(session: Session, flt: OrderFilter, parts: int, total: int) -> list[tuple]:
    """The (datetime, id) keys that cut the ``total`` filtered orders into ``parts`` equal
    runs."""
    keys = []
    for part in range(1, parts):
        row = _plain_rows(
            session,
            select(Order.datetime, Order.id)
            .where(*flt.conditions())
            .order_by(Order.datetime, Order.id)
            .offset(total * part // parts - 1)
            .limit(1),
        )
        if row:
            keys.append(tuple(row[0]))
    return keys


def count_orders(session: Session, flt: OrderFilter) -> int:
    return session.scalar(select(func.count()).select_from(Order).where(*flt.conditions()))


def iter_order_chunks(
    session: Session,
    flt: OrderFilter,
    chunk_size: int = CHUNK_SIZE,
    newest_first: bool = False,
) -> Iterator[list]:
    """Orders by (datetime, id), or the other way round with ``newest_first``,
    ``chunk_size`` at a time, resuming after the last key."""
    base = select(*ORDER_COLUMNS).where(*flt.conditions())
    key = tuple_(Order.datetime, Order.id)
    order = (Order.datetime.desc(), Order.id.desc()) if newest_first else (Order.datetime, Order.id)
    last = None
    while True:
        query = base
        if last is not None:
            # A row-value comparison lets the (event, datetime, id) index seek straight to the
            # next chunk; the equivalent OR of two conditions scans everything after it.
            resume = tuple_(last.datetime, last.id)
            query = query.where(key < resume if newest_first else key > resume)
        chunk = _rows(session, query.order_by(*order).limit(chunk_size))
        if not chunk:
            return
        yield chunk
        last = chunk[-1]


def _group(rows, key: str) -> dict[int, list]:
    grouped = defaultdict(list)
    for row in rows:
        grouped[getattr(row, key)].append(row)
    return grouped


def positions_by_order(session: Session, order_ids: list[int]) -> dict[int, list]:
    rows = _rows(
        session,
        select(*POSITION_COLUMNS)
        .where(id_in(session, OrderPosition.order_id, order_ids))
        .order_by(OrderPosition.order_id, OrderPosition.positionid, OrderPosition.id),
    )
    return _group(rows, "order_id")


def fees_by_order(session: Session, order_ids: list[int]) -> dict[int, list]:
    rows = _rows(
        session,
        select(*FEE_COLUMNS)
        .where(id_in(session, OrderFee.order_id, order_ids))
        .order_by(OrderFee.id),
    )
    return _group(rows, "order_id")


def payments_by_order(session: Session, order_ids: list[int]) -> dict[int, list]:
    rows = _rows(
        session,
        select(*PAYMENT_COLUMNS)
        .where(id_in(session, OrderPayment.order_id, order_ids))
        .order_by(OrderPayment.order_id, OrderPayment.local_id),
    )
    return _group(rows, "order_id")


def refunds_by_order(session: Session, order_ids: list[int]) -> dict[int, list]:
    rows = _rows(
        session,
        select(*REFUND_COLUMNS)
        .where(id_in(session, OrderRefund.order_id, order_ids))
        .order_by(OrderRefund.order_id, OrderRefund.local_id),
    )
    return _group(rows, "order_id")


def product_names(session: Session, event_ids: list[int]) -> tuple[dict, dict]:
    items = dict(
        session.execute(select(Item.id, Item.name).where(Item.event_id.in_(event_ids))).all()
    )
    variations = dict(
        session.execute(
            select(ItemVariation.id, ItemVariation.value)
            .join(Item, ItemVariation.item_id == Item.id)
            .where(Item.event_id.in_(event_ids))
        ).all()
    )
    return items, variations


def questions_of(session: Session, event_ids: list[int]) -> list:
    return session.execute(
        select(Question.id, Question.question, Question.event_id)
        .where(Question.event_id.in_(event_ids))
        .order_by(Question.event_id, Question.position, Question.id)
    ).all()


def tax_rules_of(session: Session, event_ids: list[int]) -> list:
    return session.execute(
        select(
            TaxRule.id,
            TaxRule.internal_name,
            TaxRule.name,
            TaxRule.rate,
            TaxRule.price_includes_tax,
            TaxRule.eu_reverse_charge,
        ).where(TaxRule.event_id.in_(event_ids))
    ).all()


def checkin_list_names(session: Session, event_ids: list[int]) -> dict[int, str]:
    """List id → name, of the events' check-in lists."""
    return dict(
        session.execute(
            select(CheckinList.id, CheckinList.name).where(CheckinList.event_id.in_(event_ids))
        ).all()
    )
