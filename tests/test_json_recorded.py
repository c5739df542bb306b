"""The ``json`` exporter on pretix's own data (the imported recording of pretix 2026.8): the
downloaded file must be, byte for byte, what pretix's ``JSONExporter`` writes for that data.
The expected file is built here from the recording's REST answers, following pretix's
exporter: its keys and their order, its models' default orderings (orders newest first,
products by category), the active positions and fees only, and Django's JSON encoder
(decimals as ``str()``, tax rates without trailing zeros, datetimes with ``Z``)."""

import json
from datetime import datetime
from decimal import Decimal

import pytest

from .recorded_exports import recording, run_export


def text(value, locale: str) -> str:
    """``str()`` of pretix's translated string in the export's language ("" for none)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return value.get(locale) or value.get("en") or next(iter(value.values()), "")


def normalized_rate(value: str) -> str:
    """pretix's ``NormalizedDecimalField``: no trailing zeros, no exponent."""
    number = Decimal(value).normalize()
    if number.as_tuple().exponent > 0:
        number = number.quantize(1)
    return str(number)


def encoded_time(value: str | None) -> str | None:
    """An API time (ISO 8601, UTC) as Django's JSON encoder writes it: milliseconds at most."""
    if value is None:
        return None
    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    written = moment.isoformat()
    if moment.microsecond:
        written = written[:23] + written[26:]
    return written.removesuffix("+00:00") + "Z"


def meta(defaults: list[dict], *layers: dict) -> dict:
    merged = {p["name"]: p["default"] for p in defaults}
    for layer in layers:
        merged.update(layer or {})
    return dict(sorted(merged.items()))


def expected_event(slug: str) -> dict:
    folder = f"events/{slug}"
    event = recording(f"{folder}/event.json")
    locale = recording(f"{folder}/settings.json")["locale"]
    organizer = recording("organizer.json")
    categories = sorted(
        recording(f"{folder}/categories.json"), key=lambda c: (c["position"], c["id"])
    )
    category_position = {c["id"]: c["position"] for c in categories}
    rules = {r["id"]: r for r in recording(f"{folder}/taxrules.json")}
    channels = [
        c["identifier"]
        for c in sorted(
            recording("organizer/saleschannels.json"),
            key=lambda c: (c["position"], c["type"], c["identifier"]),
        )
    ]
    item_meta = recording(f"{folder}/item_meta_properties.json")

    def item_order(item):
        # category__position, category, position, pk; no category last (PostgreSQL).
        category = item["category"]
        return (
            category is None,
            category_position.get(category, 0),
            category or 0,
            item["position"],
            item["id"],
        )

    def sales_channels(product):
        if product["all_sales_channels"]:
            return channels
        return [c for c in channels if c in product["limit_sales_channels"]]

    items = sorted(recording(f"{folder}/items.json"), key=item_order)
    item_rank = {item["id"]: index for index, item in enumerate(items)}
    variation_order = {
        v["id"]: (v["position"], v["id"]) for item in items for v in item["variations"]
    }

    def item_entry(item):
        rule = rules.get(item["tax_rule"])
        own_meta = meta(item_meta, item["meta_data"])
        return {
            "id": item["id"],
            "position": item["position"],
            "name": text(item["name"], locale),
            "internal_name": str(item["internal_name"]),
            "category": item["category"],
            "price": item["default_price"],
            "tax_rate": normalized_rate(rule["rate"]) if rule else "0.00",
            "tax_name": text(rule["name"], locale) if rule else None,
            "admission": item["admission"],
            "personalized": item["personalized"],
            "active": item["active"],
            "sales_channels": sales_channels(item),
            "description": text(item["description"], locale),
            "available_from": encoded_time(item["available_from"]),
            "available_until": encoded_time(item["available_until"]),
            "require_voucher": item["require_voucher"],
            "hide_without_voucher": item["hide_without_voucher"],
            "allow_cancel": item["allow_cancel"],
            "require_bundling": item["require_bundling"],
            "min_per_order": item["min_per_order"],
            "max_per_order": item["max_per_order"],
            "checkin_attention": item["checkin_attention"],
            "checkin_text": item["checkin_text"],
            "original_price": item["original_price"],
            "issue_giftcard": item["issue_giftcard"],
            "meta_data": own_meta,
            "require_membership": item["require_membership"],
            "variations": [
                {
                    "id": v["id"],
                    "active": v["active"],
                    "price": v["default_price"]
                    if v["default_price"] is not None
                    else item["default_price"],
                    "name": text(v["value"], locale),
                    "description": text(v["description"], locale),
                    "position": v["position"],
                    "checkin_attention": v["checkin_attention"],
                    "checkin_text": v["checkin_text"],
                    "require_approval": v["require_approval"],
                    "require_membership": v["require_membership"],
                    "sales_channels": sales_channels(v),
                    "available_from": encoded_time(v["available_from"]),
                    "available_until": encoded_time(v["available_until"]),
                    "hide_without_voucher": v["hide_without_voucher"],
                    "meta_data": meta([], own_meta, v["meta_data"]),
                }
                for v in sorted(item["variations"], key=lambda v: (v["position"], v["id"]))
            ],
        }

    def position_entry(p):
        return {
            "id": p["id"],
            "positionid": p["positionid"],
            "item": p["item"],
            "variation": p["variation"],
            "subevent": p["subevent"],
            "seat": p["seat"]["seat_guid"] if p["seat"] else None,
            "price": p["price"],
            "tax_rate": normalized_rate(p["tax_rate"]),
            "tax_value": p["tax_value"],
            "attendee_name": p["attendee_name"],
            "attendee_email": p["attendee_email"],
            "company": p["company"],
            "street": p["street"],
            "zipcode": p["zipcode"],
            "country": p["country"] or None,
            "state": p["state"],
            "secret": p["secret"],
            "addon_to": p["addon_to"],
            "valid_from": encoded_time(p["valid_from"]),
            "valid_until": encoded_time(p["valid_until"]),
            "blocked": p["blocked"],
            # A file answer is pretix's stored "file://…" name, which its API shows as the
            # download URL; the store has only that URL.
            "answers": [{"question": a["question"], "answer": a["answer"]} for a in p["answers"]],
        }

    def order_entry(o):
        return {
            "code": o["code"],
            "status": o["status"],
            "customer": o["customer"],
            "testmode": o["testmode"],
            "user": o["email"],
            "email": o["email"],
            "phone": str(o["phone"]),
            "locale": o["locale"],
            "comment": o["comment"],
            "custom_followup_at": o["custom_followup_at"],
            "require_approval": o["require_approval"],
            "checkin_attention": o["checkin_attention"],
            "checkin_text": o["checkin_text"],
            "sales_channel": o["sales_channel"],
            "expires": encoded_time(o["expires"]),
            "datetime": encoded_time(o["datetime"]),
            # The recording's orders.json leaves canceled positions and fees out, as pretix's
            # ``order.positions`` and ``order.fees`` do.
            "fees": [
                {"type": f["fee_type"], "description": f["description"], "value": f["value"]}
                for f in sorted(o["fees"], key=lambda f: f["id"])
            ],
            "total": o["total"],
            "positions": [
                position_entry(p)
                for p in sorted(o["positions"], key=lambda p: (p["positionid"], p["id"]))
            ],
        }

    orders = recording(f"{folder}/orders.json")
    assert len({o["datetime"] for o in orders}) == len(orders), "no ties to break by pk"
    return {
        "name": text(event["name"], locale),
        "slug": event["slug"],
        "organizer": {"name": organizer["name"], "slug": organizer["slug"]},
        "meta_data": meta(recording("organizer/event_meta_properties.json"), event["meta_data"]),
        "categories": [
            {
                "id": c["id"],
                "name": text(c["name"], locale),
                "description": text(c["description"], locale),
                "position": c["position"],
                "internal_name": c["internal_name"],
            }
            for c in categories
        ],
        "items": [item_entry(i) for i in items],
        "questions": [
            {
                "id": q["id"],
                "identifier": q["identifier"],
                "required": q["required"],
                "question": text(q["question"], locale),
                "position": q["position"],
                "hidden": q["hidden"],
                "ask_during_checkin": q["ask_during_checkin"],
                "help_text": text(q["help_text"], locale),
                "type": q["type"],
            }
            for q in sorted(
                recording(f"{folder}/questions.json"), key=lambda q: (q["position"], q["id"])
            )
        ],
        "orders": [
            order_entry(o) for o in sorted(orders, key=lambda o: o["datetime"], reverse=True)
        ],
        "quotas": [
            {
                "id": q["id"],
                "size": q["size"],
                "subevent": q["subevent"],
                "items": sorted(q["items"], key=item_rank.get),
                "variations": sorted(q["variations"], key=variation_order.get),
            }
            for q in sorted(recording(f"{folder}/quotas.json"), key=lambda q: (q["name"], q["id"]))
        ],
        "subevents": [],
    }


@pytest.mark.parametrize("slug", ["sampleconf", "workshopday"])
def test_the_file_is_pretixs_byte_for_byte(pretix_shop, slug):
    name, data = run_export(pretix_shop, "json", {}, event=slug)
    assert name == f"{slug}_pretixdata.json"
    expected = json.dumps({"event": expected_event(slug)})
    if data.decode() != expected:
        # Compare the parsed documents first: a difference is easier to read there.
        assert json.loads(data) == json.loads(expected)
    assert data.decode() == expected


def test_the_recording_has_what_the_comparison_relies_on():
    everything = recording("events/sampleconf/orders_include_canceled.json")
    assert any(p["canceled"] for o in everything for p in o["positions"]), "left out"
    orders = recording("events/sampleconf/orders.json")
    assert any(o["phone"] is None for o in orders), 'written as "None"'
    assert any(not o["email"].isascii() for o in orders), "written as \\u escapes"
    assert any(p["variation"] for o in orders for p in o["positions"])
    assert any(p["addon_to"] for o in orders for p in o["positions"])
