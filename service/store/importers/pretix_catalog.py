"""An event's catalogue for ``import-pretix``: the event itself, tax rules, categories,
products with variations, add-ons and bundles, meta properties, questions with options,
quotas and check-in lists."""

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select

from ..models import (
    CheckinList,
    Event,
    Gate,
    Item,
    ItemAddOn,
    ItemBundle,
    ItemCategory,
    ItemMetaProperty,
    ItemVariation,
    MembershipType,
    Question,
    QuestionOption,
    Quota,
    TaxRule,
    checkin_list_gates,
    checkin_list_items,
    question_items,
    quota_items,
    quota_variations,
)
from .pretix_context import Context, EventState
from .pretix_fetch import FetchedEvent
from .pretix_values import Obj

FROM_SETTINGS = ("name", "", "zipcode", "city", "state", "country", "tax_id", "vat_id")
CROSS_SELLING_MODES = ("both", "only")
QUESTION_TYPES = ("N", "S", "T", "B", "C", "M", "F", "D", "H", "W", "CC", "TEL")


def objects(event: FetchedEvent, name: str, label: str, key: str = "id") -> list[Obj]:
    endpoint = event.endpoints[name]
    return [
        Obj(endpoint, f"{label} {data.get(key) if isinstance(data, dict) else n}", data)
        for n, data in enumerate(event.lists[name])
    ]


def assign_ids(ctx: Context, events: list[FetchedEvent]) -> None:
    """Store ids for every catalogue object of every event, before any row is built."""
    for name, model in (
        ("taxrules", TaxRule),
        ("categories", ItemCategory),
        ("items", Item),
        ("item_meta_properties", ItemMetaProperty),
        ("questions", Question),
        ("quotas", Quota),
        ("checkinlists", CheckinList),
    ):
        ctx.ids.assign(model, [o.int("id") for e in events for o in objects(e, name, name)])
    ctx.ids.assign(
        ItemVariation,
        [
            v.int("id")
            for e in events
            for o in objects(e, "items", "product")
            for v in o.children("variations")
        ],
    )
    ctx.ids.assign(
        QuestionOption,
        [
            v.int("id")
            for e in events
            for o in objects(e, "questions", "question")
            for v in o.children("options")
        ],
    )


def write_event(ctx: Context, fetched: FetchedEvent, endpoint: str) -> EventState:
    """The event (found by slug, or new), with its time zone and currency."""
    o = Obj(endpoint, f"event {fetched.slug}", fetched.detail)
    settings = Obj(endpoint + "settings/", f"event {fetched.slug}", fetched.settings)
    locale = settings.str("locale", optional=True) or "en"
    zone = o.str("timezone", optional=True) or settings.str("timezone", optional=True)
    if not zone:
        o.refuse("timezone", "missing")
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        o.refuse("timezone", f"unknown time zone {zone!r}")
    currency = o.str("currency", optional=True) or settings.str("currency", optional=True)
    if not currency or len(currency) > 3:
        o.refuse("currency", f"not a currency code: {currency!r}")
    existing = ctx.session.scalar(
        select(Event.id).where(Event.organizer_id == ctx.organizer_id, Event.slug == fetched.slug)
    )
    row = {
        "id": existing or ctx.ids.fresh(Event),
        "organizer_id": ctx.organizer_id,
        "slug": o.str("slug", limit=50),
        "name": o.text("name", locale, optional=False, limit=200),
        "name_i18n": o.i18n("name"),
        "currency": currency,
        "timezone": zone,
        "date_from": o.datetime("date_from"),
        "date_to": o.datetime("date_to", optional=True),
        "date_admission": o.datetime("date_admission", optional=True),
        "presale_start": o.datetime("presale_start", optional=True),
        "presale_end": o.datetime("presale_end", optional=True),
        "location": o.text("location", locale),
        "live": o.bool("live", optional=True),
        "testmode": o.bool("testmode", optional=True),
        "is_public": o.bool("is_public", optional=True, default=True),
        "geo_lat": o.decimal("geo_lat", optional=True),
        "geo_lon": o.decimal("geo_lon", optional=True),
        "comment": o.str("comment", blank=True),
        "has_subevents": o.bool("has_subevents", optional=True),
        "plugins": o.json("plugins", list),
        "meta_data": o.json("meta_data"),
        "all_sales_channels": o.bool("all_sales_channels", optional=True, default=True),
        "limit_sales_channels": o.json("limit_sales_channels", list),
        "locales": settings.json("locales", list),
        "locale": settings.str("locale", optional=True, limit=16),
        "waiting_list_auto_disable": settings.str(
            "waiting_list_auto_disable", optional=True, limit=100
        ),
    }
    if row["slug"] != fetched.slug:
        o.refuse("slug", f"{row['slug']!r} answered for {fetched.slug!r}")
    for part in FROM_SETTINGS:
        key = "invoice_address_from" + (f"_{part}" if part else "")
        column = "invoice_from" + (f"_{part}" if part else "")
        row[column] = settings.str(key, blank=True)
    ctx.writer.upsert(Event, [row])
    state = EventState(id=row["id"], slug=fetched.slug, locale=locale)
    ctx.events[fetched.slug] = state
    return state


def write_catalogue(ctx: Context, event: FetchedEvent, state: EventState) -> None:
    _tax_rules(ctx, event, state)
    ids = ctx.ids
    categories = []
    for o in objects(event, "categories", "category"):
        categories.append(
            {
                "id": ids.of(ItemCategory)[o.int("id")],
                "event_id": state.id,
                "name": o.text("name", state.locale, optional=False, limit=200),
                "name_i18n": o.i18n("name"),
                "internal_name": o.str("internal_name", optional=True, limit=255),
                "description": o.text("description", state.locale),
                "position": o.int("position", optional=True) or 0,
                "is_addon": o.bool("is_addon", optional=True),
                "cross_selling_mode": o.choice(
                    "cross_selling_mode", CROSS_SELLING_MODES, optional=True
                ),
            }
        )
    ctx.writer.upsert(ItemCategory, categories)
    category_ids = {o.int("id") for o in objects(event, "categories", "category")}
    _items(ctx, event, state, category_ids)
    ctx.writer.upsert(
        ItemMetaProperty,
        [
            {
                "id": ids.of(ItemMetaProperty)[o.int("id")],
                "event_id": state.id,
                "name": o.str("name", limit=50),
                "default": o.str("default", blank=True),
                "required": o.bool("required", optional=True),
                "allowed_values": o.json("allowed_values", list),
            }
            for o in objects(event, "item_meta_properties", "meta property")
        ],
    )
    _questions(ctx, event, state)
    _quotas(ctx, event, state)
    _checkin_lists(ctx, event, state)


def _tax_rules(ctx: Context, event: FetchedEvent, state: EventState) -> None:
    rows = []
    for o in objects(event, "taxrules", "tax rule"):
        name = o.text("name", state.locale, limit=190)
        state.tax_rules[o.int("id")] = name
        custom = o.raw("custom_rules")
        rows.append(
            {
                "id": ctx.ids.of(TaxRule)[o.int("id")],
                "event_id": state.id,
                "internal_name": o.str("internal_name", optional=True, limit=190),
                "name": name,
                "name_i18n": o.i18n("name"),
                "rate": o.decimal("rate"),
                "price_includes_tax": o.bool("price_includes_tax", optional=True, default=True),
                "code": o.str("code", optional=True, limit=190),
                "default": o.bool("default", optional=True),
                "eu_reverse_charge": o.bool("eu_reverse_charge", optional=True),
                "home_country": o.str("home_country", blank=True, limit=2),
                "keep_gross_if_rate_changes": o.bool("keep_gross_if_rate_changes", optional=True),
                "custom_rules": custom if isinstance(custom, list) else None,
            }
        )
    ctx.writer.upsert(TaxRule, rows)


def _items(ctx: Context, event: FetchedEvent, state: EventState, categories: set[int]) -> None:
    ids = ctx.ids
    items, variations, addons, bundles = [], [], [], []
    products = objects(event, "items", "product")
    state.items = {o.int("id") for o in products}
    for o in products:
        for v in o.children("variations"):
            state.variations[v.int("id")] = o.int("id")
    for o in products:
        local = ids.of(Item)[o.int("id")]
        rule = o.int("tax_rule", optional=True)
        if rule is not None and rule not in state.tax_rules:
            o.refuse("tax_rule", f"unknown tax rule {rule}")
        items.append(
            {
                "id": local,
                "event_id": state.id,
                "category_id": ctx.ref(o, "category", ItemCategory, "category", categories),
                "name": o.text("name", state.locale, optional=False, limit=200),
                "name_i18n": o.i18n("name"),
                "internal_name": o.str("internal_name", optional=True, limit=200),
                "description": o.text("description", state.locale),
                "default_price": o.decimal("default_price"),
                "tax_rate": o.decimal("tax_rate", optional=True) or 0,
                "tax_name": state.tax_rules.get(rule, "")[:100],
                "tax_rule_id": ids.of(TaxRule).get(rule),
                "admission": o.bool("admission", optional=True),
                "personalized": o.bool("personalized", optional=True),
                "active": o.bool("active", optional=True, default=True),
                "position": o.int("position", optional=True) or 0,
                "available_from": o.datetime("available_from", optional=True),
                "available_until": o.datetime("available_until", optional=True),
                "min_per_order": o.int("min_per_order", optional=True),
                "max_per_order": o.int("max_per_order", optional=True),
                "all_sales_channels": o.bool("all_sales_channels", optional=True, default=True),
                "limit_sales_channels": o.json("limit_sales_channels", list),
                "free_price": o.bool("free_price", optional=True),
                "require_voucher": o.bool("require_voucher", optional=True),
                "hide_without_voucher": o.bool("hide_without_voucher", optional=True),
                "allow_cancel": o.bool("allow_cancel", optional=True, default=True),
                "require_bundling": o.bool("require_bundling", optional=True),
                "require_approval": o.bool("require_approval", optional=True),
                "checkin_attention": o.bool("checkin_attention", optional=True),
                "checkin_text": o.str("checkin_text", optional=True),
                "original_price": o.decimal("original_price", optional=True),
                "generate_tickets": o.raw("generate_tickets")
                if isinstance(o.raw("generate_tickets"), bool)
                else None,
                "allow_waitinglist": o.bool("allow_waitinglist", optional=True, default=True),
                "issue_giftcard": o.bool("issue_giftcard", optional=True),
                "require_membership": o.bool("require_membership", optional=True),
                "require_membership_hidden": o.bool("require_membership_hidden", optional=True),
                "require_membership_types": o.json("require_membership_types", list),
                "grant_membership_type_id": ctx.loose_ref(
                    o, "grant_membership_type", MembershipType, "membership type"
                ),
                "validity_mode": o.str("validity_mode", optional=True, limit=16),
                "validity_fixed_from": o.datetime("validity_fixed_from", optional=True),
                "validity_fixed_until": o.datetime("validity_fixed_until", optional=True),
                "media_policy": o.str("media_policy", optional=True, limit=16),
                "media_type": o.str("media_type", optional=True, limit=100),
                "meta_data": o.json("meta_data"),
            }
        )
        for v in o.children("variations"):
            variations.append(_variation(ctx, v, local, state.locale))
        for n, a in enumerate(o.children("addons")):
            addons.append(
                {
                    "id": ids.fresh(ItemAddOn),
                    "base_item_id": local,
                    "addon_category_id": ctx.ref(
                        a, "addon_category", ItemCategory, "category", categories
                    ),
                    "min_count": a.int("min_count", optional=True) or 0,
                    "max_count": a.int("max_count", optional=True) or 0,
                    "position": a.int("position", optional=True) or n,
                    "price_included": a.bool("price_included", optional=True),
                    "multi_allowed": a.bool("multi_allowed", optional=True),
                }
            )
        for b in o.children("bundles"):
            bundled = ctx.ref(b, "bundled_item", Item, "product", state.items)
            variation = b.int("bundled_variation", optional=True)
            if variation is not None and state.variations.get(variation) != b.int("bundled_item"):
                b.refuse("bundled_variation", f"unknown variation {variation} of the product")
            bundles.append(
                {
                    "id": ids.fresh(ItemBundle),
                    "base_item_id": local,
                    "bundled_item_id": bundled,
                    "bundled_variation_id": ids.of(ItemVariation).get(variation),
                    "count": b.int("count", optional=True) or 1,
                    "designated_price": b.decimal("designated_price", optional=True) or 0,
                }
            )
    ctx.writer.upsert(Item, items)
    ctx.writer.upsert(ItemVariation, variations)
    parents = [row["id"] for row in items]
    ctx.writer.replace(ItemAddOn.__table__, "base_item_id", parents, addons)
    ctx.writer.replace(ItemBundle.__table__, "base_item_id", parents, bundles)


def _variation(ctx: Context, v: Obj, item_id: int, locale: str) -> dict:
    return {
        "id": ctx.ids.of(ItemVariation)[v.int("id")],
        "item_id": item_id,
        "value": v.text("value", locale, optional=False, limit=200),
        "value_i18n": v.i18n("value"),
        "description": v.text("description", locale),
        "default_price": v.decimal("default_price", optional=True),
        "active": v.bool("active", optional=True, default=True),
        "position": v.int("position", optional=True) or 0,
        "original_price": v.decimal("original_price", optional=True),
        "require_approval": v.bool("require_approval", optional=True),
        "require_membership": v.bool("require_membership", optional=True),
        "require_membership_hidden": v.bool("require_membership_hidden", optional=True),
        "checkin_attention": v.bool("checkin_attention", optional=True),
        "checkin_text": v.str("checkin_text", optional=True),
        "available_from": v.datetime("available_from", optional=True),
        "available_until": v.datetime("available_until", optional=True),
        "all_sales_channels": v.bool("all_sales_channels", optional=True, default=True),
        "limit_sales_channels": v.json("limit_sales_channels", list),
        "hide_without_voucher": v.bool("hide_without_voucher", optional=True),
        "meta_data": v.json("meta_data"),
    }


def _questions(ctx: Context, event: FetchedEvent, state: EventState) -> None:
    ids = ctx.ids
    questions, options, links, dependencies = [], [], [], []
    found = objects(event, "questions", "question")
    known = {o.int("id") for o in found}
    for o in found:
        local = ids.of(Question)[o.int("id")]
        state.questions[o.int("id")] = o.choice("type", QUESTION_TYPES)
        questions.append(
            {
                "id": local,
                "event_id": state.id,
                "question": o.text("question", state.locale, optional=False),
                "question_i18n": o.i18n("question"),
                "identifier": o.str("identifier", limit=190),
                "type": o.choice("type", QUESTION_TYPES),
                "required": o.bool("required", optional=True),
                "position": o.int("position", optional=True) or 0,
                "hidden": o.bool("hidden", optional=True),
                "ask_during_checkin": o.bool("ask_during_checkin", optional=True),
                "help_text": o.text("help_text", state.locale),
                "show_during_checkin": o.bool("show_during_checkin", optional=True),
                "print_on_invoice": o.bool("print_on_invoice", optional=True),
                "dependency_question_id": None,
                "dependency_values": o.json("dependency_values", list),
            }
        )
        dependency = ctx.ref(o, "dependency_question", Question, "question", known)
        dependencies.append({"id": local, "dependency_question_id": dependency})
        for n, item in enumerate(o.ints("items")):
            if item not in state.items:
                o.refuse(f"items[{n}]", f"unknown product {item}")
            links.append({"question_id": local, "item_id": ids.of(Item)[item]})
        for v in o.children("options"):
            state.options[v.int("id")] = o.int("id")
            options.append(
                {
                    "id": ids.of(QuestionOption)[v.int("id")],
                    "question_id": local,
                    "identifier": v.str("identifier", limit=190),
                    "answer": v.text("answer", state.locale, optional=False),
                    "answer_i18n": v.i18n("answer"),
                    "position": v.int("position", optional=True) or 0,
                }
            )
    ctx.writer.upsert(Question, questions)
    ctx.writer.update(Question, dependencies)
    ctx.writer.upsert(QuestionOption, options)
    parents = [row["id"] for row in questions]
    ctx.writer.replace(question_items, "question_id", parents, links)


def _quotas(ctx: Context, event: FetchedEvent, state: EventState) -> None:
    ids = ctx.ids
    quotas, items, variations = [], [], []
    for o in objects(event, "quotas", "quota"):
        local = ids.of(Quota)[o.int("id")]
        quotas.append(
            {
                "id": local,
                "event_id": state.id,
                "name": o.str("name", limit=200),
                "size": o.int("size", optional=True),
                "closed": o.bool("closed", optional=True),
                "close_when_sold_out": o.bool("close_when_sold_out", optional=True),
                "release_after_exit": o.bool("release_after_exit", optional=True),
                "ignore_for_event_availability": o.bool(
                    "ignore_for_event_availability", optional=True
                ),
            }
        )
        for n, item in enumerate(o.ints("items")):
            if item not in state.items:
                o.refuse(f"items[{n}]", f"unknown product {item}")
            items.append({"quota_id": local, "item_id": ids.of(Item)[item]})
        for n, variation in enumerate(o.ints("variations")):
            if variation not in state.variations:
                o.refuse(f"variations[{n}]", f"unknown variation {variation}")
            variations.append({"quota_id": local, "variation_id": ids.of(ItemVariation)[variation]})
    ctx.writer.upsert(Quota, quotas)
    parents = [row["id"] for row in quotas]
    ctx.writer.replace(quota_items, "quota_id", parents, items)
    ctx.writer.replace(quota_variations, "quota_id", parents, variations)


def _checkin_lists(ctx: Context, event: FetchedEvent, state: EventState) -> None:
    ids = ctx.ids
    lists, products, gates = [], [], []
    for o in objects(event, "checkinlists", "check-in list"):
        local = ids.of(CheckinList)[o.int("id")]
        state.lists.add(o.int("id"))
        rules = o.raw("rules")
        lists.append(
            {
                "id": local,
                "event_id": state.id,
                "name": o.str("name", limit=190),
                "all_products": o.bool("all_products", optional=True, default=True),
                "include_pending": o.bool("include_pending", optional=True),
                "allow_multiple_entries": o.bool("allow_multiple_entries", optional=True),
                "allow_entry_after_exit": o.bool(
                    "allow_entry_after_exit", optional=True, default=True
                ),
                "addon_match": o.bool("addon_match", optional=True),
                "ignore_in_statistics": o.bool("ignore_in_statistics", optional=True),
                "consider_tickets_used": o.bool(
                    "consider_tickets_used", optional=True, default=True
                ),
                "exit_all_at": o.datetime("exit_all_at", optional=True),
                "rules": rules if isinstance(rules, dict) and rules else None,
            }
        )
        for n, item in enumerate(o.ints("limit_products")):
            if item not in state.items:
                o.refuse(f"limit_products[{n}]", f"unknown product {item}")
            products.append({"list_id": local, "item_id": ids.of(Item)[item]})
        for gate in o.ints("gates"):
            gates.append({"list_id": local, "gate_id": ids.of(Gate)[gate]})
    ctx.writer.upsert(CheckinList, lists)
    parents = [row["id"] for row in lists]
    ctx.writer.replace(checkin_list_items, "list_id", parents, products)
    ctx.writer.replace(checkin_list_gates, "list_id", parents, gates)
