"""Reads for the order transaction export: the history rows of some events by time, in one
query streamed through a server-side cursor a batch of columns at a time, and the names of
what they refer to."""

from collections.abc import Iterator
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .models import Item, ItemVariation, Order, TaxRule, Transaction
from .queries import streamed_columns


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


def transaction_batches(
    session: Session, event_ids, start, end, batch_rows: int
) -> Iterator[dict[str, tuple]]:
    """The transactions by (time, id), up to ``batch_rows`` at a time, each batch as columns
    by label: the transaction's own, and its order's ``event_id``, ``order_code`` and
    ``order_datetime``. One query read to the end: a key-set chunk per 2,000 rows had
    PostgreSQL find and sort the event's transactions again for every chunk."""
    query = (
        select(
            *Transaction.__table__.c,
            Order.event_id.label("event_id"),
            Order.code.label("order_code"),
            Order.datetime.label("order_datetime"),
        )
        .join(Order, Order.id == Transaction.order_id)
        .where(*_conditions(event_ids, start, end))
        .order_by(Transaction.datetime, Transaction.id)
    )
    yield from streamed_columns(session.connection(), query, batch_rows)


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
