"""What an event sells: tax rules, categories, products (items) with variations, add-ons,
bundles and meta data, questions with their options, quotas, and seats."""

from datetime import datetime
from decimal import Decimal

from sqlalchemy import Column, ForeignKey, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, Json, Money, Rate


class TaxRule(Base):
    """How an event taxes what it sells. Exports describe a line's rule as pretix does, from
    the internal name, whether prices include the tax, the rate and the public name."""

    __tablename__ = "tax_rules"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id"), index=True)
    internal_name: Mapped[str | None] = mapped_column(String(190))
    name: Mapped[str] = mapped_column(String(190))
    rate: Mapped[Decimal] = mapped_column(Rate)
    price_includes_tax: Mapped[bool] = mapped_column(default=True)
    name_i18n: Mapped[dict | None] = mapped_column(Json)
    code: Mapped[str | None] = mapped_column(String(190))
    default: Mapped[bool] = mapped_column(default=False, server_default="0")
    eu_reverse_charge: Mapped[bool] = mapped_column(default=False, server_default="0")
    home_country: Mapped[str] = mapped_column(String(2), default="", server_default="")
    keep_gross_if_rate_changes: Mapped[bool] = mapped_column(default=False, server_default="0")
    custom_rules: Mapped[list | None] = mapped_column(Json)


class ItemCategory(Base):
    """A group of products; ``name`` in the event's language, ``name_i18n`` every one's."""

    __tablename__ = "item_categories"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int] = mapped_column(default=0)
    is_addon: Mapped[bool] = mapped_column(default=False)
    name_i18n: Mapped[dict | None] = mapped_column(Json)
    internal_name: Mapped[str | None] = mapped_column(String(255))
    # pretix's cross-selling mode: null (a normal category), "both" or "only".
    cross_selling_mode: Mapped[str | None] = mapped_column(String(5))


class Item(Base):
    """A product. ``name`` is the name exports show, ``name_i18n`` every language's."""

    __tablename__ = "items"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id"), index=True)
    category_id: Mapped[int | None] = mapped_column(ForeignKey("item_categories.id"))
    name: Mapped[str] = mapped_column(String(200))
    internal_name: Mapped[str | None] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    default_price: Mapped[Decimal] = mapped_column(Money)
    tax_rate: Mapped[Decimal] = mapped_column(Rate, default=Decimal("0"))
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
    name_i18n: Mapped[dict | None] = mapped_column(Json)
    all_sales_channels: Mapped[bool] = mapped_column(default=True, server_default="1")
    # Sales channel identifiers when ``all_sales_channels`` is false.
    limit_sales_channels: Mapped[list | None] = mapped_column(Json)
    free_price: Mapped[bool] = mapped_column(default=False, server_default="0")
    require_voucher: Mapped[bool] = mapped_column(default=False, server_default="0")
    hide_without_voucher: Mapped[bool] = mapped_column(default=False, server_default="0")
    allow_cancel: Mapped[bool] = mapped_column(default=True, server_default="1")
    require_bundling: Mapped[bool] = mapped_column(default=False, server_default="0")
    require_approval: Mapped[bool] = mapped_column(default=False, server_default="0")
    checkin_attention: Mapped[bool] = mapped_column(default=False, server_default="0")
    checkin_text: Mapped[str | None] = mapped_column(Text)
    original_price: Mapped[Decimal | None] = mapped_column(Money)
    # Null: as the event's setting.
    generate_tickets: Mapped[bool | None]
    allow_waitinglist: Mapped[bool] = mapped_column(default=True, server_default="1")
    issue_giftcard: Mapped[bool] = mapped_column(default=False, server_default="0")
    require_membership: Mapped[bool] = mapped_column(default=False, server_default="0")
    require_membership_hidden: Mapped[bool] = mapped_column(default=False, server_default="0")
    require_membership_types: Mapped[list | None] = mapped_column(Json)
    grant_membership_type_id: Mapped[int | None] = mapped_column(ForeignKey("membership_types.id"))
    validity_mode: Mapped[str | None] = mapped_column(String(16))
    validity_fixed_from: Mapped[datetime | None]
    validity_fixed_until: Mapped[datetime | None]
    media_policy: Mapped[str | None] = mapped_column(String(16))
    media_type: Mapped[str | None] = mapped_column(String(100))
    # {property name: value} as pretix's ``meta_data``.
    meta_data: Mapped[dict | None] = mapped_column(Json)

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
    value_i18n: Mapped[dict | None] = mapped_column(Json)
    original_price: Mapped[Decimal | None] = mapped_column(Money)
    require_approval: Mapped[bool] = mapped_column(default=False, server_default="0")
    require_membership: Mapped[bool] = mapped_column(default=False, server_default="0")
    require_membership_hidden: Mapped[bool] = mapped_column(default=False, server_default="0")
    checkin_attention: Mapped[bool] = mapped_column(default=False, server_default="0")
    checkin_text: Mapped[str | None] = mapped_column(Text)
    available_from: Mapped[datetime | None]
    available_until: Mapped[datetime | None]
    all_sales_channels: Mapped[bool] = mapped_column(default=True, server_default="1")
    limit_sales_channels: Mapped[list | None] = mapped_column(Json)
    hide_without_voucher: Mapped[bool] = mapped_column(default=False, server_default="0")
    meta_data: Mapped[dict | None] = mapped_column(Json)

    item: Mapped[Item] = relationship(back_populates="variations")


class ItemAddOn(Base):
    """Products of ``addon_category`` may be added to a position of ``base_item``."""

    __tablename__ = "item_addons"

    id: Mapped[int] = mapped_column(primary_key=True)
    base_item_id: Mapped[int] = mapped_column(ForeignKey("items.id"), index=True)
    addon_category_id: Mapped[int] = mapped_column(ForeignKey("item_categories.id"))
    min_count: Mapped[int] = mapped_column(default=0)
    max_count: Mapped[int] = mapped_column(default=1)
    position: Mapped[int] = mapped_column(default=0, server_default="0")
    price_included: Mapped[bool] = mapped_column(default=False, server_default="0")
    multi_allowed: Mapped[bool] = mapped_column(default=False, server_default="0")


class ItemBundle(Base):
    """``count`` of ``bundled_item`` come with every position of ``base_item``."""

    __tablename__ = "item_bundles"

    id: Mapped[int] = mapped_column(primary_key=True)
    base_item_id: Mapped[int] = mapped_column(ForeignKey("items.id"), index=True)
    bundled_item_id: Mapped[int] = mapped_column(ForeignKey("items.id"))
    bundled_variation_id: Mapped[int | None] = mapped_column(ForeignKey("item_variations.id"))
    count: Mapped[int] = mapped_column(default=1)
    designated_price: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))


class ItemMetaProperty(Base):
    """A meta data key the event's products may have; values live in ``Item.meta_data``."""

    __tablename__ = "item_meta_properties"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id"), index=True)
    name: Mapped[str] = mapped_column(String(50))
    default: Mapped[str] = mapped_column(Text, default="")
    required: Mapped[bool] = mapped_column(default=False)
    allowed_values: Mapped[list | None] = mapped_column(Json)


question_items = Table(
    "question_items",
    Base.metadata,
    Column("question_id", ForeignKey("questions.id"), primary_key=True),
    Column("item_id", ForeignKey("items.id"), primary_key=True),
)


class Question(Base):
    """A question asked per position; ``type`` is pretix's (S text, C choice, M multiple
    choice, F file, ...)."""

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
    question_i18n: Mapped[dict | None] = mapped_column(Json)
    show_during_checkin: Mapped[bool] = mapped_column(default=False, server_default="0")
    print_on_invoice: Mapped[bool] = mapped_column(default=False, server_default="0")
    dependency_question_id: Mapped[int | None] = mapped_column(ForeignKey("questions.id"))
    dependency_values: Mapped[list | None] = mapped_column(Json)

    items: Mapped[list[Item]] = relationship(secondary=question_items)
    options: Mapped[list["QuestionOption"]] = relationship(order_by="QuestionOption.position")


class QuestionOption(Base):
    """A choice of a choice or multiple-choice question."""

    __tablename__ = "question_options"

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id"), index=True)
    identifier: Mapped[str] = mapped_column(String(190))
    answer: Mapped[str] = mapped_column(Text)
    answer_i18n: Mapped[dict | None] = mapped_column(Json)
    position: Mapped[int] = mapped_column(default=0)


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
    closed: Mapped[bool] = mapped_column(default=False, server_default="0")
    close_when_sold_out: Mapped[bool] = mapped_column(default=False, server_default="0")
    release_after_exit: Mapped[bool] = mapped_column(default=False, server_default="0")
    ignore_for_event_availability: Mapped[bool] = mapped_column(default=False, server_default="0")

    items: Mapped[list[Item]] = relationship(secondary=quota_items)
    variations: Mapped[list[ItemVariation]] = relationship(secondary=quota_variations)


class Seat(Base):
    """A seat of the event's seating plan, as a position or voucher names it."""

    __tablename__ = "seats"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id"), index=True)
    seat_guid: Mapped[str] = mapped_column(String(190))
    name: Mapped[str] = mapped_column(String(190), default="")
    zone_name: Mapped[str] = mapped_column(String(190), default="")
    row_name: Mapped[str] = mapped_column(String(190), default="")
    row_label: Mapped[str | None] = mapped_column(String(190))
    seat_number: Mapped[str] = mapped_column(String(190), default="")
    seat_label: Mapped[str | None] = mapped_column(String(190))
