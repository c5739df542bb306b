"""The payments and refunds of a batch of demo orders, and the gift cards some paid orders
are paid with.

Paid orders are paid in full (after a failed attempt, in two bank transfers, or at once),
and refunded what their canceled positions cost; 3% of them use a gift card first, which
pays all or part of the order. Canceled orders were sometimes paid and refunded; pending
ones may have a payment under way; expired ones a canceled payment.

A gift card payment is stored as the importer stores pretix's: provider ``giftcard``, the
card in ``giftcard_id`` and in the details (``details.gift_card``), and a transaction on the
card that names the event, the order and the payment; the card's value is the sum of its
transactions.
"""

from dataclasses import dataclass

import numpy as np

from ..bulk_columns import Choice, Const, Ints, Money, Objects, Rows, Stamps, Texts
from ..models import GiftCard, GiftCardTransaction, OrderPayment, OrderRefund
from .draws import between, chance, percent_of, rank_in_group, spelled, tokens
from .orders import BANK_TRANSFER, CANCELED, DAY, EXPIRED, PAID, PENDING, OrderBatch

PROVIDERS = ("banktransfer", "stripe", "paypal", "giftcard")
GIFT_CARD = 3
STRIPE = 1
STATES = ("created", "pending", "confirmed", "failed", "canceled")
CREATED, PENDING_STATE, CONFIRMED, FAILED, CANCELED_STATE = range(5)
GIFT_CARD_SHARE = 0.03
GIFT_CARD_VALUES = np.array([2500, 5000, 10000])
# A payment's place among the order's payments.
SLOT_GIFT_CARD, SLOT_FAILED, SLOT_FIRST_PART, SLOT_PAID, SLOT_OTHER = range(5)


@dataclass(frozen=True)
class Issuer:
    """The organizer whose gift cards pay, and the event the orders are of."""

    organizer_id: int
    organizer_slug: str
    event_id: int


def make_payments(rng: np.random.Generator, batch: OrderBatch, issuer: Issuer, ids) -> list:
    """Rows of gift cards, payments, refunds and gift card transactions, in that order."""
    count = len(batch)
    status, provider = batch.status, batch.provider
    paid = status == PAID
    amount = batch.total + batch.canceled_total
    created = batch.when + between(rng, 5, 300, count)
    # Gift cards first: a card of 25, 50 or 100 pays the order or a part of it.
    gift = paid & chance(rng, count, GIFT_CARD_SHARE) & (amount > 0)
    card_value = GIFT_CARD_VALUES[rng.integers(0, len(GIFT_CARD_VALUES), count)]
    by_card = np.where(gift, np.minimum(card_value, amount), 0)
    rest = amount - by_card
    roll = rng.random(count)
    failed = paid & (rest > 0) & (roll < 0.08)
    split = paid & ~failed & (roll < 0.15) & (provider == BANK_TRANSFER) & (rest >= 2)
    after_failure = created + np.where(failed, between(rng, 60, 3600, count), 0)
    first_part = percent_of(rest, np.where(chance(rng, count, 0.5), 30, 50))
    bank_delay = between(rng, DAY, 10 * DAY, count)
    quick_delay = between(rng, 10, 120, count)
    first_paid_at = after_failure + bank_delay
    final_created = after_failure + np.where(split, between(rng, DAY, 14 * DAY, count), 0)
    delay = np.where(provider == BANK_TRANSFER, between(rng, DAY, 10 * DAY, count), quick_delay)
    open_payment = (status == PENDING) & chance(rng, count, 0.7)
    paid_then_canceled = (status == CANCELED) & chance(rng, count, 0.55)
    canceled_payment = (status == EXPIRED) & chance(rng, count, 0.4)

    # Each slot: (orders, state, amount, provider, created, payment date or -1).
    none = np.full(count, -1)
    slots = {
        SLOT_GIFT_CARD: (gift, CONFIRMED, by_card, GIFT_CARD, created, created + quick_delay),
        SLOT_FAILED: (failed, FAILED, rest, STRIPE, created, none),
        SLOT_FIRST_PART: (split, CONFIRMED, first_part, provider, after_failure, first_paid_at),
        SLOT_PAID: (
            paid & (rest > 0),
            CONFIRMED,
            rest - np.where(split, first_part, 0),
            provider,
            final_created,
            final_created + delay,
        ),
        SLOT_OTHER: (
            open_payment | paid_then_canceled | canceled_payment,
            np.select(
                [open_payment & (provider == BANK_TRANSFER), open_payment, paid_then_canceled],
                [CREATED, PENDING_STATE, CONFIRMED],
                CANCELED_STATE,
            ),
            batch.total,
            provider,
            created,
            np.where(paid_then_canceled, created + delay, -1),
        ),
    }
    parts = []
    for slot, (wanted, state, value, by, made, done) in slots.items():
        rows = np.flatnonzero(wanted)
        parts.append(
            [
                rows,
                np.full(len(rows), slot),
                np.broadcast_to(state, count)[rows],
                np.broadcast_to(value, count)[rows],
                np.broadcast_to(by, count)[rows],
                made[rows],
                done[rows],
            ]
        )
    order, slot, state, value, by, made, done = (
        np.concatenate(p) for p in zip(*parts, strict=True)
    )
    sort = np.lexsort((slot, order))
    order, slot, state, value, by, made, done = (
        a[sort] for a in (order, slot, state, value, by, made, done)
    )
    payment_ids = ids.take(OrderPayment, len(order)) + np.arange(len(order))
    payment_of = {s: np.full(count, -1) for s in slots}
    for s in slots:
        mine = slot == s
        payment_of[s][order[mine]] = np.flatnonzero(mine)

    cards = _cards(rng, batch, issuer, ids, gift, card_value)
    card_of_order = np.full(count, -1)
    card_of_order[np.flatnonzero(gift)] = np.arange(len(cards.ids))
    payment_card = np.where(by == GIFT_CARD, card_of_order[order], -1)
    details = np.full(len(order), None, dtype=object)
    for row in np.flatnonzero(payment_card >= 0).tolist():
        card = payment_card[row]
        details[row] = {
            "gift_card": {
                "id": int(cards.ids[card]),
                "secret": cards.secrets[card],
                "organizer": issuer.organizer_slug,
            }
        }
    payments = Rows(
        OrderPayment.__table__,
        {
            "id": Ints(payment_ids),
            "order_id": Ints(batch.ids[order]),
            "local_id": Ints(rank_in_group(order, count)),
            "state": Choice(state, STATES),
            "amount": Money(value),
            "provider": Choice(by, PROVIDERS),
            "created": Stamps(made),
            "payment_date": Stamps(done, null=done < 0),
            "details": Objects(details),
            "giftcard_id": Ints(cards.ids[np.maximum(payment_card, 0)], null=payment_card < 0)
            if len(cards.ids)
            else Const(None, len(order)),
        },
    )

    # Refunds: what canceled positions of paid orders cost, back onto the payment that
    # completed the order; and most paid-then-canceled orders in full.
    refunded_part = paid & (batch.canceled_total > 0)
    last = np.where(payment_of[SLOT_PAID] >= 0, payment_of[SLOT_PAID], payment_of[SLOT_GIFT_CARD])
    full_refund = paid_then_canceled & chance(rng, count, 0.8)
    refund_order = np.flatnonzero(refunded_part | full_refund)
    refund_payment = np.where(refunded_part, last, payment_of[SLOT_OTHER])[refund_order]
    refund_value = np.where(refunded_part, batch.canceled_total, batch.total)[refund_order]
    refund_count = len(refund_order)
    refund_created = done[refund_payment] + between(rng, DAY, 30 * DAY, refund_count)
    executed = refund_created + between(rng, 0, 3 * DAY, refund_count)
    refund_ids = ids.take(OrderRefund, refund_count) + np.arange(refund_count)
    refund_card = payment_card[refund_payment]
    refunds = Rows(
        OrderRefund.__table__,
        {
            "id": Ints(refund_ids),
            "order_id": Ints(batch.ids[refund_order]),
            "payment_id": Ints(payment_ids[refund_payment]),
            "local_id": Const(1, refund_count),
            "state": Const("done", refund_count),
            "source": Choice(chance(rng, refund_count, 0.3).astype(int), ["admin", "buyer"]),
            "amount": Money(refund_value),
            "provider": Choice(by[refund_payment], PROVIDERS),
            "created": Stamps(refund_created),
            "execution_date": Stamps(executed),
            "giftcard_id": Ints(cards.ids[np.maximum(refund_card, 0)], null=refund_card < 0)
            if len(cards.ids)
            else Const(None, refund_count),
        },
    )
    redeemed = payment_card >= 0
    returned = refund_card >= 0
    transactions = _card_transactions(
        cards,
        issuer,
        redemptions=(
            payment_card[redeemed],
            batch.ids[order[redeemed]],
            payment_ids[redeemed],
            done[redeemed],
            value[redeemed],
        ),
        returns=(
            refund_card[returned],
            batch.ids[refund_order[returned]],
            refund_ids[returned],
            executed[returned],
            refund_value[returned],
        ),
        ids=ids,
    )
    return [cards.rows(issuer), payments, refunds, transactions]


@dataclass
class _Cards:
    ids: np.ndarray
    secrets: list[str]
    issuance: np.ndarray
    value: np.ndarray  # cents at issuance
    current: np.ndarray  # cents now

    def rows(self, issuer: Issuer) -> Rows:
        count = len(self.ids)
        return Rows(
            GiftCard.__table__,
            {
                "id": Ints(self.ids),
                "organizer_id": Const(issuer.organizer_id, count),
                "secret": Texts(self.secrets),
                "issuance": Stamps(self.issuance),
                "value": Money(self.current),
                "currency": Const("EUR", count),
                "testmode": Const(False, count),
                "expires": Const(None, count),
                "conditions": Const(None, count),
            },
        )


def _cards(rng, batch: OrderBatch, issuer: Issuer, ids, gift, card_value) -> _Cards:
    """A card for each order paid with one, issued up to three months before the order."""
    rows = np.flatnonzero(gift)
    count = len(rows)
    card_ids = ids.take(GiftCard, count) + np.arange(count)
    # Random letters, then the card's id spelled out: different cards, different secrets.
    secrets = list(map("{}{}".format, tokens(rng, count, 10), spelled(card_ids, 6)))
    issuance = batch.when[rows] - between(rng, DAY, 90 * DAY, count)
    value = card_value[rows]
    return _Cards(card_ids, secrets, issuance, value, value.copy())


def _card_transactions(cards: _Cards, issuer: Issuer, redemptions, returns, ids) -> Rows:
    """Per card: its issuance, the payment it made and, where the order was refunded onto
    the card, the refund. Updates the cards' current values."""
    count = len(cards.ids)
    card_rows = np.arange(count)
    r_card, r_order, r_payment, r_when, r_value = redemptions
    b_card, b_order, b_refund, b_when, b_value = returns
    np.subtract.at(cards.current, r_card, r_value)
    np.add.at(cards.current, b_card, b_value)
    card = np.concatenate([card_rows, r_card, b_card])
    kind = np.concatenate(
        [np.zeros(count, int), np.ones(len(r_card), int), np.full(len(b_card), 2)]
    )
    sort = np.lexsort((kind, card))
    card, kind = card[sort], kind[sort]

    def column(issued, redeemed, returned):
        return np.concatenate([issued, redeemed, returned])[sort]

    nothing = np.zeros(count, dtype=np.int64)
    order = column(nothing, r_order, b_order)
    total = len(card)
    return Rows(
        GiftCardTransaction.__table__,
        {
            "id": Ints(ids.take(GiftCardTransaction, total) + np.arange(total)),
            "card_id": Ints(cards.ids[card]),
            "datetime": Stamps(column(cards.issuance, r_when, b_when)),
            "value": Money(column(cards.value, -r_value, b_value)),
            "event_id": Choice((kind > 0).astype(int), [None, issuer.event_id]),
            "order_id": Ints(order, null=kind == 0),
            "payment_id": Ints(
                column(nothing, r_payment, np.zeros(len(b_card), int)), null=kind != 1
            ),
            "refund_id": Ints(
                column(nothing, np.zeros(len(r_card), int), b_refund), null=kind != 2
            ),
            "text": Choice((kind == 0).astype(int), [None, "Initial value"]),
            "acceptor": Choice((kind > 0).astype(int), [None, issuer.organizer_slug]),
        },
    )
