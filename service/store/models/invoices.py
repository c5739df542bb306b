"""Invoices and their lines, as pretix issued them: each invoice keeps the sender and
recipient it was issued with, so later changes of the event or order leave it alone."""

import datetime as dt
from datetime import datetime
from decimal import Decimal

from sqlalchemy import Date, ForeignKey, Index, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, Json, Money, Rate


class Invoice(Base):
    """An invoice or, with ``is_cancellation``, the cancellation of the one it ``refers`` to.
    pretix's API names invoices by number only; the store numbers them itself."""

    __tablename__ = "invoices"
    __table_args__ = (
        UniqueConstraint("event_id", "number"),
        Index("ix_invoices_event_date", "event_id", "date", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id"))
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    number: Mapped[str] = mapped_column(String(190))
    is_cancellation: Mapped[bool] = mapped_column(default=False)
    refers_id: Mapped[int | None] = mapped_column(ForeignKey("invoices.id"))
    date: Mapped[dt.date] = mapped_column(Date)
    locale: Mapped[str] = mapped_column(String(50), default="en")
    invoice_from_name: Mapped[str] = mapped_column(String(190), default="")
    invoice_from: Mapped[str] = mapped_column(Text, default="")
    invoice_from_zipcode: Mapped[str] = mapped_column(String(190), default="")
    invoice_from_city: Mapped[str] = mapped_column(String(190), default="")
    invoice_from_state: Mapped[str] = mapped_column(String(190), default="")
    invoice_from_country: Mapped[str] = mapped_column(String(2), default="")
    invoice_from_tax_id: Mapped[str] = mapped_column(String(190), default="")
    invoice_from_vat_id: Mapped[str] = mapped_column(String(190), default="")
    # The recipient block as printed, and its parts.
    invoice_to: Mapped[str] = mapped_column(Text, default="")
    invoice_to_is_business: Mapped[bool] = mapped_column(default=False)
    invoice_to_company: Mapped[str] = mapped_column(Text, default="")
    invoice_to_name: Mapped[str] = mapped_column(Text, default="")
    invoice_to_street: Mapped[str] = mapped_column(Text, default="")
    invoice_to_zipcode: Mapped[str] = mapped_column(String(190), default="")
    invoice_to_city: Mapped[str] = mapped_column(Text, default="")
    invoice_to_state: Mapped[str] = mapped_column(String(190), default="")
    invoice_to_country: Mapped[str | None] = mapped_column(String(2))
    invoice_to_vat_id: Mapped[str | None] = mapped_column(Text)
    invoice_to_beneficiary: Mapped[str] = mapped_column(Text, default="")
    invoice_to_transmission_info: Mapped[dict | None] = mapped_column(Json)
    custom_field: Mapped[str | None] = mapped_column(String(255))
    internal_reference: Mapped[str] = mapped_column(Text, default="")
    reverse_charge: Mapped[bool] = mapped_column(default=False)
    introductory_text: Mapped[str] = mapped_column(Text, default="")
    additional_text: Mapped[str] = mapped_column(Text, default="")
    footer_text: Mapped[str] = mapped_column(Text, default="")
    payment_provider_text: Mapped[str] = mapped_column(Text, default="")
    payment_provider_stamp: Mapped[str] = mapped_column(String(100), default="")
    # Totals shown in another currency: its code, the rate and the rate's date.
    foreign_currency_display: Mapped[str | None] = mapped_column(String(50))
    foreign_currency_rate: Mapped[Decimal | None] = mapped_column(Numeric(10, 4))
    foreign_currency_rate_date: Mapped[dt.date | None] = mapped_column(Date)
    transmission_type: Mapped[str] = mapped_column(String(100), default="email")
    transmission_provider: Mapped[str | None] = mapped_column(String(190))
    transmission_status: Mapped[str] = mapped_column(String(100), default="unknown")
    transmission_date: Mapped[datetime | None]

    lines: Mapped[list["InvoiceLine"]] = relationship(order_by="InvoiceLine.position")


class InvoiceLine(Base):
    __tablename__ = "invoice_lines"

    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.id"), index=True)
    position: Mapped[int]  # the line number, from 1
    description: Mapped[str] = mapped_column(Text, default="")
    item_id: Mapped[int | None] = mapped_column(ForeignKey("items.id"))
    variation_id: Mapped[int | None] = mapped_column(ForeignKey("item_variations.id"))
    attendee_name: Mapped[str | None] = mapped_column(Text)
    event_date_from: Mapped[datetime | None]
    event_date_to: Mapped[datetime | None]
    period_start: Mapped[datetime | None]
    period_end: Mapped[datetime | None]
    gross_value: Mapped[Decimal] = mapped_column(Money)
    tax_value: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))
    tax_rate: Mapped[Decimal] = mapped_column(Rate, default=Decimal("0"))
    tax_name: Mapped[str] = mapped_column(String(190), default="")
    tax_code: Mapped[str | None] = mapped_column(String(190))
    fee_type: Mapped[str | None] = mapped_column(String(190))
    fee_internal_type: Mapped[str | None] = mapped_column(String(255))
    event_location: Mapped[str | None] = mapped_column(Text)
