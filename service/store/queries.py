"""Reads that several exporters share: orders walked in key-set chunks, and everything a
chunk of orders needs fetched with one query per kind, joined in Python.

Rows are plain SQLAlchemy ``Row`` tuples, not ORM objects: an export touches every order,
and ORM identity-map bookkeeping per row would cost more than the file writing.
"""

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.orm import Session, aliased

from .models import (
    Checkin,
    Item,
    ItemVariation,
    Order,
    OrderFee,
    OrderPayment,
    OrderPosition,
    OrderRefund,
    Question,
    QuestionAnswer,
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
)

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

    def conditions(self) -> list:
        conditions = [Order.event_id.in_(self.event_ids)]
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


def count_orders(session: Session, flt: OrderFilter) -> int:
    return session.scalar(select(func.count()).select_from(Order).where(*flt.conditions()))


def iter_order_chunks(
    session: Session, flt: OrderFilter, chunk_size: int = CHUNK_SIZE
) -> Iterator[list]:
    """Orders by (datetime, id), ``chunk_size`` at a time, resuming after the last key."""
    base = select(*ORDER_COLUMNS).where(*flt.conditions())
    last = None
    while True:
        query = base
        if last is not None:
            query = query.where(
                or_(
                    Order.datetime > last.datetime,
                    and_(Order.datetime == last.datetime, Order.id > last.id),
                )
            )
        chunk = session.execute(query.order_by(Order.datetime, Order.id).limit(chunk_size)).all()
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
    rows = session.execute(
        select(*POSITION_COLUMNS)
        .where(OrderPosition.order_id.in_(order_ids))
        .order_by(OrderPosition.order_id, OrderPosition.positionid, OrderPosition.id)
    ).all()
    return _group(rows, "order_id")


def fees_by_order(session: Session, order_ids: list[int]) -> dict[int, list]:
    rows = session.execute(
        select(*FEE_COLUMNS).where(OrderFee.order_id.in_(order_ids)).order_by(OrderFee.id)
    ).all()
    return _group(rows, "order_id")


def payments_by_order(session: Session, order_ids: list[int]) -> dict[int, list]:
    rows = session.execute(
        select(*PAYMENT_COLUMNS)
        .where(OrderPayment.order_id.in_(order_ids))
        .order_by(OrderPayment.order_id, OrderPayment.local_id)
    ).all()
    return _group(rows, "order_id")


def refunds_by_order(session: Session, order_ids: list[int]) -> dict[int, list]:
    rows = session.execute(
        select(*REFUND_COLUMNS)
        .where(OrderRefund.order_id.in_(order_ids))
        .order_by(OrderRefund.order_id, OrderRefund.local_id)
    ).all()
    return _group(rows, "order_id")


def answers_by_position(session: Session, position_ids: list[int]) -> dict[int, dict[int, str]]:
    answers: dict[int, dict[int, str]] = defaultdict(dict)
    rows = session.execute(
        select(QuestionAnswer.position_id, QuestionAnswer.question_id, QuestionAnswer.answer).where(
            QuestionAnswer.position_id.in_(position_ids)
        )
    )
    for position_id, question_id, answer in rows:
        answers[position_id][question_id] = answer
    return answers


def checkin_counts(session: Session, position_ids: list[int]) -> dict[int, int]:
    """Successful entry scans per position."""
    rows = session.execute(
        select(Checkin.position_id, func.count())
        .where(
            Checkin.position_id.in_(position_ids),
            Checkin.successful.is_(True),
            Checkin.type == "entry",
        )
        .group_by(Checkin.position_id)
    )
    return dict(rows.all())


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
