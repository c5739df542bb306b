"""Reads for the gift card exports: an organizer's cards with their value at a moment, the
transactions on them, and the payments and refunds made with cards, each a chunk at a
time."""

from collections.abc import Iterator
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .catalog_queries import SortKey, iter_keyset
from .models import (
    Event,
    GiftCard,
    GiftCardTransaction,
    Invoice,
    Order,
    OrderPayment,
    OrderRefund,
)


def value_at(moment: datetime):
    """A card's value at ``moment``: the sum of its transactions until then."""
    return (
        select(func.coalesce(func.sum(GiftCardTransaction.value), 0))
        .where(GiftCardTransaction.card_id == GiftCard.id, GiftCardTransaction.datetime <= moment)
        .correlate(GiftCard)
        .scalar_subquery()
    )


def iter_cards(session: Session, conditions: list, value) -> Iterator[list]:
    """Chunks of (card, value) by issuance."""
    query = select(GiftCard, value.label("value_then")).where(*conditions)
    yield from iter_keyset(session, query, [SortKey(GiftCard.issuance), SortKey(GiftCard.id)])


def count_cards(session: Session, conditions: list) -> int:
    return session.scalar(select(func.count()).select_from(GiftCard).where(*conditions))


def first_orders(session: Session, card_ids: list[int]) -> dict[int, tuple]:
    """Card id → (event slug, order id, order code) of its first transaction, or None where
    that transaction has no order."""
    rows = session.execute(
        select(GiftCardTransaction.card_id, Event.slug, Order.id, Order.code)
        .outerjoin(Order, Order.id == GiftCardTransaction.order_id)
        .outerjoin(Event, Event.id == Order.event_id)
        .where(GiftCardTransaction.card_id.in_(card_ids))
        .order_by(GiftCardTransaction.card_id, GiftCardTransaction.datetime, GiftCardTransaction.id)
    )
    found = {}
    for card_id, slug, order_id, code in rows:
        if card_id not in found:
            found[card_id] = (slug, order_id, code) if order_id is not None else None
    return found


def last_invoices(session: Session, order_ids: list[int]) -> dict[int, tuple]:
    """Order id → (number, date) of its last invoice (by date and number)."""
    rows = session.execute(
        select(Invoice.order_id, Invoice.number, Invoice.date)
        .where(Invoice.order_id.in_(order_ids))
        .order_by(Invoice.order_id, Invoice.date, Invoice.number)
    )
    return {order_id: (number, day) for order_id, number, day in rows}


def transaction_conditions(organizer_id: int, start=None, end=None) -> list:
    found = [GiftCard.organizer_id == organizer_id]
    if start is not None:
        found.append(GiftCardTransaction.datetime >= start)
    if end is not None:
        found.append(GiftCardTransaction.datetime < end)
    return found


def count_transactions(session: Session, conditions: list) -> int:
    return session.scalar(
        select(func.count())
        .select_from(GiftCardTransaction)
        .join(GiftCard, GiftCard.id == GiftCardTransaction.card_id)
        .where(*conditions)
    )


def iter_transactions(session: Session, conditions: list) -> Iterator[list]:
    """Chunks of transactions by time, with the card and the order's event and code."""
    query = (
        select(
            GiftCardTransaction,
            GiftCard.secret,
            GiftCard.testmode,
            GiftCard.currency,
            Order.code.label("order_code"),
            Event.slug.label("event_slug"),
        )
        .join(GiftCard, GiftCard.id == GiftCardTransaction.card_id)
        .outerjoin(Order, Order.id == GiftCardTransaction.order_id)
        .outerjoin(Event, Event.id == Order.event_id)
        .where(*conditions)
    )
    keys = [SortKey(GiftCardTransaction.datetime), SortKey(GiftCardTransaction.id)]
    yield from iter_keyset(session, query, keys)


# Payments with a card that count as redemptions, and refunds back onto one.
REDEEMING_PAYMENT_STATES = ("confirmed", "refunded")
REDEEMING_REFUND_STATES = ("done",)


def _redemptions(model, states, event_ids):
    return (
        select(
            model.id,
            model.local_id,
            model.amount,
            model.created,
            Order.code,
            Order.event_id,
            GiftCard.secret,
            GiftCard.organizer_id,
        )
        .join(Order, Order.id == model.order_id)
        .outerjoin(GiftCard, GiftCard.id == model.giftcard_id)
        .where(
            Order.event_id.in_(event_ids),
            model.provider == "giftcard",
            model.state.in_(states),
        )
    )


def count_redemptions(session: Session, event_ids: list[int]) -> int:
    total = 0
    for model, states in (
        (OrderPayment, REDEEMING_PAYMENT_STATES),
        (OrderRefund, REDEEMING_REFUND_STATES),
    ):
        query = _redemptions(model, states, event_ids).subquery()
        total += session.scalar(select(func.count()).select_from(query))
    return total


def iter_redemptions(session: Session, model, event_ids: list[int]) -> Iterator[list]:
    """Chunks of payments (or refunds) with a gift card, by order code and creation."""
    states = REDEEMING_PAYMENT_STATES if model is OrderPayment else REDEEMING_REFUND_STATES
    keys = [SortKey(Order.code), SortKey(model.created), SortKey(model.id)]
    yield from iter_keyset(session, _redemptions(model, states, event_ids), keys)
