"""An event's products with everything the product data export describes them by: their
categories, tax rules and meta data properties, and the organizer's sales channels, each in
the order pretix lists them. A catalogue is tens of products, so it is read whole."""

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from .catalog_queries import load_catalogue
from .models import Event, ItemCategory, ItemMetaProperty, SalesChannel, TaxRule


@dataclass
class Products:
    items: list  # Item rows in shop order (category, then position)
    variations: dict[int, list]  # item id -> ItemVariation rows by position
    categories: dict[int, ItemCategory]
    tax_rules: dict[int, TaxRule]
    # The organizer's channels by position, type and identifier, as pretix orders them.
    sales_channels: list[SalesChannel]
    # The event's product meta data properties by name.
    meta_properties: list[ItemMetaProperty]

    def meta_data(self, item, variation=None) -> dict:
        """A product's (or variation's) meta data as pretix reads it: each property's
        default, overridden by the product's values, then by the variation's."""
        values = {p.name: p.default for p in self.meta_properties}
        values.update(item.meta_data or {})
        if variation is not None:
            values.update(variation.meta_data or {})
        return values


def load_products(session: Session, event: Event) -> Products:
    catalogue = load_catalogue(session, event.id)
    categories = session.scalars(select(ItemCategory).where(ItemCategory.event_id == event.id))
    tax_rules = session.scalars(select(TaxRule).where(TaxRule.event_id == event.id))
    channels = session.scalars(
        select(SalesChannel)
        .where(SalesChannel.organizer_id == event.organizer_id)
        .order_by(
            SalesChannel.position, SalesChannel.type, SalesChannel.identifier, SalesChannel.id
        )
    )
    properties = session.scalars(
        select(ItemMetaProperty)
        .where(ItemMetaProperty.event_id == event.id)
        .order_by(ItemMetaProperty.name, ItemMetaProperty.id)
    )
    return Products(
        items=catalogue.items,
        variations=catalogue.variations,
        categories={c.id: c for c in categories},
        tax_rules={r.id: r for r in tax_rules},
        sales_channels=list(channels),
        meta_properties=list(properties),
    )
