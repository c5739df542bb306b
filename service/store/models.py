"""The ticket shop data that is exported, and the teams and tokens that may export it.

Modelled on pretix: an organizer runs events; an event sells products (items, with
categories, variations and add-ons) in orders made of positions and fees, paid by
payments and refunds; attendees are checked in on check-in lists. All datetimes are
stored as naive UTC; exporters convert them to the event's time zone.
"""

import datetime as dt
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Numeric,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

Money = Numeric(13, 2)


class Base(DeclarativeBase):
    pass


class Organizer(Base):
    __tablename__ = "organizers"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(50), unique=True)
    name: Mapped[str] = mapped_column(String(200))

    events: Mapped[list["Event"]] = relationship(back_populates="organizer")


class Event(Base):
    __tablename__ = "events"
    __table_args__ = (UniqueConstraint("organizer_id", "slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organizer_id: Mapped[int] = mapped_column(ForeignKey("organizers.id"), index=True)
    slug: Mapped[str] = mapped_column(String(50))
    name: Mapped[str] = mapped_column(String(200))
    currency: Mapped[str] = mapped_column(String(3), default="EUR")
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    date_from: Mapped[datetime]
    date_to: Mapped[datetime | None]
    date_admission: Mapped[datetime | None]
    presale_start: Mapped[datetime | None]
    presale_end: Mapped[datetime | None]
    location: Mapped[str] = mapped_column(Text, default="")
    live: Mapped[bool] = mapped_column(default=False)
    testmode: Mapped[bool] = mapped_column(default=False)

    organizer: Mapped[Organizer] = relationship(back_populates="events")


class ItemCategory(Base):
    __tablename__ = "item_categories"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int] = mapped_column(default=0)
    is_addon: Mapped[bool] = mapped_column(default=False)


class TaxRule(Base):
    """How an event taxes what it sells. Exports describe a line's rule as pretix does, from
    the internal name, whether prices include the tax, the rate and the public name."""

    __tablename__ = "tax_rules"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id"), index=True)
    internal_name: Mapped[str | None] = mapped_column(String(190))
    name: Mapped[str] = mapped_column(String(190))
    rate: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    price_includes_tax: Mapped[bool] = mapped_column(default=True)


class Item(Base):
    """A product."""

    __tablename__ = "items"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id"), index=True)
    category_id: Mapped[int | None] = mapped_column(ForeignKey("item_categories.id"))
    name: Mapped[str] = mapped_column(String(200))
    internal_name: Mapped[str | None] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    default_price: Mapped[Decimal] = mapped_column(Money)
    tax_rate: Mapped[Decimal] = mapped_column(Numeric(10, 2), default=Decimal("0"))
    tax_name: Mapped[str] = mapped_column(String(100), default="")
    tax_rule_id: Mapped[int | None] = mapped_column(ForeignKey("tax_rules.id"))
    admission: Mapped[bool] = mapped_column(default=False)
    personalized: Mapped[bool] = mapped_column(default=False)
    active: Mapped[bool] = mapped_column(default=True)
    position: Mapped[int] = mapped_column(default=0)
    available_from: Mapped[datetime | None]
    available_until: Mapped[datetime | None]
    min_per_order: Mapped[int | None]
    max_per_order: Mapped[int | None]

    variations: Mapped[list["ItemVariation"]] = relationship(
        order_by="ItemVariation.position", back_populates="item"
    )


class ItemVariation(Base):
    __tablename__ = "item_variations"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"), index=True)
    value: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    default_price: Mapped[Decimal | None] = mapped_column(Money)
    active: Mapped[bool] = mapped_column(default=True)
    position: Mapped[int] = mapped_column(default=0)

    item: Mapped[Item] = relationship(back_populates="variations")


class ItemAddOn(Base):
    """Products of ``addon_category`` may be added to a position of ``base_item``."""

    __tablename__ = "item_addons"

    id: Mapped[int] = mapped_column(primary_key=True)
    base_item_id: Mapped[int] = mapped_column(ForeignKey("items.id"), index=True)
    addon_category_id: Mapped[int] = mapped_column(ForeignKey("item_categories.id"))
    min_count: Mapped[int] = mapped_column(default=0)
    max_count: Mapped[int] = mapped_column(default=1)


class Question(Base):
    __tablename__ = "questions"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id"), index=True)
    question: Mapped[str] = mapped_column(Text)
    identifier: Mapped[str] = mapped_column(String(190))
    type: Mapped[str] = mapped_column(String(5), default="S")
    required: Mapped[bool] = mapped_column(default=False)
    position: Mapped[int] = mapped_column(default=0)
    hidden: Mapped[bool] = mapped_column(default=False)
    ask_during_checkin: Mapped[bool] = mapped_column(default=False)
    help_text: Mapped[str] = mapped_column(Text, default="")


quota_items = Table(
    "quota_items",
    Base.metadata,
    Column("quota_id", ForeignKey("quotas.id"), primary_key=True),
    Column("item_id", ForeignKey("items.id"), primary_key=True),
)

quota_variations = Table(
    "quota_variations",
    Base.metadata,
    Column("quota_id", ForeignKey("quotas.id"), primary_key=True),
    Column("variation_id", ForeignKey("item_variations.id"), primary_key=True),
)


class Quota(Base):
    __tablename__ = "quotas"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    size: Mapped[int | None]

    items: Mapped[list[Item]] = relationship(secondary=quota_items)
    variations: Mapped[list[ItemVariation]] = relationship(secondary=quota_variations)


class Order(Base):
    """An order, with its invoice address folded in (pretix keeps it 1:1 beside the order)."""

    __tablename__ = "orders"
    __table_args__ = (
        UniqueConstraint("event_id", "code"),
        # Exports walk orders by (datetime, id) in key-set chunks.
        Index("ix_orders_event_datetime_id", "event_id", "datetime", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id"), index=True)
    code: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(1))  # n pending, p paid, e expired, c canceled
    email: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(64))
    locale: Mapped[str] = mapped_column(String(32), default="en")
    datetime: Mapped[dt.datetime] = mapped_column(DateTime, index=True)
    expires: Mapped[dt.datetime | None]
    total: Mapped[Decimal] = mapped_column(Money)
    comment: Mapped[str] = mapped_column(Text, default="")
    custom_followup_at: Mapped[date | None] = mapped_column(Date)
    checkin_attention: Mapped[bool] = mapped_column(default=False)
    require_approval: Mapped[bool] = mapped_column(default=False)
    testmode: Mapped[bool] = mapped_column(default=False)
    sales_channel: Mapped[str] = mapped_column(String(64), default="web")
    email_known_to_work: Mapped[bool] = mapped_column(default=False)
    customer_identifier: Mapped[str | None] = mapped_column(String(64))
    invoice_company: Mapped[str] = mapped_column(String(255), default="")
    invoice_name: Mapped[str] = mapped_column(String(255), default="")
    invoice_street: Mapped[str] = mapped_column(Text, default="")
    invoice_zipcode: Mapped[str] = mapped_column(String(30), default="")
    invoice_city: Mapped[str] = mapped_column(String(255), default="")
    invoice_country: Mapped[str] = mapped_column(String(2), default="")
    invoice_state: Mapped[str] = mapped_column(String(255), default="")
    invoice_vat_id: Mapped[str] = mapped_column(String(255), default="")
    # Columns added after the first stores were made have server defaults, so that
    # ``init-db`` can add them to existing rows.
    invoice_custom_field: Mapped[str] = mapped_column(String(255), default="", server_default="")
    checkin_text: Mapped[str | None] = mapped_column(Text)
    # The secret of the buyer's order page link.
    secret: Mapped[str] = mapped_column(String(32), default="", server_default="")


class OrderPosition(Base):
    __tablename__ = "order_positions"
    # Exports find an export's tax rates by skipping from rate to rate (``distinct_values``).
    __table_args__ = (Index("ix_order_positions_tax_rate_order", "tax_rate", "order_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    positionid: Mapped[int] = mapped_column(default=1)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"), index=True)
    variation_id: Mapped[int | None] = mapped_column(ForeignKey("item_variations.id"))
    price: Mapped[Decimal] = mapped_column(Money)
    tax_rate: Mapped[Decimal] = mapped_column(Numeric(10, 2), default=Decimal("0"))
    tax_value: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))
    tax_name: Mapped[str] = mapped_column(String(100), default="")
    tax_rule_id: Mapped[int | None] = mapped_column(ForeignKey("tax_rules.id"))
    attendee_name: Mapped[str | None] = mapped_column(String(255))
    attendee_email: Mapped[str | None] = mapped_column(String(254))
    company: Mapped[str | None] = mapped_column(String(255))
    street: Mapped[str | None] = mapped_column(Text)
    zipcode: Mapped[str | None] = mapped_column(String(30))
    city: Mapped[str | None] = mapped_column(String(255))
    country: Mapped[str | None] = mapped_column(String(2))
    state: Mapped[str | None] = mapped_column(String(255))
    secret: Mapped[str] = mapped_column(String(64), index=True)
    pseudonymization_id: Mapped[str] = mapped_column(String(16), default="")
    addon_to_id: Mapped[int | None] = mapped_column(ForeignKey("order_positions.id"))
    valid_from: Mapped[datetime | None]
    valid_until: Mapped[datetime | None]
    blocked: Mapped[str | None] = mapped_column(String(255))
    canceled: Mapped[bool] = mapped_column(default=False)
    # The secret of the position's own ticket page link (not the ticket's ``secret``).
    web_secret: Mapped[str] = mapped_column(String(32), default="", server_default="")


class OrderFee(Base):
    __tablename__ = "order_fees"
    __table_args__ = (Index("ix_order_fees_tax_rate_order", "tax_rate", "order_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    fee_type: Mapped[str] = mapped_column(String(100))  # payment, shipping, service, ...
    description: Mapped[str] = mapped_column(String(190), default="")
    value: Mapped[Decimal] = mapped_column(Money)
    tax_rate: Mapped[Decimal] = mapped_column(Numeric(10, 2), default=Decimal("0"))
    tax_value: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))
    tax_name: Mapped[str] = mapped_column(String(100), default="")
    tax_rule_id: Mapped[int | None] = mapped_column(ForeignKey("tax_rules.id"))
    canceled: Mapped[bool] = mapped_column(default=False)


class OrderPayment(Base):
    __tablename__ = "order_payments"
    __table_args__ = (Index("ix_order_payments_provider_order", "provider", "order_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    local_id: Mapped[int]
    state: Mapped[str] = mapped_column(String(20))  # created, pending, confirmed, failed, ...
    amount: Mapped[Decimal] = mapped_column(Money)
    provider: Mapped[str] = mapped_column(String(100))
    created: Mapped[datetime]
    payment_date: Mapped[datetime | None]


class OrderRefund(Base):
    __tablename__ = "order_refunds"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    payment_id: Mapped[int | None] = mapped_column(ForeignKey("order_payments.id"))
    local_id: Mapped[int]
    state: Mapped[str] = mapped_column(String(20))  # created, transit, done, failed, canceled
    source: Mapped[str] = mapped_column(String(20), default="admin")
    amount: Mapped[Decimal] = mapped_column(Money)
    provider: Mapped[str] = mapped_column(String(100))
    created: Mapped[datetime]
    execution_date: Mapped[datetime | None]


class QuestionAnswer(Base):
    __tablename__ = "question_answers"

    id: Mapped[int] = mapped_column(primary_key=True)
    position_id: Mapped[int] = mapped_column(ForeignKey("order_positions.id"), index=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id"))
    answer: Mapped[str] = mapped_column(Text)


class CheckinList(Base):
    __tablename__ = "checkin_lists"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id"), index=True)
    name: Mapped[str] = mapped_column(String(190))
    all_products: Mapped[bool] = mapped_column(default=True)
    include_pending: Mapped[bool] = mapped_column(default=False)


class Checkin(Base):
    __tablename__ = "checkins"

    id: Mapped[int] = mapped_column(primary_key=True)
    list_id: Mapped[int] = mapped_column(ForeignKey("checkin_lists.id"), index=True)
    position_id: Mapped[int] = mapped_column(ForeignKey("order_positions.id"), index=True)
    datetime: Mapped[dt.datetime]
    type: Mapped[str] = mapped_column(String(10), default="entry")  # entry or exit
    successful: Mapped[bool] = mapped_column(default=True)


team_events = Table(
    "team_events",
    Base.metadata,
    Column("team_id", ForeignKey("teams.id"), primary_key=True),
    Column("event_id", ForeignKey("events.id"), primary_key=True),
)

PERMISSIONS = (
    "can_view_orders",
    "can_view_vouchers",
    "can_change_event_settings",
    "can_change_organizer_settings",
)


class Team(Base):
    __tablename__ = "teams"

    id: Mapped[int] = mapped_column(primary_key=True)
    organizer_id: Mapped[int] = mapped_column(ForeignKey("organizers.id"), index=True)
    name: Mapped[str] = mapped_column(String(190))
    all_events: Mapped[bool] = mapped_column(default=False)
    can_view_orders: Mapped[bool] = mapped_column(default=False)
    can_view_vouchers: Mapped[bool] = mapped_column(default=False)
    can_change_event_settings: Mapped[bool] = mapped_column(default=False)
    can_change_organizer_settings: Mapped[bool] = mapped_column(default=False)

    organizer: Mapped[Organizer] = relationship()
    limit_events: Mapped[list[Event]] = relationship(secondary=team_events)


class TeamAPIToken(Base):
    """Only the SHA-256 of a token is stored: tokens are 256-bit random, no slow hash needed."""

    __tablename__ = "team_api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"), index=True)
    name: Mapped[str] = mapped_column(String(190))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    active: Mapped[bool] = mapped_column(default=True)

    team: Mapped[Team] = relationship()
