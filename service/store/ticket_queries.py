"""Reads for tickets and badges: the positions to print, in the order asked, a chunk at a
time (key-set pages, so 100,000 positions never sit in memory at once)."""

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session, aliased

from .catalog_queries import SortKey, iter_keyset
from .models import Event, Item, Order, OrderPosition, Question, QuestionAnswer

Parent = aliased(OrderPosition)


@dataclass(frozen=True)
class PrintFilter:
    event_ids: list[int]
    include_pending: bool = False
    item_ids: list[int] | None = None  # None: every product
    include_addons: bool = True
    admission_only: bool = False
    # Order date window, and event start window (naive UTC, start <= t < end).
    ordered: tuple[datetime | None, datetime | None] = (None, None)
    starts: tuple[datetime | None, datetime | None] = (None, None)
    order_by: str = "name"
    extra: dict = field(default_factory=dict)

    def conditions(self) -> list:
        statuses = ("p", "n") if self.include_pending else ("p",)
        found = [
            Order.event_id.in_(self.event_ids),
            Order.status.in_(statuses),
            OrderPosition.canceled.is_(False),
        ]
        if self.item_ids is not None:
            found.append(OrderPosition.item_id.in_(self.item_ids))
        if not self.include_addons:
            found.append(OrderPosition.addon_to_id.is_(None))
        if self.admission_only:
            found.append(Item.admission.is_(True))
        for column, (start, end) in (
            (Order.datetime, self.ordered),
            (Event.date_from, self.starts),
        ):
            if start is not None:
                found.append(column >= start)
            if end is not None:
                found.append(column < end)
        return found


def _name():
    return func.coalesce(
        func.nullif(OrderPosition.attendee_name, ""),
        func.nullif(Parent.attendee_name, ""),
        func.nullif(Order.invoice_name, ""),
        "",
    )


def _query(where: PrintFilter):
    return (
        select(
            OrderPosition.id,
            OrderPosition.positionid,
            OrderPosition.item_id,
            OrderPosition.variation_id,
            OrderPosition.price,
            OrderPosition.secret,
            _name().label("name"),
            func.coalesce(func.nullif(OrderPosition.company, ""), Order.invoice_company, "").label(
                "company"
            ),
            Order.code,
            Order.datetime.label("order_datetime"),
            Order.event_id,
        )
        .select_from(OrderPosition)
        .join(Order, Order.id == OrderPosition.order_id)
        .join(Event, Event.id == Order.event_id)
        .join(Item, Item.id == OrderPosition.item_id)
        .outerjoin(Parent, Parent.id == OrderPosition.addon_to_id)
        .where(*where.conditions())
    )


def _keys(session: Session, where: PrintFilter, query):
    order_by = where.order_by
    if order_by.startswith("question:"):
        question_id = session.scalar(
            select(Question.id).where(
                Question.event_id.in_(where.event_ids),
                Question.identifier == order_by.split(":", 1)[1],
            )
        )
        answer = aliased(QuestionAnswer)
        query = query.outerjoin(
            answer,
            and_(answer.position_id == OrderPosition.id, answer.question_id == question_id),
        )
        return query, [SortKey(func.coalesce(answer.answer, "")), SortKey(OrderPosition.id)]
    keys = {
        "name": [SortKey(_name()), SortKey(Order.code), SortKey(OrderPosition.id)],
        "company": [
            SortKey(
                func.coalesce(func.nullif(OrderPosition.company, ""), Order.invoice_company, "")
            ),
            SortKey(_name()),
            SortKey(OrderPosition.id),
        ],
        "code": [SortKey(Order.code), SortKey(OrderPosition.positionid), SortKey(OrderPosition.id)],
        "date": [SortKey(Event.date_from), SortKey(Order.code), SortKey(OrderPosition.id)],
        "order_date": [SortKey(Order.datetime), SortKey(OrderPosition.id)],
    }
    return query, keys[order_by]


def count(session: Session, where: PrintFilter) -> int:
    return session.scalar(select(func.count()).select_from(_query(where).subquery()))


def iter_positions(session: Session, where: PrintFilter, chunk: int = 500) -> Iterator[list]:
    query, keys = _keys(session, where, _query(where))
    yield from iter_keyset(session, query, keys, chunk)
