"""Vouchers: codes that unlock products, change prices or reserve quota."""

from datetime import datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, Money


class Voucher(Base):
    __tablename__ = "vouchers"
    __table_args__ = (Index("ix_vouchers_event_code", "event_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id"), index=True)
    code: Mapped[str] = mapped_column(String(255))
    created: Mapped[datetime | None]
    max_usages: Mapped[int] = mapped_column(default=1)
    min_usages: Mapped[int] = mapped_column(default=1)
    redeemed: Mapped[int] = mapped_column(default=0)
    valid_until: Mapped[datetime | None]
    block_quota: Mapped[bool] = mapped_column(default=False)
    allow_ignore_quota: Mapped[bool] = mapped_column(default=False)
    price_mode: Mapped[str] = mapped_column(
        String(100), default="none"
    )  # none, set, subtract, percent
    value: Mapped[Decimal | None] = mapped_column(Money)
    item_id: Mapped[int | None] = mapped_column(ForeignKey("items.id"))
    variation_id: Mapped[int | None] = mapped_column(ForeignKey("item_variations.id"))
    quota_id: Mapped[int | None] = mapped_column(ForeignKey("quotas.id"))
    seat_id: Mapped[int | None] = mapped_column(ForeignKey("seats.id"))
    tag: Mapped[str] = mapped_column(String(255), default="")
    comment: Mapped[str] = mapped_column(Text, default="")
    show_hidden_items: Mapped[bool] = mapped_column(default=True)
    all_addons_included: Mapped[bool] = mapped_column(default=False)
    all_bundles_included: Mapped[bool] = mapped_column(default=False)
    budget: Mapped[Decimal | None] = mapped_column(Money)
    # As pretix reports it: the sum of the positions' ``voucher_budget_use``.
    budget_used: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))
