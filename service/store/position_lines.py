"""Positions with everything the positions sheet shows beside them, streamed.

Each position comes with its order's columns, the number of the position it is an add-on
to, its successful entry scans and their lists, its answers (a column per question) and how
many paid payments each provider took for its order. Nothing is looked up per chunk or
grouped in Python; the rows arrive through server-side cursors, a batch at a time, in the
sheet's order (orders by date, then position number).

On PostgreSQL one query walks the orders in that order (by their (event, datetime, id)
index), each order's positions by their order-id index, and looks up each position's scans
and answers by their indexes (``LATERAL``): rows come out nearly sorted (only each order's
few positions are sorted) and nothing is spilled to disk. A second query reads the same
orders' columns and payments once per order, and each order's values are repeated for its
lines here (``beside_their_orders``). On SQLite, which has no ``LATERAL``, each kind is
aggregated once for the whole export and joined, in one query.
"""

from collections.abc import Iterator
from dataclasses import dataclass

from sqlalchemy import String, and_, case, cast, func, select, true
from sqlalchemy.orm import Session, aliased

from .models import Checkin, Order, OrderPosition, QuestionAnswer, answer_options
from .order_totals import paid_labels, paid_payments, payments_of_each_order
from .queries import (
    ORDER_COLUMNS,
    POSITION_COLUMNS,
    ExportedOrders,
    OrderFilter,
    streamed_columns,
)

# The columns of a position and of its order that the sheet reads, not the ones it never
# shows (each would cost the cursor a value per position); a position's add-on parent
# comes as its number.
UNREAD = ("id", "order_id", "addon_to_id", "tax_name", "expires", "total", "testmode")
UNREAD += ("checkin_attention", "checkin_text", "invoice_custom_field", "order_secret")
LINE_ORDER_COLUMNS = tuple(column for column in ORDER_COLUMNS if column.key not in UNREAD)
LINE_COLUMNS = tuple(column for column in POSITION_COLUMNS if column.key not in UNREAD)


@dataclass(frozen=True)
class LinesLayout:
    """The questions (rows with an ``id``, and an ``option_id`` for a column per option of a
    multiple-choice question) whose answers come with each position, and the
    payment providers whose paid payments are counted per order, with the labels of their
    columns."""

    questions: list
    providers: list[str]

    @property
    def answers(self) -> list[str]:
        return [f"answer{n}" for n in range(len(self.questions))]

    @property
    def took_payment(self) -> list[str]:
        return paid_labels(self.providers)


def _entries(orders: ExportedOrders):
    """Per position with successful entry scans: the lists they were on, each list once, as
    comma-joined ids (``lists``); from one pass over the scans, grouped by position and list
    first."""
    per_list = (
        select(Checkin.position_id, Checkin.list_id)
        .join(OrderPosition, Checkin.position_id == OrderPosition.id)
        .join(Order, OrderPosition.order_id == Order.id)
        .where(
            *orders.lines_of(OrderPosition),
            Checkin.successful.is_(True),
            Checkin.type == "entry",
        )
        .group_by(Checkin.position_id, Checkin.list_id)
        .subquery()
    )
    return (
        select(
            per_list.c.position_id,
            func.aggregate_strings(cast(per_list.c.list_id, String), ",").label("lists"),
        )
        .group_by(per_list.c.position_id)
        .subquery()
    )


def _answer_column(question, label: str):
    """The answer to a question; for a column of one option (a row with an ``option_id``
    that is not None), 1 where the answer chose that option."""
    option = getattr(question, "option_id", None)
    if option is None:
        return func.max(QuestionAnswer.answer).filter(QuestionAnswer.question_id == question.id)
    chosen = and_(QuestionAnswer.question_id == question.id, answer_options.c.option_id == option)
    return func.max(case((chosen, 1), else_=0)).label(label)


def _answer_columns(layout: LinesLayout) -> list:
    return [
        _answer_column(question, label).label(label)
        for question, label in zip(layout.questions, layout.answers, strict=True)
    ]


def _with_options(layout: LinesLayout) -> bool:
    """Whether a multiple-choice question is shown an option per column."""
    return any(getattr(q, "option_id", None) is not None for q in layout.questions)


def _answers(orders: ExportedOrders, layout: LinesLayout):
    """A row per position with answers, the answer to each question in its column (and, for
    a multiple-choice question shown an option per column, whether each option was chosen)."""
    query = (
        select(QuestionAnswer.position_id, *_answer_columns(layout))
        .join(OrderPosition, QuestionAnswer.position_id == OrderPosition.id)
        .join(Order, OrderPosition.order_id == Order.id)
        .where(*orders.lines_of(OrderPosition))
        .group_by(QuestionAnswer.position_id)
    )
    if _with_options(layout):
        query = query.outerjoin(answer_options, answer_options.c.answer_id == QuestionAnswer.id)
    return query.subquery()


def positions_with_orders(
    session: Session,
    flt: OrderFilter,
    layout: LinesLayout,
    line_conditions: list,
    batch_rows: int,
    amounts_as_text: bool = False,
) -> Iterator[dict[str, list | tuple]]:
    """The positions of the filtered orders that meet ``line_conditions``, by order (datetime,
    id) and position number, up to ``batch_rows`` at a time, each batch as columns by label:
    ``LINE_ORDER_COLUMNS`` and ``LINE_COLUMNS`` by their names, ``addon_to``, ``checkin_lists``
    (the ids of the lists of its successful entry scans, comma-joined), then the answers and
    payment counts of ``layout``. ``amounts_as_text``: see ``streamed_columns``'
    ``numerics_as_text``."""
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        yield from _lines_beside_their_orders(
            session, flt, layout, line_conditions, batch_rows, amounts_as_text
        )
        return
    orders = ExportedOrders.of(session, flt)
    if not orders.count:
        return
    query = _aggregated_and_joined(orders, layout).where(*line_conditions)
    query = query.order_by(Order.datetime, Order.id, OrderPosition.positionid, OrderPosition.id)
    yield from streamed_columns(connection, query, batch_rows, amounts_as_text)


# The label of the order id that comes with each line and each order on PostgreSQL.
ORDER_KEY = "order_key"


def _lines_beside_their_orders(
    session: Session,
    flt: OrderFilter,
    layout: LinesLayout,
    line_conditions: list,
    batch_rows: int,
    amounts_as_text: bool,
) -> Iterator[dict[str, list | tuple]]:
    """PostgreSQL: the lines and their orders as two streams in the sheet's order, the
    order's columns repeated for each of its lines here rather than sent with every line
    (they are a third of a line's values, and a third of what reading the lines cost). Both
    cursors read one snapshot, on a connection of their own in a REPEATABLE READ transaction:
    each line's order is among the orders read."""
    with session.get_bind().connect() as connection:
        connection.execution_options(isolation_level="REPEATABLE READ")
        orders = streamed_columns(
            connection, _orders_of_lines(flt, layout), batch_rows, amounts_as_text
        )
        lines = _looked_up_per_row(flt, layout).where(*line_conditions)
        lines = lines.order_by(Order.datetime, Order.id, OrderPosition.positionid, OrderPosition.id)
        lines = streamed_columns(connection, lines, batch_rows, amounts_as_text)
        labels = [column.key for column in LINE_ORDER_COLUMNS] + layout.took_payment
        try:
            yield from beside_their_orders(lines, orders, labels)
        finally:
            lines.close()
            orders.close()


def beside_their_orders(
    lines: Iterator[dict], orders: Iterator[dict], labels: list[str]
) -> Iterator[dict]:
    """Each batch of ``lines`` with the columns ``labels`` of its lines' orders, from
    ``orders``: batches of orders in the lines' order, each line and order with its
    ``ORDER_KEY``. An order's values are gathered for its lines by their places among the
    orders held (in C loops); orders without lines are passed over."""
    held: dict[str, list] = {label: [] for label in labels}
    keys: list[int] = []
    place: dict[int, int] = {}
    for batch in lines:
        of_lines = batch.pop(ORDER_KEY)
        if not of_lines:
            continue
        last = of_lines[-1]
        while last not in place:
            more = next(orders, None)
            if more is None:
                raise LookupError(f"order {last} of a line is not among the orders read")
            start = len(keys)
            keys.extend(more[ORDER_KEY])
            place.update(zip(more[ORDER_KEY], range(start, len(keys)), strict=True))
            for label in labels:
                held[label].extend(more[label])
        at = list(map(place.__getitem__, of_lines))
        for label in labels:
            batch[label] = list(map(held[label].__getitem__, at))
        yield batch
        # The next batch starts with this batch's last order or one after it.
        first = place[last]
        if first:
            keys = keys[first:]
            place = dict(zip(keys, range(len(keys)), strict=True))
            held = {label: column[first:] for label, column in held.items()}


def _orders_of_lines(flt: OrderFilter, layout: LinesLayout):
    """PostgreSQL: the filtered orders' columns and payment counts (each order's payments
    looked up by index), in the sheet's order."""
    columns = [Order.id.label(ORDER_KEY), *LINE_ORDER_COLUMNS]
    query = select().select_from(Order)
    if layout.providers:
        payments = payments_of_each_order(layout.providers)
        columns += [payments.c[name] for name in layout.took_payment]
        query = query.outerjoin(payments, true())
    query = query.add_columns(*columns).where(*flt.conditions())
    return query.order_by(Order.datetime, Order.id)


def _looked_up_per_row(flt: OrderFilter, layout: LinesLayout):
    """PostgreSQL: each position's lists and answers looked up by index as the orders and
    their positions are walked in the sheet's order, with the id of its order. (The lists of
    a position with several entry scans on one list name it more than once; the sheet's
    cell names each list once.)"""
    parent = aliased(OrderPosition)
    entries = (
        select(func.aggregate_strings(cast(Checkin.list_id, String), ",").label("lists"))
        .where(
            Checkin.position_id == OrderPosition.id,
            Checkin.successful.is_(True),
            Checkin.type == "entry",
        )
        .lateral("entries")
    )
    columns = [
        OrderPosition.order_id.label(ORDER_KEY),
        *LINE_COLUMNS,
        parent.positionid.label("addon_to"),
        entries.c.lists.label("checkin_lists"),
    ]
    query = (
        select()
        .select_from(Order)
        .join(OrderPosition, OrderPosition.order_id == Order.id)
        .outerjoin(parent, parent.id == OrderPosition.addon_to_id)
        .outerjoin(entries, true())
    )
    if layout.questions:
        answers = select(*_answer_columns(layout)).where(
            QuestionAnswer.position_id == OrderPosition.id
        )
        if _with_options(layout):
            answers = answers.select_from(QuestionAnswer).outerjoin(
                answer_options, answer_options.c.answer_id == QuestionAnswer.id
            )
        answers = answers.lateral("answers")
        columns += [answers.c[name] for name in layout.answers]
        query = query.outerjoin(answers, true())
    return query.add_columns(*columns).where(*flt.conditions())


def _aggregated_and_joined(orders: ExportedOrders, layout: LinesLayout):
    """SQLite: the scans, answers and payments of the exported orders aggregated by position
    or order, each kind once, and joined to the positions."""
    parent = aliased(OrderPosition)
    checkins = _entries(orders)
    payments = paid_payments(orders, layout.providers)
    query = (
        select(
            *LINE_ORDER_COLUMNS,
            *LINE_COLUMNS,
            parent.positionid.label("addon_to"),
            checkins.c.lists.label("checkin_lists"),
            *(func.coalesce(payments.c[name], 0).label(name) for name in layout.took_payment),
        )
        .select_from(OrderPosition)
        .join(Order, OrderPosition.order_id == Order.id)
        .outerjoin(parent, parent.id == OrderPosition.addon_to_id)
        .outerjoin(checkins, checkins.c.position_id == OrderPosition.id)
        .outerjoin(payments, payments.c.order_id == Order.id)
    )
    if layout.questions:
        answers = _answers(orders, layout)
        query = query.add_columns(*(answers.c[name] for name in layout.answers))
        query = query.outerjoin(answers, answers.c.position_id == OrderPosition.id)
    return query.where(*orders.lines_of(OrderPosition))
