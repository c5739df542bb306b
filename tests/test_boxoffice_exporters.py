"""The box-office and marketing exporters on pretix's own data: the recording of pretix 2026.8
imported with ``import-pretix`` (``pretix_shop``), each run through the API with a real
export job. Header rows are compared whole with the ones pretix wrote; cells with values
derived from the recording's JSON, in pretix's row order."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from .recorded_exports import csv_rows, header_of, recording, run_export

BERLIN = ZoneInfo("Europe/Berlin")


def local(text: str | None) -> datetime | None:
    if not text:
        return None
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(BERLIN)


def yes_no(value) -> str:
    return "Yes" if value else "No"


def test_waitinglist_at_both_levels(pretix_shop):
    name, data = run_export(pretix_shop, "waitinglist", {"_format": "default", "status": ""})
    assert name == "sampleconf_waitinglist.csv"
    header, *rows = csv_rows(data)
    assert header == header_of("waitinglist", "event level")
    entries = sorted(
        recording("events/sampleconf/waitinglistentries.json"),
        key=lambda e: (e["created"], e["id"]),
    )
    items = {i["id"]: i for i in recording("events/sampleconf/items.json")}
    vouchers = {v["id"]: v for v in recording("events/sampleconf/vouchers.json")}
    now = datetime.now(UTC)
    expected = []
    for entry in entries:
        item = items[entry["item"]]
        variation = {v["id"]: v["value"]["en"] for v in item["variations"]}
        voucher = vouchers.get(entry["voucher"])
        if voucher is None:
            status = "Waiting for a voucher"
        elif voucher["redeemed"] >= voucher["max_usages"]:
            status = "Voucher redeemed"
        elif voucher["valid_until"] and local(voucher["valid_until"]) <= now:
            status = "Voucher expired"
        else:
            status = "Voucher assigned"
        expected.append(
            [
                local(entry["created"]).strftime("%Y-%m-%d %H:%M:%S"),
                entry["name"] or "",
                entry["email"],
                entry["phone"] or "",
                item["name"]["en"],
                str(item["id"]),
                variation.get(entry["variation"], ""),
                str(entry["variation"] or ""),
                "sampleconf",
                "Sample Conference",
                "",
                "2026-09-15 11:00:00",
                "2026-09-17 20:00:00",
                entry["locale"],
                str(entry["priority"]),
                status,
                voucher["code"] if voucher else "",
            ]
        )
    assert rows == expected
    body = {"_format": "default", "all_events": True, "status": "awaiting-voucher"}
    name, data = run_export(pretix_shop, "waitinglist", body, event=None)
    assert name == "bigevents_waitinglist.csv"
    header, *rows = csv_rows(data)
    assert header == header_of("waitinglist", "organizer level")
    every = recording("events/sampleconf/waitinglistentries.json") + recording(
        "events/workshopday/waitinglistentries.json"
    )
    assert len(rows) == sum(1 for e in every if e["voucher"] is None)
    assert {r[15] for r in rows} == {"Waiting for a voucher"}


def test_customerlist_customers_and_memberships(pretix_shop):
    name, data = run_export(pretix_shop, "customerlist", {"_format": "customers:default"}, None)
    assert name == "bigevents_customers.csv"
    header, *rows = csv_rows(data)
    assert header == header_of("customerlist", "customers:default")
    customers = sorted(recording("organizer/customers.json"), key=lambda c: c["email"] or "")
    languages = {"en": "English", "de": "German"}
    assert rows == [
        [
            c["identifier"],
            "",
            c["external_identifier"] or "",
            c["email"] or "",
            c["phone"] or "",
            c["name"],
            yes_no(c["is_active"]),
            yes_no(c["is_verified"]),
            local(c["last_login"]).strftime("%Y-%m-%d") if c["last_login"] else "",
            local(c["date_joined"]).strftime("%Y-%m-%d"),
            languages[c["locale"]],
            c["notes"] or "",
        ]
        for c in customers
    ]
    _name, data = run_export(pretix_shop, "customerlist", {"_format": "memberships:default"}, None)
    header, *rows = csv_rows(data)
    assert header == header_of("customerlist", "memberships:default")
    by_identifier = {c["identifier"]: c for c in customers}
    expected = []
    for m in sorted(recording("organizer/memberships.json"), key=lambda m: m["id"]):
        customer = by_identifier[m["customer"]]
        start, end = local(m["date_start"]), local(m["date_end"])
        expected.append(
            [
                customer["identifier"],
                customer["external_identifier"] or "",
                customer["email"],
                yes_no(m["testmode"]),
                "No",
                "Season pass",
                "",
                start.strftime("%Y-%m-%d"),
                start.strftime("%H:%M"),
                end.strftime("%Y-%m-%d"),
                end.strftime("%H:%M"),
                m["attendee_name_parts"]["full_name"],
            ]
        )
    assert rows == expected


def test_reusablemedia(pretix_shop):
    name, data = run_export(pretix_shop, "reusablemedia", {"_format": "default"}, None)
    assert name == "bigevents_media.csv"
    header, *rows = csv_rows(data)
    assert header == header_of("reusablemedia", "organizer level")
    positions = {}
    for event in ("sampleconf", "workshopday"):
        for order in recording(f"events/{event}/orders_include_canceled.json"):
            for p in order["positions"]:
                positions[p["id"]] = f"{order['code']}-{p['positionid']}"
    cards = {c["id"]: c["secret"] for c in recording("organizer/giftcards.json")}
    media = sorted(recording("organizer/reusablemedia.json"), key=lambda m: m["created"])
    assert rows == [
        [
            m["type"],
            m["identifier"],
            yes_no(m["active"]),
            local(m["expires"]).strftime("%Y-%m-%d %H:%M") if m["expires"] else "",
            m["customer"] or "",
            ", ".join(positions[p] for p in m["linked_orderpositions"]),
            cards.get(m["linked_giftcard"], ""),
            m["notes"] or "",
        ]
        for m in media
    ]
