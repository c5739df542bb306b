"""pretix's order transactions: the history of what an order contained, line by line. Each
change of an order adds rows (a position added +1, removed -1), so summing them over any
period gives what was sold in it."""

from datetime import datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, Money, Rate


class Transaction(Base):
    """One line of the history: a position (``positionid``, ``item_id``) or a fee
    (``fee_type``), ``count`` times (-1 when taken away)."""

    __tablename__ = "transactions"
    __table_args__ = (
        Index("ix_transactions_order_datetime", "order_id", "datetime", "id"),
        # The transaction export walks them by time in key-set chunks.
        Index("ix_transactions_datetime_id", "datetime", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"))
    created: Mapped[datetime]
    datetime: Mapped[datetime]
    # Rows pretix made afterwards for orders older than the history ("Old data").
    migrated: Mapped[bool] = mapped_column(default=False)
    positionid: Mapped[int | None]
    count: Mapped[int] = mapped_column(default=1)
    item_id: Mapped[int | None] = mapped_column(ForeignKey("items.id"))
    variation_id: Mapped[int | None] = mapped_column(ForeignKey("item_variations.id"))
    price: Mapped[Decimal] = mapped_column(Money)
    tax_rate: Mapped[Decimal] = mapped_column(Rate, default=Decimal("0"))
    tax_rule_id: Mapped[int | None] = mapped_column(ForeignKey("tax_rules.id"))
    tax_code: Mapped[str | None] = mapped_column(String(190))
    tax_value: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))
    fee_type: Mapped[str | None] = mapped_column(String(100))
    internal_type: Mapped[str | None] = mapped_column(String(255))
