"""Orders and what they are made of: positions (tickets) with their answers, fees, payments
and refunds.

All datetimes are stored as naive UTC; exporters convert them to the event's time zone.
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
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, Json, Money, Rate


class Order(Base):
    """An order, with its invoice address folded in (pretix keeps it 1:1 beside the order;
    ``invoice_address_modified`` is null when the order has none)."""

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
    # The customer account's identifier ("External customer ID" in pretix's order list).
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
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"), index=True)
    cancellation_date: Mapped[dt.datetime | None]
    last_modified: Mapped[dt.datetime | None]
    valid_if_pending: Mapped[bool] = mapped_column(default=False, server_default="0")
    tax_rounding_mode: Mapped[str] = mapped_column(
        String(32), default="line", server_default="line"
    )
    # pretix's ``api_meta``: what API clients stored with the order.
    meta_data: Mapped[dict | None] = mapped_column(Json)
    invoice_address_modified: Mapped[dt.datetime | None]
    invoice_is_business: Mapped[bool] = mapped_column(default=False, server_default="0")
    invoice_name_parts: Mapped[dict | None] = mapped_column(Json)
    invoice_vat_id_validated: Mapped[bool] = mapped_column(default=False, server_default="0")
    invoice_internal_reference: Mapped[str] = mapped_column(Text, default="", server_default="")
    invoice_beneficiary: Mapped[str] = mapped_column(Text, default="", server_default="")
    invoice_transmission_type: Mapped[str] = mapped_column(
        String(100), default="email", server_default="email"
    )
    invoice_transmission_info: Mapped[dict | None] = mapped_column(Json)


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
    tax_rate: Mapped[Decimal] = mapped_column(Rate, default=Decimal("0"))
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
    attendee_name_parts: Mapped[dict | None] = mapped_column(Json)
    voucher_id: Mapped[int | None] = mapped_column(ForeignKey("vouchers.id"), index=True)
    voucher_budget_use: Mapped[Decimal | None] = mapped_column(Money)
    seat_id: Mapped[int | None] = mapped_column(ForeignKey("seats.id"))
    discount_id: Mapped[int | None]
    tax_code: Mapped[str | None] = mapped_column(String(190))


answer_options = Table(
    "question_answer_options",
    Base.metadata,
    Column("answer_id", ForeignKey("question_answers.id"), primary_key=True),
    Column("option_id", ForeignKey("question_options.id"), primary_key=True),
)


class QuestionAnswer(Base):
    """A position's answer. ``answer`` is the text pretix shows (for choices, the options'
    texts); the chosen options are in ``question_answer_options``; for a file question,
    ``file`` is the reference (pretix's download URL), not the file."""

    __tablename__ = "question_answers"

    id: Mapped[int] = mapped_column(primary_key=True)
    position_id: Mapped[int] = mapped_column(ForeignKey("order_positions.id"), index=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id"))
    answer: Mapped[str] = mapped_column(Text)
    file: Mapped[str | None] = mapped_column(Text)


class OrderFee(Base):
    __tablename__ = "order_fees"
    __table_args__ = (Index("ix_order_fees_tax_rate_order", "tax_rate", "order_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    fee_type: Mapped[str] = mapped_column(String(100))  # payment, shipping, service, ...
    description: Mapped[str] = mapped_column(String(190), default="")
    value: Mapped[Decimal] = mapped_column(Money)
    tax_rate: Mapped[Decimal] = mapped_column(Rate, default=Decimal("0"))
    tax_value: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))
    tax_name: Mapped[str] = mapped_column(String(100), default="")
    tax_rule_id: Mapped[int | None] = mapped_column(ForeignKey("tax_rules.id"))
    canceled: Mapped[bool] = mapped_column(default=False)
    internal_type: Mapped[str] = mapped_column(String(255), default="", server_default="")
    tax_code: Mapped[str | None] = mapped_column(String(190))


class OrderPayment(Base):
    """A payment; pretix numbers them per order (``local_id``). A payment with a gift card
    names the card (``giftcard_id``)."""

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
    # The provider's own data (pretix's ``details``).
    details: Mapped[dict | None] = mapped_column(Json)
    giftcard_id: Mapped[int | None] = mapped_column(ForeignKey("giftcards.id"), index=True)


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
    comment: Mapped[str | None] = mapped_column(Text)
    details: Mapped[dict | None] = mapped_column(Json)
    giftcard_id: Mapped[int | None] = mapped_column(ForeignKey("giftcards.id"), index=True)
