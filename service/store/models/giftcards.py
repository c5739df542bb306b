"""Gift cards, the transactions that moved their value, and (through
``OrderPayment.giftcard_id`` and ``GiftCardTransaction.payment_id``) the payments made
with them."""

from datetime import datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, Json, Money


class GiftCard(Base):
    __tablename__ = "giftcards"
    __table_args__ = (UniqueConstraint("organizer_id", "secret"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # The issuer.
    organizer_id: Mapped[int] = mapped_column(ForeignKey("organizers.id"), index=True)
    secret: Mapped[str] = mapped_column(String(190))
    issuance: Mapped[datetime]
    # The current value, as pretix reports it (the sum of the transactions).
    value: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))
    currency: Mapped[str] = mapped_column(String(10), default="EUR")
    testmode: Mapped[bool] = mapped_column(default=False)
    expires: Mapped[datetime | None]
    conditions: Mapped[str | None] = mapped_column(Text)
    owner_ticket_id: Mapped[int | None] = mapped_column(ForeignKey("order_positions.id"))
    # The position that bought the card ("Created in order").
    issued_in_id: Mapped[int | None] = mapped_column(ForeignKey("order_positions.id"))

    transactions: Mapped[list["GiftCardTransaction"]] = relationship(
        order_by="GiftCardTransaction.datetime"
    )


class GiftCardTransaction(Base):
    """A change of a card's value: issued or topped up (positive), redeemed (negative)."""

    __tablename__ = "giftcard_transactions"
    __table_args__ = (Index("ix_giftcard_transactions_card_datetime", "card_id", "datetime"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    card_id: Mapped[int] = mapped_column(ForeignKey("giftcards.id"))
    datetime: Mapped[datetime]
    value: Mapped[Decimal] = mapped_column(Money)
    event_id: Mapped[int | None] = mapped_column(ForeignKey("events.id"))
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id"), index=True)
    payment_id: Mapped[int | None] = mapped_column(ForeignKey("order_payments.id"))
    refund_id: Mapped[int | None] = mapped_column(ForeignKey("order_refunds.id"))
    text: Mapped[str | None] = mapped_column(Text)
    info: Mapped[dict | None] = mapped_column(Json)
    # Slug of the organizer that accepted the card (may be another organizer).
    acceptor: Mapped[str | None] = mapped_column(String(50))
