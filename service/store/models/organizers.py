"""An organizer and what belongs to it directly: its events, teams and API tokens, sales
channels, event meta properties, check-in devices and gates."""

from datetime import datetime
from decimal import Decimal

from sqlalchemy import Column, ForeignKey, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, Json


class Organizer(Base):
    __tablename__ = "organizers"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(50), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    public_url: Mapped[str | None] = mapped_column(String(300))

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
    # pretix's translated name, {"en": …, "de": …}; ``name`` is the one exports show.
    name_i18n: Mapped[dict | None] = mapped_column(Json)
    is_public: Mapped[bool] = mapped_column(default=True, server_default="1")
    geo_lat: Mapped[Decimal | None]
    geo_lon: Mapped[Decimal | None]
    # The organizer's internal comment on the event.
    comment: Mapped[str] = mapped_column(Text, default="", server_default="")
    has_subevents: Mapped[bool] = mapped_column(default=False, server_default="0")
    plugins: Mapped[list | None] = mapped_column(Json)
    # {property name: value} as pretix's ``meta_data``.
    meta_data: Mapped[dict | None] = mapped_column(Json)
    all_sales_channels: Mapped[bool] = mapped_column(default=True, server_default="1")
    limit_sales_channels: Mapped[list | None] = mapped_column(Json)
    # What the invoices of the event name as their sender (pretix's event settings).
    invoice_from_name: Mapped[str] = mapped_column(String(190), default="", server_default="")
    invoice_from: Mapped[str] = mapped_column(Text, default="", server_default="")
    invoice_from_zipcode: Mapped[str] = mapped_column(String(30), default="", server_default="")
    invoice_from_city: Mapped[str] = mapped_column(String(190), default="", server_default="")
    invoice_from_state: Mapped[str] = mapped_column(String(190), default="", server_default="")
    invoice_from_country: Mapped[str] = mapped_column(String(2), default="", server_default="")
    invoice_from_tax_id: Mapped[str] = mapped_column(String(190), default="", server_default="")
    invoice_from_vat_id: Mapped[str] = mapped_column(String(190), default="", server_default="")
    # The languages the shop offers, in pretix's order, and its default one (the language
    # pretix writes an event's exports in; null: English).
    locales: Mapped[list | None] = mapped_column(Json)
    locale: Mapped[str | None] = mapped_column(String(16))
    # pretix's setting as its API writes it: an ISO date and time or a relative date
    # (``RELDATE/…``) after which the waiting list no longer holds back quota.
    waiting_list_auto_disable: Mapped[str | None] = mapped_column(String(100))

    organizer: Mapped[Organizer] = relationship(back_populates="events")


class SalesChannel(Base):
    """Where orders come from (``Order.sales_channel`` holds the identifier)."""

    __tablename__ = "sales_channels"
    __table_args__ = (UniqueConstraint("organizer_id", "identifier"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organizer_id: Mapped[int] = mapped_column(ForeignKey("organizers.id"), index=True)
    identifier: Mapped[str] = mapped_column(String(190))
    type: Mapped[str] = mapped_column(String(190), default="web")
    label: Mapped[str] = mapped_column(String(200), default="")
    label_i18n: Mapped[dict | None] = mapped_column(Json)
    position: Mapped[int] = mapped_column(default=0)


class EventMetaProperty(Base):
    """A meta data key events of the organizer may have; values live in ``Event.meta_data``."""

    __tablename__ = "event_meta_properties"

    id: Mapped[int] = mapped_column(primary_key=True)
    organizer_id: Mapped[int] = mapped_column(ForeignKey("organizers.id"), index=True)
    name: Mapped[str] = mapped_column(String(50))
    default: Mapped[str] = mapped_column(Text, default="")
    required: Mapped[bool] = mapped_column(default=False)
    allowed_values: Mapped[list | None] = mapped_column(Json)


class Device(Base):
    """A check-in device (pretixSCAN and the like); scans name the device they came from."""

    __tablename__ = "devices"

    id: Mapped[int] = mapped_column(primary_key=True)  # pretix's ``device_id``
    organizer_id: Mapped[int] = mapped_column(ForeignKey("organizers.id"), index=True)
    name: Mapped[str] = mapped_column(String(190))
    unique_serial: Mapped[str] = mapped_column(String(190), default="")
    all_events: Mapped[bool] = mapped_column(default=False)
    limit_events: Mapped[list | None] = mapped_column(Json)
    revoked: Mapped[bool] = mapped_column(default=False)
    created: Mapped[datetime | None]
    initialized: Mapped[datetime | None]
    hardware_brand: Mapped[str | None] = mapped_column(String(190))
    hardware_model: Mapped[str | None] = mapped_column(String(190))
    os_name: Mapped[str | None] = mapped_column(String(190))
    os_version: Mapped[str | None] = mapped_column(String(190))
    software_brand: Mapped[str | None] = mapped_column(String(190))
    software_version: Mapped[str | None] = mapped_column(String(190))
    security_profile: Mapped[str | None] = mapped_column(String(190))
    gate_id: Mapped[int | None] = mapped_column(ForeignKey("gates.id"))


class Gate(Base):
    """An entrance of the organizer; check-in lists may be limited to gates."""

    __tablename__ = "gates"

    id: Mapped[int] = mapped_column(primary_key=True)
    organizer_id: Mapped[int] = mapped_column(ForeignKey("organizers.id"), index=True)
    name: Mapped[str] = mapped_column(String(190), default="")
    identifier: Mapped[str] = mapped_column(String(190), default="")


team_events = Table(
    "team_events",
    Base.metadata,
    Column("team_id", ForeignKey("teams.id"), primary_key=True),
    Column("event_id", ForeignKey("events.id"), primary_key=True),
)

# Team permissions, named as pretix names them. Exporters declare the one they need.
PERMISSIONS = (
    "can_view_orders",
    "can_view_vouchers",
    "can_change_event_settings",
    "can_change_organizer_settings",
    "can_change_items",
    "can_change_orders",
    "can_checkin_orders",
    "can_change_vouchers",
    "can_create_events",
    "can_change_teams",
    "can_manage_gift_cards",
    "can_manage_customers",
    "can_manage_reusable_media",
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
    can_change_items: Mapped[bool] = mapped_column(default=False, server_default="0")
    can_change_orders: Mapped[bool] = mapped_column(default=False, server_default="0")
    can_checkin_orders: Mapped[bool] = mapped_column(default=False, server_default="0")
    can_change_vouchers: Mapped[bool] = mapped_column(default=False, server_default="0")
    can_create_events: Mapped[bool] = mapped_column(default=False, server_default="0")
    can_change_teams: Mapped[bool] = mapped_column(default=False, server_default="0")
    can_manage_gift_cards: Mapped[bool] = mapped_column(default=False, server_default="0")
    can_manage_customers: Mapped[bool] = mapped_column(default=False, server_default="0")
    can_manage_reusable_media: Mapped[bool] = mapped_column(default=False, server_default="0")

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
