"""An event's catalogue in pretix's "Order data (JSON)" file: meta data, categories,
products with their variations, questions and quotas, with pretix's keys, their order and
the order of the lists (each model's default ordering in pretix)."""

from collections import defaultdict

from sqlalchemy import select

from ..store.models import (
    Event,
    EventMetaProperty,
    Item,
    ItemCategory,
    ItemMetaProperty,
    ItemVariation,
    Question,
    Quota,
    SalesChannel,
    TaxRule,
    quota_items,
    quota_variations,
)
from .json_values import NO_TAX_RULE_RATE, meta_data, money, rate, utc


class Catalogue:
    """Reads one event's catalogue; each method gives one list of pretix's file."""

    def __init__(self, session, event: Event) -> None:
        self.session = session
        self.event = event

    def event_meta_data(self) -> dict[str, str]:
        defaults = dict(
            self.session.execute(
                select(EventMetaProperty.name, EventMetaProperty.default).where(
                    EventMetaProperty.organizer_id == self.event.organizer_id
                )
            ).all()
        )
        return meta_data(defaults, self.event.meta_data)

    def categories(self) -> list[dict]:
        rows = self.session.scalars(
            select(ItemCategory)
            .where(ItemCategory.event_id == self.event.id)
            .order_by(ItemCategory.position, ItemCategory.id)
        )
        return [
            {
                "id": c.id,
                "name": c.name,
                "description": c.description or "",
                "position": c.position,
                "internal_name": c.internal_name,
            }
            for c in rows
        ]

    def _items_in_order(self) -> list[Item]:
        """pretix orders products by their category's position, the category, their own
        position and id; products without a category come last (PostgreSQL's place for
        NULL in an ascending order)."""
        positions = dict(
            self.session.execute(
                select(ItemCategory.id, ItemCategory.position).where(
                    ItemCategory.event_id == self.event.id
                )
            ).all()
        )
        items = self.session.scalars(select(Item).where(Item.event_id == self.event.id)).all()

        def key(item: Item) -> tuple:
            category = item.category_id
            return (
                category is None,
                positions.get(category, 0),
                category or 0,
                item.position,
                item.id,
            )

        return sorted(items, key=key)

    def _sales_channels(self) -> list[str]:
        """The organizer's channels in pretix's order: position, type, identifier, id."""
        return list(
            self.session.scalars(
                select(SalesChannel.identifier)
                .where(SalesChannel.organizer_id == self.event.organizer_id)
                .order_by(
                    SalesChannel.position,
                    SalesChannel.type,
                    SalesChannel.identifier,
                    SalesChannel.id,
                )
            )
        )

    def items(self) -> list[dict]:
        items = self._items_in_order()
        variations = defaultdict(list)
        for variation in self.session.scalars(
            select(ItemVariation)
            .where(ItemVariation.item_id.in_([i.id for i in items]))
            .order_by(ItemVariation.position, ItemVariation.id)
        ):
            variations[variation.item_id].append(variation)
        rules = {
            r.id: r
            for r in self.session.execute(
                select(TaxRule.id, TaxRule.rate, TaxRule.name).where(
                    TaxRule.event_id == self.event.id
                )
            )
        }
        defaults = dict(
            self.session.execute(
                select(ItemMetaProperty.name, ItemMetaProperty.default).where(
                    ItemMetaProperty.event_id == self.event.id
                )
            ).all()
        )
        channels = self._sales_channels()
        return [
            self._item(item, variations[item.id], rules.get(item.tax_rule_id), defaults, channels)
            for item in items
        ]

    @staticmethod
    def _channels_of(product, channels: list[str]) -> list[str]:
        if product.all_sales_channels:
            return channels
        chosen = set(product.limit_sales_channels or ())
        return [c for c in channels if c in chosen]

    def _item(self, item: Item, variations, rule, defaults, channels) -> dict:
        item_meta = meta_data(defaults, item.meta_data)
        return {
            "id": item.id,
            "position": item.position,
            "name": item.name,
            "internal_name": str(item.internal_name),
            "category": item.category_id,
            "price": money(item.default_price),
            "tax_rate": rate(rule.rate) if rule else NO_TAX_RULE_RATE,
            "tax_name": rule.name if rule else None,
            "admission": item.admission,
            "personalized": item.personalized,
            "active": item.active,
            "sales_channels": self._channels_of(item, channels),
            "description": item.description or "",
            "available_from": utc(item.available_from),
            "available_until": utc(item.available_until),
            "require_voucher": item.require_voucher,
            "hide_without_voucher": item.hide_without_voucher,
            "allow_cancel": item.allow_cancel,
            "require_bundling": item.require_bundling,
            "min_per_order": item.min_per_order,
            "max_per_order": item.max_per_order,
            "checkin_attention": item.checkin_attention,
            "checkin_text": item.checkin_text,
            "original_price": money(item.original_price),
            "issue_giftcard": item.issue_giftcard,
            "meta_data": item_meta,
            "require_membership": item.require_membership,
            "variations": [
                {
                    "id": v.id,
                    "active": v.active,
                    "price": money(
                        v.default_price if v.default_price is not None else item.default_price
                    ),
                    "name": v.value,
                    "description": v.description or "",
                    "position": v.position,
                    "checkin_attention": v.checkin_attention,
                    "checkin_text": v.checkin_text,
                    "require_approval": v.require_approval,
                    "require_membership": v.require_membership,
                    "sales_channels": self._channels_of(v, channels),
                    "available_from": utc(v.available_from),
                    "available_until": utc(v.available_until),
                    "hide_without_voucher": v.hide_without_voucher,
                    "meta_data": meta_data(item_meta, v.meta_data),
                }
                for v in variations
            ],
        }

    def questions(self) -> list[dict]:
        rows = self.session.scalars(
            select(Question)
            .where(Question.event_id == self.event.id)
            .order_by(Question.position, Question.id)
        )
        return [
            {
                "id": q.id,
                "identifier": q.identifier,
                "required": q.required,
                "question": q.question,
                "position": q.position,
                "hidden": q.hidden,
                "ask_during_checkin": q.ask_during_checkin,
                "help_text": q.help_text or "",
                "type": q.type,
            }
            for q in rows
        ]

    def quotas(self) -> list[dict]:
        """By name, as pretix orders quotas; a quota's products in the products' order,
        its variations by position and id."""
        quotas = self.session.execute(
            select(Quota.id, Quota.size)
            .where(Quota.event_id == self.event.id)
            .order_by(Quota.name, Quota.id)
        ).all()
        ids = [q.id for q in quotas]
        rank = {item.id: index for index, item in enumerate(self._items_in_order())}
        items, variations = defaultdict(list), defaultdict(list)
        for quota_id, item_id in self.session.execute(
            select(quota_items.c.quota_id, quota_items.c.item_id).where(
                quota_items.c.quota_id.in_(ids)
            )
        ):
            items[quota_id].append(item_id)
        for quota_id, variation_id in self.session.execute(
            select(quota_variations.c.quota_id, quota_variations.c.variation_id)
            .join(ItemVariation, ItemVariation.id == quota_variations.c.variation_id)
            .where(quota_variations.c.quota_id.in_(ids))
            .order_by(ItemVariation.position, ItemVariation.id)
        ):
            variations[quota_id].append(variation_id)
        return [
            {
                "id": q.id,
                "size": q.size,
                "subevent": None,
                "items": sorted(items[q.id], key=lambda i: rank.get(i, len(rank))),
                "variations": variations[q.id],
            }
            for q in quotas
        ]
