"""Check-in lists and every scan made on them, successful or not."""

import datetime as dt

from sqlalchemy import Column, ForeignKey, Index, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, Json
from .catalog import Item
from .organizers import Gate

checkin_list_items = Table(
    "checkin_list_items",
    Base.metadata,
    Column("list_id", ForeignKey("checkin_lists.id"), primary_key=True),
    Column("item_id", ForeignKey("items.id"), primary_key=True),
)

checkin_list_gates = Table(
    "checkin_list_gates",
    Base.metadata,
    Column("list_id", ForeignKey("checkin_lists.id"), primary_key=True),
    Column("gate_id", ForeignKey("gates.id"), primary_key=True),
)


class CheckinList(Base):
    """A list; unless ``all_products``, it admits only the products in
    ``checkin_list_items`` (``limit_products``)."""

    __tablename__ = "checkin_lists"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id"), index=True)
    name: Mapped[str] = mapped_column(String(190))
    all_products: Mapped[bool] = mapped_column(default=True)
    include_pending: Mapped[bool] = mapped_column(default=False)
    allow_multiple_entries: Mapped[bool] = mapped_column(default=False, server_default="0")
    allow_entry_after_exit: Mapped[bool] = mapped_column(default=True, server_default="1")
    addon_match: Mapped[bool] = mapped_column(default=False, server_default="0")
    ignore_in_statistics: Mapped[bool] = mapped_column(default=False, server_default="0")
    consider_tickets_used: Mapped[bool] = mapped_column(default=True, server_default="1")
    exit_all_at: Mapped[dt.datetime | None]
    rules: Mapped[dict | None] = mapped_column(Json)

    limit_products: Mapped[list[Item]] = relationship(secondary=checkin_list_items)
    gates: Mapped[list[Gate]] = relationship(secondary=checkin_list_gates)


class Checkin(Base):
    """A scan. Failed scans keep why (``error_reason``: invalid, unpaid, canceled,
    already_redeemed, product, rules, ...); one of an unknown code has no position and keeps
    what was scanned (``raw_barcode``). ``datetime`` is when it was scanned, ``created``
    when it reached the server (later for offline scans)."""

    __tablename__ = "checkins"
    __table_args__ = (Index("ix_checkins_list_datetime", "list_id", "datetime"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    list_id: Mapped[int] = mapped_column(ForeignKey("checkin_lists.id"), index=True)
    position_id: Mapped[int | None] = mapped_column(ForeignKey("order_positions.id"), index=True)
    datetime: Mapped[dt.datetime]
    type: Mapped[str] = mapped_column(String(10), default="entry")  # entry or exit
    successful: Mapped[bool] = mapped_column(default=True)
    error_reason: Mapped[str | None] = mapped_column(String(100))
    error_explanation: Mapped[str | None] = mapped_column(Text)
    created: Mapped[dt.datetime | None]
    auto_checked_in: Mapped[bool] = mapped_column(default=False, server_default="0")
    gate_id: Mapped[int | None] = mapped_column(ForeignKey("gates.id"))
    device_id: Mapped[int | None] = mapped_column(ForeignKey("devices.id"))
    # Offline override: accepted by a device that could not ask the server.
    forced: Mapped[bool] = mapped_column(default=False, server_default="0")
    # Whether the scan was uploaded later by a device working offline (null: unknown).
    force_sent: Mapped[bool | None]
    raw_barcode: Mapped[str | None] = mapped_column(Text)
    raw_item_id: Mapped[int | None] = mapped_column(ForeignKey("items.id"))
    raw_variation_id: Mapped[int | None] = mapped_column(ForeignKey("item_variations.id"))
