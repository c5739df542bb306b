"""Reads for the order transaction export: the history rows of some events by time, a
chunk at a time, and the names of what they refer to."""

from collections.abc import Iterator
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .catalog_queries import SortKey, iter_keyset
from .models import Item, ItemVariation, Order, TaxRule, Transaction


def _conditions(event_ids: list[int], start: datetime | None, end: datetime | None) -> list:
    found = [Order.event_id.in_(event_ids)]
    if start is not None:
        found.append(Transaction.datetime >= start)
    if end is not None:
        found.append(Transaction.datetime < end)
    return found


def count_transactions(session: Session, event_ids, start=None, end=None) -> int:
    return session.scalar(
        select(func.count())
        .select_from(Transaction)
        .join(Order, Order.id == Transaction.order_id)
        .where(*_conditions(event_ids, start, end))
    )


def iter_transactions(session: Session, event_ids, start=None, end=None) -> Iterator[list]:
    """Chunks of transactions by (time, id), each with its order's event, code and date,
    as plain rows (no ORM objects: there may be millions)."""
    query = (
        select(
            *Transaction.__table__.c,
            Order.event_id.label("event_id"),
            Order.code.label("order_code"),
            Order.datetime.label("order_datetime"),
        )
        .join(Order, Order.id == Transaction.order_id)
        .where(*_conditions(event_ids, start, end))
    )
    yield from iter_keyset(session, query, [SortKey(Transaction.datetime), SortKey(Transaction.id)])


def catalogue_names(session: Session, event_ids) -> tuple[dict, dict, dict]:
    """Product names, variation names and tax rule names (internal name first) by id."""
    items = _pairs(session, select(Item.id, Item.name).where(Item.event_id.in_(event_ids)))
    variations = _pairs(
        session,
        select(ItemVariation.id, ItemVariation.value)
        .join(Item, Item.id == ItemVariation.item_id)
        .where(Item.event_id.in_(event_ids)),
    )
    rules = {
        rule_id: internal or name
        for rule_id, internal, name in session.execute(
            select(TaxRule.id, TaxRule.internal_name, TaxRule.name).where(
                TaxRule.event_id.in_(event_ids)
            )
        )
    }
    return items, variations, rules


def _pairs(session: Session, query) -> dict:
    return {key: value for key, value in session.execute(query)}
