"""Reusable media: wristbands, cards and barcodes that carry tickets or a gift card."""

from datetime import datetime

from sqlalchemy import Column, ForeignKey, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, Json

reusable_medium_positions = Table(
    "reusable_medium_positions",
    Base.metadata,
    Column("medium_id", ForeignKey("reusable_media.id"), primary_key=True),
    Column("position_id", ForeignKey("order_positions.id"), primary_key=True),
)


class ReusableMedium(Base):
    """A medium; the tickets it carries are in ``reusable_medium_positions``."""

    __tablename__ = "reusable_media"
    __table_args__ = (UniqueConstraint("organizer_id", "type", "identifier"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organizer_id: Mapped[int] = mapped_column(ForeignKey("organizers.id"), index=True)
    created: Mapped[datetime]
    updated: Mapped[datetime | None]
    type: Mapped[str] = mapped_column(String(100))  # barcode, nfc_uid, nfc_mf0aes
    identifier: Mapped[str] = mapped_column(String(200))
    claim_token: Mapped[str | None] = mapped_column(String(200))
    label: Mapped[str | None] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(default=True)
    expires: Mapped[datetime | None]
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"))
    linked_giftcard_id: Mapped[int | None] = mapped_column(ForeignKey("giftcards.id"))
    info: Mapped[dict | None] = mapped_column(Json)
    notes: Mapped[str | None] = mapped_column(Text)
