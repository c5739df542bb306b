"""Organizer-level objects of ``import-pretix``: sales channels, meta properties, devices,
gates, customers, membership types and memberships, gift cards with their transactions,
and reusable media."""

from sqlalchemy import select

from ..models import (
    Customer,
    Device,
    EventMetaProperty,
    Gate,
    GiftCard,
    GiftCardTransaction,
    Membership,
    MembershipType,
    OrderPayment,
    OrderPosition,
    ReusableMedium,
    SalesChannel,
    reusable_medium_positions,
)
from .pretix_context import Context
from .pretix_fetch import Fetched
from .pretix_values import Obj

LOCALE = "en"


def objects(fetched: Fetched, name: str, label: str, key: str = "id") -> list[Obj]:
    endpoint = fetched.endpoints[name]
    return [
        Obj(endpoint, f"{label} {data.get(key) if isinstance(data, dict) else n}", data)
        for n, data in enumerate(fetched.lists[name])
    ]


def assign_ids(ctx: Context, fetched: Fetched) -> None:
    for name, model, key in (
        ("event_meta_properties", EventMetaProperty, "id"),
        ("devices", Device, "device_id"),
        ("membershiptypes", MembershipType, "id"),
        ("memberships", Membership, "id"),
        ("giftcards", GiftCard, "id"),
        ("reusablemedia", ReusableMedium, "id"),
    ):
        ctx.ids.assign(model, [o.int(key) for o in objects(fetched, name, name, key)])
    remote = [
        Obj(fetched.endpoints["giftcards"], f"gift card {card}", t).int("id")
        for card, transactions in fetched.giftcard_transactions.items()
        for t in transactions
    ]
    ctx.ids.assign(GiftCardTransaction, remote)


def write_before_events(ctx: Context, fetched: Fetched) -> None:
    """What events refer to: sales channels, devices and gates, customers, membership
    types, gift cards (their owner tickets come later)."""
    _sales_channels(ctx, fetched)
    ctx.writer.upsert(
        EventMetaProperty,
        [
            {
                "id": ctx.ids.of(EventMetaProperty)[o.int("id")],
                "organizer_id": ctx.organizer_id,
                "name": o.str("name", limit=50),
                "default": o.str("default", blank=True),
                "required": o.bool("required", optional=True),
                "allowed_values": o.json("allowed_values", list),
            }
            for o in objects(fetched, "event_meta_properties", "meta property")
        ],
    )
    _gates(ctx, fetched)
    ctx.writer.upsert(
        Device, [_device(ctx, o) for o in objects(fetched, "devices", "device", "device_id")]
    )
    _customers(ctx, fetched)
    ctx.writer.upsert(
        MembershipType,
        [
            {
                "id": ctx.ids.of(MembershipType)[o.int("id")],
                "organizer_id": ctx.organizer_id,
                "name": o.text("name", LOCALE, optional=False, limit=190),
                "name_i18n": o.i18n("name"),
                "transferable": o.bool("transferable", optional=True),
                "allow_parallel_usage": o.bool("allow_parallel_usage", optional=True),
                "max_usages": o.int("max_usages", optional=True),
            }
            for o in objects(fetched, "membershiptypes", "membership type")
        ],
    )
    ctx.writer.upsert(
        GiftCard, [_giftcard(ctx, o) for o in objects(fetched, "giftcards", "gift card")]
    )


def _sales_channels(ctx: Context, fetched: Fetched) -> None:
    existing = dict(
        ctx.session.execute(
            select(SalesChannel.identifier, SalesChannel.id).where(
                SalesChannel.organizer_id == ctx.organizer_id
            )
        ).all()
    )
    rows = []
    for o in objects(fetched, "saleschannels", "sales channel", "identifier"):
        identifier = o.str("identifier", limit=190)
        rows.append(
            {
                "id": existing.get(identifier) or ctx.ids.fresh(SalesChannel),
                "organizer_id": ctx.organizer_id,
                "identifier": identifier,
                "type": o.str("type", optional=True) or identifier,
                "label": o.text("label", LOCALE, limit=200),
                "label_i18n": o.i18n("label"),
                "position": o.int("position", optional=True) or 0,
            }
        )
    ctx.writer.upsert(SalesChannel, rows)


def _gates(ctx: Context, fetched: Fetched) -> None:
    """pretix's answers name gates by id only (scans, devices, check-in lists); gates new
    to the store are made with an empty name, known ones are left as they are."""
    remote = set()
    for event in fetched.events:
        endpoint = event.endpoints["checkins"]
        for data in event.lists["checkins"]:
            gate = Obj(endpoint, f"check-in {data.get('id')}", data).int("gate", optional=True)
            if gate is not None:
                remote.add(gate)
        endpoint = event.endpoints["checkinlists"]
        for data in event.lists["checkinlists"]:
            remote.update(Obj(endpoint, f"check-in list {data.get('id')}", data).ints("gates"))
    for o in objects(fetched, "devices", "device", "device_id"):
        gate = o.int("gate", optional=True)
        if gate is not None:
            remote.add(gate)
    mapping = ctx.ids.assign(Gate, sorted(remote))
    existing = ctx.writer.existing_ids(Gate, list(mapping.values()))
    new = [
        {"id": local, "organizer_id": ctx.organizer_id, "name": "", "identifier": ""}
        for local in mapping.values()
        if local not in existing
    ]
    ctx.writer.upsert(Gate, new)


def _device(ctx: Context, o: Obj) -> dict:
    return {
        "id": ctx.ids.of(Device)[o.int("device_id")],
        "organizer_id": ctx.organizer_id,
        "name": o.str("name", limit=190),
        "unique_serial": o.str("unique_serial", blank=True, limit=190),
        "all_events": o.bool("all_events", optional=True),
        "limit_events": o.json("limit_events", list),
        "revoked": o.bool("revoked", optional=True),
        "created": o.datetime("created", optional=True),
        "initialized": o.datetime("initialized", optional=True),
        "hardware_brand": o.str("hardware_brand", optional=True, limit=190),
        "hardware_model": o.str("hardware_model", optional=True, limit=190),
        "os_name": o.str("os_name", optional=True, limit=190),
        "os_version": o.str("os_version", optional=True, limit=190),
        "software_brand": o.str("software_brand", optional=True, limit=190),
        "software_version": o.str("software_version", optional=True, limit=190),
        "security_profile": o.str("security_profile", optional=True, limit=190),
        "gate_id": ctx.ref(o, "gate", Gate, "gate"),
    }


def _customers(ctx: Context, fetched: Fetched) -> None:
    """Customers are named by ``identifier``; the store numbers new ones itself."""
    existing = dict(
        ctx.session.execute(
            select(Customer.identifier, Customer.id).where(
                Customer.organizer_id == ctx.organizer_id
            )
        ).all()
    )
    rows = []
    for o in objects(fetched, "customers", "customer", "identifier"):
        identifier = o.str("identifier", limit=190)
        if identifier in ctx.customers:
            o.refuse("identifier", "listed twice")
        local = existing.get(identifier) or ctx.ids.fresh(Customer)
        ctx.customers[identifier] = local
        rows.append(
            {
                "id": local,
                "organizer_id": ctx.organizer_id,
                "identifier": identifier,
                "external_identifier": o.str("external_identifier", optional=True, limit=255),
                "provider": _provider(o),
                "email": o.str("email", optional=True, limit=254),
                "phone": o.str("phone", optional=True, limit=64),
                "name": o.str("name", blank=True, limit=255),
                "name_parts": o.json("name_parts"),
                "is_active": o.bool("is_active", optional=True, default=True),
                "is_verified": o.bool("is_verified", optional=True),
                "last_login": o.datetime("last_login", optional=True),
                "date_joined": o.datetime("date_joined"),
                "last_modified": o.datetime("last_modified", optional=True),
                "locale": o.str("locale", optional=True, limit=50) or "en",
                "notes": o.str("notes", optional=True),
            }
        )
    for identifier, local in existing.items():
        ctx.customers.setdefault(identifier, local)
    ctx.writer.upsert(Customer, rows)


def _provider(o: Obj) -> str | None:
    """The SSO provider, which pretix gives as an id or an object with a name."""
    value = o.raw("provider")
    if isinstance(value, dict):
        return str(value.get("name") or value.get("id") or "")[:190] or None
    return None if value is None else str(value)[:190]


def _giftcard(ctx: Context, o: Obj) -> dict:
    return {
        "id": ctx.ids.of(GiftCard)[o.int("id")],
        "organizer_id": ctx.organizer_id,
        "secret": o.str("secret", limit=190),
        "issuance": o.datetime("issuance"),
        "value": o.decimal("value"),
        "currency": o.str("currency", limit=10),
        "testmode": o.bool("testmode", optional=True),
        "expires": o.datetime("expires", optional=True),
        "conditions": o.str("conditions", optional=True),
    }


def write_after_events(ctx: Context, fetched: Fetched) -> None:
    """What refers to orders and tickets: gift cards' owner tickets and transactions,
    memberships, reusable media."""
    owners = []
    for o in objects(fetched, "giftcards", "gift card"):
        owner = ctx.loose_ref(o, "owner_ticket", OrderPosition, "ticket")
        owners.append({"id": ctx.ids.of(GiftCard)[o.int("id")], "owner_ticket_id": owner})
    ctx.writer.update(GiftCard, owners)
    _giftcard_transactions(ctx, fetched)
    ctx.writer.upsert(
        Membership, [_membership(ctx, o) for o in objects(fetched, "memberships", "membership")]
    )
    _media(ctx, fetched)


def _giftcard_transactions(ctx: Context, fetched: Fetched) -> None:
    endpoint = fetched.endpoints["giftcards"]
    endpoint = endpoint.rsplit("/giftcards/", 1)[0] + "/giftcards/{id}/transactions/"
    by_card = _giftcard_payments(ctx)
    rows = []
    for card, transactions in fetched.giftcard_transactions.items():
        for data in transactions:
            o = Obj(endpoint.format(id=card), f"transaction {data.get('id')}", data)
            value = o.decimal("value")
            event_id, order_id = _order_of(ctx, o)
            card_id = ctx.ids.of(GiftCard)[card]
            payment_id = None
            if order_id is not None and value < 0:
                payment_id = by_card.get((card_id, order_id, -value))
            rows.append(
                {
                    "id": ctx.ids.of(GiftCardTransaction)[o.int("id")],
                    "card_id": card_id,
                    "datetime": o.datetime("datetime"),
                    "value": value,
                    "event_id": event_id,
                    "order_id": order_id,
                    "payment_id": payment_id,
                    "refund_id": None,
                    "text": o.str("text", optional=True),
                    "info": o.json("info"),
                    "acceptor": o.str("acceptor", optional=True, limit=50),
                }
            )
    ctx.writer.upsert(GiftCardTransaction, rows)


def _giftcard_payments(ctx: Context) -> dict:
    """(card, order, amount) → the payment that redeemed it: pretix's answers do not link a
    card's transaction to its payment, the amounts do."""
    rows = ctx.session.execute(
        select(
            OrderPayment.giftcard_id, OrderPayment.order_id, OrderPayment.amount, OrderPayment.id
        )
        .where(OrderPayment.giftcard_id.is_not(None))
        .order_by(OrderPayment.id)
    )
    found = {}
    for card, order, amount, payment in rows:
        found.setdefault((card, order, amount), payment)
    return found


def _order_of(ctx: Context, o: Obj) -> tuple[int | None, int | None]:
    """The event and order a transaction names by slug and code."""
    slug = o.str("event", optional=True)
    code = o.str("order", optional=True)
    event = ctx.events.get(slug) if slug else None
    if slug and event is None:
        from ..models import Event, Order

        event_id = ctx.session.scalar(
            select(Event.id).where(Event.organizer_id == ctx.organizer_id, Event.slug == slug)
        )
        if event_id is None and ctx.complete:
            o.refuse("event", f"unknown event {slug!r}")
        order_id = None
        if event_id is not None and code:
            order_id = ctx.session.scalar(
                select(Order.id).where(Order.event_id == event_id, Order.code == code)
            )
        return event_id, order_id
    if event is None:
        return None, None
    if code and code not in event.orders:
        o.refuse("order", f"unknown order {code!r} of {slug}")
    return event.id, event.orders.get(code) if code else None


def _membership(ctx: Context, o: Obj) -> dict:
    customer = o.str("customer")
    if customer not in ctx.customers:
        o.refuse("customer", f"unknown customer {customer!r}")
    return {
        "id": ctx.ids.of(Membership)[o.int("id")],
        "customer_id": ctx.customers[customer],
        "membership_type_id": ctx.ref(o, "membership_type", MembershipType, "membership type"),
        "testmode": o.bool("testmode", optional=True),
        "canceled": o.bool("canceled", optional=True),
        "date_start": o.datetime("date_start"),
        "date_end": o.datetime("date_end"),
        "attendee_name_parts": o.json("attendee_name_parts"),
        "granted_in_id": ctx.loose_ref(o, "granted_in", OrderPosition, "ticket"),
    }


def _media(ctx: Context, fetched: Fetched) -> None:
    rows, links = [], []
    for o in objects(fetched, "reusablemedia", "medium"):
        local = ctx.ids.of(ReusableMedium)[o.int("id")]
        customer = o.str("customer", optional=True)
        if customer is not None and customer not in ctx.customers:
            o.refuse("customer", f"unknown customer {customer!r}")
        rows.append(
            {
                "id": local,
                "organizer_id": ctx.organizer_id,
                "created": o.datetime("created"),
                "updated": o.datetime("updated", optional=True),
                "type": o.str("type", limit=100),
                "identifier": o.str("identifier", limit=200),
                "claim_token": o.str("claim_token", optional=True, limit=200),
                "label": o.str("label", optional=True, limit=200),
                "active": o.bool("active", optional=True),
                "expires": o.datetime("expires", optional=True),
                "customer_id": ctx.customers.get(customer) if customer else None,
                "linked_giftcard_id": ctx.ref(o, "linked_giftcard", GiftCard, "gift card"),
                "info": o.json("info"),
                "notes": o.str("notes", optional=True),
            }
        )
        positions = o.ints("linked_orderpositions")
        single = o.int("linked_orderposition", optional=True)
        if single is not None and single not in positions:
            positions.append(single)
        for remote in positions:
            position = ctx.loose_ref(
                Obj(o.endpoint, o.name, {"p": remote}), "p", OrderPosition, "ticket"
            )
            if position is not None:
                links.append({"medium_id": local, "position_id": position})
    ctx.writer.upsert(ReusableMedium, rows)
    ctx.writer.replace(reusable_medium_positions, "medium_id", [r["id"] for r in rows], links)
