"""What else an event has for ``import-pretix``: invoices with their lines (found by
number), waiting list entries, order transactions and every scan."""

from sqlalchemy import select

from ..models import (
    Checkin,
    CheckinList,
    Device,
    Gate,
    Invoice,
    InvoiceLine,
    Item,
    ItemVariation,
    OrderPosition,
    TaxRule,
    Transaction,
    Voucher,
    WaitingListEntry,
)
from .pretix_catalog import objects
from .pretix_context import Context, EventState
from .pretix_fetch import FetchedEvent
from .pretix_values import Obj

CHECKIN_TYPES = ("entry", "exit")


def assign_ids(ctx: Context, events: list[FetchedEvent]) -> None:
    for name, model in (
        ("waitinglistentries", WaitingListEntry),
        ("transactions", Transaction),
        ("checkins", Checkin),
    ):
        ctx.ids.assign(model, [o.int("id") for e in events for o in objects(e, name, name)])


def write_event_data(ctx: Context, event: FetchedEvent, state: EventState) -> None:
    _invoices(ctx, event, state)
    _waiting_list(ctx, event, state)
    _transactions(ctx, event, state)
    _checkins(ctx, event, state)


def _order(o: Obj, state: EventState, key: str = "order") -> int:
    code = o.str(key)
    if code not in state.orders:
        o.refuse(key, f"unknown order {code!r}")
    return state.orders[code]


def _product(ctx: Context, o: Obj, state: EventState, key="item", variation_key="variation"):
    item = o.int(key, optional=True)
    if item is not None and item not in state.items:
        o.refuse(key, f"unknown product {item}")
    variation = o.int(variation_key, optional=True)
    if variation is not None and state.variations.get(variation) != item:
        o.refuse(variation_key, f"unknown variation {variation} of product {item}")
    return ctx.ids.of(Item).get(item), ctx.ids.of(ItemVariation).get(variation)


def _invoices(ctx: Context, event: FetchedEvent, state: EventState) -> None:
    found = objects(event, "invoices", "invoice", "number")
    existing = dict(
        ctx.session.execute(
            select(Invoice.number, Invoice.id).where(Invoice.event_id == state.id)
        ).all()
    )
    numbers: dict[str, int] = {}
    for o in found:
        number = o.str("number", limit=190)
        if number in numbers:
            o.refuse("number", "listed twice")
        numbers[number] = existing.get(number) or ctx.ids.fresh(Invoice)
    invoices, refers, lines = [], [], []
    for o in found:
        local = numbers[o.data["number"]]
        refers_to = o.str("refers", optional=True)
        if refers_to is not None:
            if refers_to not in numbers and refers_to not in existing:
                o.refuse("refers", f"unknown invoice {refers_to!r}")
            refers.append({"id": local, "refers_id": numbers.get(refers_to) or existing[refers_to]})
        invoices.append(_invoice(o, local, state))
        for line in o.children("lines"):
            item, variation = _product(ctx, line, state)
            lines.append(
                {
                    "id": ctx.ids.fresh(InvoiceLine),
                    "invoice_id": local,
                    "position": line.int("position"),
                    "description": line.str("description", blank=True),
                    "item_id": item,
                    "variation_id": variation,
                    "attendee_name": line.str("attendee_name", optional=True),
                    "event_date_from": line.datetime("event_date_from", optional=True),
                    "event_date_to": line.datetime("event_date_to", optional=True),
                    "period_start": line.datetime("period_start", optional=True),
                    "period_end": line.datetime("period_end", optional=True),
                    "gross_value": line.decimal("gross_value"),
                    "tax_value": line.decimal("tax_value", optional=True) or 0,
                    "tax_rate": line.decimal("tax_rate", optional=True) or 0,
                    "tax_name": line.str("tax_name", blank=True, limit=190),
                    "tax_code": line.str("tax_code", optional=True, limit=190),
                    "fee_type": line.str("fee_type", optional=True, limit=190),
                    "fee_internal_type": line.str("fee_internal_type", optional=True, limit=255),
                    "event_location": line.str("event_location", optional=True),
                }
            )
    ctx.writer.upsert(Invoice, invoices)
    ctx.writer.update(Invoice, refers)
    ctx.writer.replace(InvoiceLine.__table__, "invoice_id", [r["id"] for r in invoices], lines)


def _invoice(o: Obj, local: int, state: EventState) -> dict:
    row = {
        "id": local,
        "event_id": state.id,
        "order_id": _order(o, state),
        "number": o.data["number"],
        "is_cancellation": o.bool("is_cancellation", optional=True),
        "refers_id": None,
        "date": o.date("date"),
        "locale": o.str("locale", optional=True, limit=50) or "en",
        "invoice_to_is_business": o.bool("invoice_to_is_business", optional=True),
        "invoice_to_country": o.str("invoice_to_country", optional=True, limit=2),
        "invoice_to_vat_id": o.str("invoice_to_vat_id", optional=True),
        "invoice_to_transmission_info": o.json("invoice_to_transmission_info") or None,
        "custom_field": o.str("custom_field", optional=True, limit=255),
        "reverse_charge": o.bool("reverse_charge", optional=True),
        "foreign_currency_display": o.str("foreign_currency_display", optional=True, limit=50),
        "foreign_currency_rate": o.decimal("foreign_currency_rate", optional=True),
        "foreign_currency_rate_date": o.date("foreign_currency_rate_date", optional=True),
        "transmission_type": o.str("transmission_type", optional=True, limit=100) or "email",
        "transmission_provider": o.str("transmission_provider", optional=True, limit=190),
        "transmission_status": o.str("transmission_status", optional=True, limit=100) or "unknown",
        "transmission_date": o.datetime("transmission_date", optional=True),
    }
    for key in (
        "invoice_from_name",
        "invoice_from",
        "invoice_from_zipcode",
        "invoice_from_city",
        "invoice_from_state",
        "invoice_from_tax_id",
        "invoice_from_vat_id",
        "invoice_to",
        "invoice_to_company",
        "invoice_to_name",
        "invoice_to_street",
        "invoice_to_zipcode",
        "invoice_to_city",
        "invoice_to_state",
        "invoice_to_beneficiary",
        "internal_reference",
        "introductory_text",
        "additional_text",
        "footer_text",
        "payment_provider_text",
        "payment_provider_stamp",
    ):
        row[key] = o.str(key, blank=True, limit=None if "text" in key else 1000)
    row["invoice_from_country"] = o.str("invoice_from_country", blank=True, limit=2)
    return row


def _waiting_list(ctx: Context, event: FetchedEvent, state: EventState) -> None:
    rows = []
    vouchers = set(ctx.ids.of(Voucher))
    for o in objects(event, "waitinglistentries", "waiting list entry"):
        item, variation = _product(ctx, o, state)
        if item is None:
            o.refuse("item", "missing")
        rows.append(
            {
                "id": ctx.ids.of(WaitingListEntry)[o.int("id")],
                "event_id": state.id,
                "created": o.datetime("created"),
                "name": o.str("name", optional=True, limit=255),
                "name_parts": o.json("name_parts") or None,
                "email": o.str("email", limit=254),
                "phone": o.str("phone", optional=True, limit=64),
                "item_id": item,
                "variation_id": variation,
                "voucher_id": ctx.ref(o, "voucher", Voucher, "voucher", vouchers),
                "locale": o.str("locale", optional=True, limit=50) or "en",
                "priority": o.int("priority", optional=True) or 0,
            }
        )
    ctx.writer.upsert(WaitingListEntry, rows)


def _transactions(ctx: Context, event: FetchedEvent, state: EventState) -> None:
    rows = []
    for o in objects(event, "transactions", "transaction"):
        item, variation = _product(ctx, o, state)
        rule = o.int("tax_rule", optional=True)
        if rule is not None and rule not in state.tax_rules:
            o.refuse("tax_rule", f"unknown tax rule {rule}")
        rows.append(
            {
                "id": ctx.ids.of(Transaction)[o.int("id")],
                "order_id": _order(o, state),
                "created": o.datetime("created"),
                "datetime": o.datetime("datetime"),
                "migrated": o.bool("migrated", optional=True),
                "positionid": o.int("positionid", optional=True),
                "count": o.int("count"),
                "item_id": item,
                "variation_id": variation,
                "price": o.decimal("price"),
                "tax_rate": o.decimal("tax_rate", optional=True) or 0,
                "tax_rule_id": ctx.ids.of(TaxRule).get(rule),
                "tax_code": o.str("tax_code", optional=True, limit=190),
                "tax_value": o.decimal("tax_value", optional=True) or 0,
                "fee_type": o.str("fee_type", optional=True, limit=100),
                "internal_type": o.str("internal_type", optional=True, limit=255),
            }
        )
    ctx.writer.upsert(Transaction, rows)


def _checkins(ctx: Context, event: FetchedEvent, state: EventState) -> None:
    rows = []
    for o in objects(event, "checkins", "check-in"):
        position = o.int("position", optional=True)
        if position is not None and position not in state.positions:
            o.refuse("position", f"unknown position {position}")
        raw_item, raw_variation = _product(ctx, o, state, "raw_item", "raw_variation")
        successful = o.bool("successful", optional=True, default=True)
        rows.append(
            {
                "id": ctx.ids.of(Checkin)[o.int("id")],
                "list_id": ctx.ref(o, "list", CheckinList, "check-in list", state.lists),
                "position_id": ctx.ids.of(OrderPosition).get(position),
                "datetime": o.datetime("datetime"),
                "type": o.choice("type", CHECKIN_TYPES, optional=True) or "entry",
                "successful": successful,
                "error_reason": o.str("error_reason", optional=True, limit=100),
                "error_explanation": o.str("error_explanation", optional=True),
                "created": o.datetime("created", optional=True),
                "auto_checked_in": o.bool("auto_checked_in", optional=True),
                "gate_id": ctx.ref(o, "gate", Gate, "gate"),
                "device_id": ctx.ref(o, "device", Device, "device"),
                "forced": o.bool("forced", optional=True),
                "force_sent": o.raw("force_sent")
                if isinstance(o.raw("force_sent"), bool)
                else None,
                "raw_barcode": o.str("raw_barcode", optional=True),
                "raw_item_id": raw_item,
                "raw_variation_id": raw_variation,
            }
        )
        if o.int("list") is None:
            o.refuse("list", "missing")
    ctx.writer.upsert(Checkin, rows)
