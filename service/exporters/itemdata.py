"""``itemdata``, "Product data": the event's catalogue as pretix's ``ItemDataExporter`` lists it,
one row per product without variations and one per variation of the others.

Columns keep pretix's names and order where the store has the field (our products have one
name, so there is one "Item name" column rather than one per locale); ``Tax rate`` and
``Quotas`` are ours. Booleans are "Yes"/"No" like the order list, where pretix leaves "No"
cells empty. It shows no order data, so it needs no order permission.
"""

from collections.abc import Iterator

from ..store.catalog_queries import Catalogue, load_catalogue
from . import register
from .base import ListExporter
from .base_types import Table
from .localtime import EventClock
from .orderlist import yes_no

COLUMNS = [
    "Product ID",
    "Variation ID",
    "Product category",
    "Internal name",
    "Item name",
    "Variation",
    "Active",
    "Default price",
    "Sales tax",
    "Tax rate",
    "Is an admission ticket",
    "Personalized ticket",
    "Available from",
    "Available until",
    "Minimum amount per order",
    "Maximum amount per order",
    "Quotas",
]


@register
class ItemDataExporter(ListExporter):
    identifier = "itemdata"
    verbose_name = "Product data"
    description = (
        "Every product and variation with its price, tax rate, quotas and whether it is active: "
        "to check the shop's settings or plan the catalogue."
    )
    required_permission = None
    file_stem = "products"

    def table(self, form: dict) -> Table:
        event = self.scope.events[0]
        catalogue = load_catalogue(self.session, event.id)
        total = sum(len(catalogue.variations.get(i.id, ())) or 1 for i in catalogue.items)
        return Table(COLUMNS, total, self._rows(catalogue, EventClock([event]), event.id))

    def _rows(self, catalogue: Catalogue, clock: EventClock, event_id: int) -> Iterator[list]:
        for item in catalogue.items:
            variations = catalogue.variations.get(item.id) or [None]
            for variation in variations:
                price = item.default_price
                if variation is not None and variation.default_price is not None:
                    price = variation.default_price
                active = item.active and (variation is None or variation.active)
                yield [
                    item.id,
                    variation.id if variation else None,
                    catalogue.categories.get(item.category_id, ""),
                    item.internal_name or "",
                    item.name,
                    variation.value if variation else "",
                    yes_no(active),
                    price,
                    item.tax_name,
                    item.tax_rate,
                    yes_no(item.admission),
                    yes_no(item.personalized),
                    clock.local_or_none(event_id, item.available_from),
                    clock.local_or_none(event_id, item.available_until),
                    item.min_per_order,
                    item.max_per_order,
                    ", ".join(catalogue.quota_names(item.id, variation.id if variation else None)),
                ]
