"""``itemdata``, "Product data": the event's catalogue as pretix's ``ItemDataExporter`` writes
it, one row per product without variations and one per variation of the others, in shop
order (category, then position).

Columns and cells are pretix's: a name and a variation column per language of the event (in
its order), texts of categories, tax rules and sales channels in the event's language,
"Yes" or an empty cell for a flag ("Default" for tickets that follow the event's setting),
empty cells for values not set, short date-times in the event's time zone, and a column per
product meta data property after pretix's own. A variation row merges what pretix merges:
the later start and the earlier end of sale, the channels both allow, and flags either sets.
It shows no order data, so it needs no order permission.
"""

from collections.abc import Iterator

from ..store.product_queries import Products, load_products
from . import register
from .base import ListExporter
from .base_types import Table
from .i18n_strings import event_languages, export_language, localize
from .localtime import EventClock
from .pretix_formats import short_datetime
from .pretix_texts import describe_category, describe_tax_rule

YES = "Yes"
# The columns between the names and the meta data properties.
FLAG_COLUMNS = [
    "Active",
    "Sales channels",
    "Default price",
    "Free price input",
    "Sales tax",
    "Is an admission ticket",
    "Personalized ticket",
    "Generate tickets",
    "Waiting list",
    "Available from",
    "Available until",
    "This product can only be bought using a voucher.",
    "This product will only be shown if a voucher matching the product is redeemed.",
    "Buying this product requires approval",
    "Only sell this product as part of a bundle",
    "Allow product to be canceled or changed",
    "Minimum amount per order",
    "Maximum amount per order",
    "Requires special attention",
    "Check-in text",
    "Original price",
    "This product is a gift card",
    "Require a valid membership",
    "Hide without a valid membership",
]


def columns(languages: list[str], properties: list[str]) -> list[str]:
    return [
        "Product ID",
        "Variation ID",
        "Product category",
        "Internal name",
        *(f"Item name ({language})" for language in languages),
        *(f"Variation ({language})" for language in languages),
        *FLAG_COLUMNS,
        *properties,
    ]


def flag(value) -> str:
    return YES if value else ""


def later(first, second):
    """pretix's ``_max``: the later of two moments, or whichever is set."""
    return max(first, second) if first and second else first or second


def earlier(first, second):
    return min(first, second) if first and second else first or second


@register
class ItemDataExporter(ListExporter):
    identifier = "itemdata"
    verbose_name = "Product data"
    description = (
        "Every product and variation with its names in each of the event's languages, "
        "price, tax rule, sales channels, sale period and settings: to check the shop's "
        "settings or plan the catalogue."
    )
    required_permission = None
    file_stem = "products"

    def table(self, form: dict) -> Table:
        event = self.scope.events[0]
        products = load_products(self.session, event)
        languages = event_languages(event)
        header = columns(languages, [p.name for p in products.meta_properties])
        rows = ItemRows(products, event, languages)
        total = sum(len(products.variations.get(i.id, ())) or 1 for i in products.items)
        return Table(header, total, rows.rows())


class ItemRows:
    def __init__(self, products: Products, event, languages: list[str]) -> None:
        self.products = products
        self.event = event
        self.languages = languages
        self.language = export_language(event)
        self.clock = EventClock([event])

    def rows(self) -> Iterator[list]:
        for item in self.products.items:
            for variation in self.products.variations.get(item.id) or [None]:
                yield self.row(item, variation)

    def row(self, item, variation) -> list:
        v = variation
        available_from = later(item.available_from, v and v.available_from)
        available_until = earlier(item.available_until, v and v.available_until)
        price = item.default_price
        if v is not None and v.default_price is not None:
            price = v.default_price
        meta = self.products.meta_data(item, v)
        return [
            item.id,
            v.id if v else "",
            self.category(item.category_id),
            item.internal_name or "",
            *(localize(item.name_i18n, lang, item.name) for lang in self.languages),
            *(localize(v.value_i18n, lang, v.value) if v else "" for lang in self.languages),
            flag(item.active and (v is None or v.active)),
            ", ".join(self.channels(item, v)),
            price,
            flag(item.free_price),
            self.tax_rule(item.tax_rule_id),
            flag(item.admission),
            flag(item.personalized),
            "Default" if item.generate_tickets is None else flag(item.generate_tickets),
            flag(item.allow_waitinglist),
            self.moment(available_from),
            self.moment(available_until),
            flag(item.require_voucher),
            flag(item.hide_without_voucher or (v and v.hide_without_voucher)),
            flag(item.require_approval or (v and v.require_approval)),
            flag(item.require_bundling),
            flag(item.allow_cancel),
            "" if item.min_per_order is None else item.min_per_order,
            "" if item.max_per_order is None else item.max_per_order,
            flag(item.checkin_attention),
            item.checkin_text or "",
            (v and v.original_price) or item.original_price or "",
            flag(item.issue_giftcard),
            flag(item.require_membership or (v and v.require_membership)),
            flag(item.require_membership_hidden or (v and v.require_membership_hidden)),
            *(meta.get(p.name, "") for p in self.products.meta_properties),
        ]

    def category(self, category_id: int | None) -> str:
        category = self.products.categories.get(category_id)
        if category is None:
            return ""
        name = localize(category.name_i18n, self.language, category.name)
        return describe_category(
            name, category.internal_name, category.is_addon, category.cross_selling_mode
        )

    def tax_rule(self, rule_id: int | None) -> str:
        rule = self.products.tax_rules.get(rule_id)
        if rule is None:
            return ""
        name = localize(rule.name_i18n, self.language, rule.name)
        return describe_tax_rule(
            rule.internal_name, name, rule.rate, rule.price_includes_tax, rule.eu_reverse_charge
        )

    def channels(self, item, variation) -> Iterator[str]:
        """The organizer's channels the product (and the variation) may be sold on."""
        for channel in self.products.sales_channels:
            if not item.all_sales_channels and channel.identifier not in (
                item.limit_sales_channels or ()
            ):
                continue
            if (
                variation is not None
                and not variation.all_sales_channels
                and channel.identifier not in (variation.limit_sales_channels or ())
            ):
                continue
            yield localize(channel.label_i18n, self.language, channel.label)

    def moment(self, value) -> str:
        return short_datetime(self.clock.local_or_none(self.event.id, value))
