"""Customer accounts of an organizer's shops, membership types and memberships."""

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, Json


class Customer(Base):
    """pretix's API names customers by ``identifier`` only; the store numbers them itself."""

    __tablename__ = "customers"
    __table_args__ = (UniqueConstraint("organizer_id", "identifier"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organizer_id: Mapped[int] = mapped_column(ForeignKey("organizers.id"), index=True)
    identifier: Mapped[str] = mapped_column(String(190))
    external_identifier: Mapped[str | None] = mapped_column(String(255))
    # The SSO provider the account signs in with, if any.
    provider: Mapped[str | None] = mapped_column(String(190))
    email: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(255), default="")
    name_parts: Mapped[dict | None] = mapped_column(Json)
    is_active: Mapped[bool] = mapped_column(default=True)
    is_verified: Mapped[bool] = mapped_column(default=False)
    last_login: Mapped[datetime | None]
    date_joined: Mapped[datetime]
    last_modified: Mapped[datetime | None]
    locale: Mapped[str] = mapped_column(String(50), default="en")
    notes: Mapped[str | None] = mapped_column(Text)


class MembershipType(Base):
    __tablename__ = "membership_types"

    id: Mapped[int] = mapped_column(primary_key=True)
    organizer_id: Mapped[int] = mapped_column(ForeignKey("organizers.id"), index=True)
    name: Mapped[str] = mapped_column(String(190))
    name_i18n: Mapped[dict | None] = mapped_column(Json)
    transferable: Mapped[bool] = mapped_column(default=False)
    allow_parallel_usage: Mapped[bool] = mapped_column(default=False)
    max_usages: Mapped[int | None]


class Membership(Base):
    __tablename__ = "memberships"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    membership_type_id: Mapped[int] = mapped_column(ForeignKey("membership_types.id"))
    testmode: Mapped[bool] = mapped_column(default=False)
    canceled: Mapped[bool] = mapped_column(default=False)
    date_start: Mapped[datetime]
    date_end: Mapped[datetime]
    attendee_name_parts: Mapped[dict | None] = mapped_column(Json)
    # The position that bought the membership ("Purchase ticket").
    granted_in_id: Mapped[int | None] = mapped_column(ForeignKey("order_positions.id"))
