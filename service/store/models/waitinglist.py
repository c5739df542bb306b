"""The waiting list: people who want a product that is sold out."""

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, Json


class WaitingListEntry(Base):
    """An entry; ``voucher_id`` is set once a voucher was sent to it."""

    __tablename__ = "waiting_list_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id"), index=True)
    created: Mapped[datetime]
    name: Mapped[str | None] = mapped_column(String(255))
    name_parts: Mapped[dict | None] = mapped_column(Json)
    email: Mapped[str] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(64))
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"))
    variation_id: Mapped[int | None] = mapped_column(ForeignKey("item_variations.id"))
    voucher_id: Mapped[int | None] = mapped_column(ForeignKey("vouchers.id"))
    locale: Mapped[str] = mapped_column(String(50), default="en")
    priority: Mapped[int] = mapped_column(default=0)
