"""The box-office and marketing exporters on pretix's own data: the recording of pretix 2026.8
imported with ``import-pretix`` (``pretix_shop``), each run through the API with a real
export job. Header rows are compared whole with the ones pretix wrote; cells with values
derived from the recording's JSON, in pretix's row order."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from .recorded_exports import csv_rows, header_of, recording, run_export

BERLIN = ZoneInfo("Europe/Berlin")
ERRORS = {
    "canceled": "Order canceled",
    "invalid": "Unknown ticket",
    "unpaid": "Ticket not paid",
    "rules": "Forbidden by custom rule",
    "already_redeemed": "Ticket already used",
    "product": "Ticket type not allowed here",
}


def local(text: str | None) -> datetime | None:
    if not text:
        return None
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(BERLIN)


def yes_no(value) -> str:
    return "Yes" if value else "No"


def positions_by_id() -> dict[int, dict]:
    found = {}
    for order in recording("events/sampleconf/orders_include_canceled.json"):
        for position in order["positions"]:
            found[position["id"]] = {**position, "order": order}
    return found


def test_checkinlog_lists_every_scan_in_time_order(pretix_shop):
    body = {"_format": "default", "items": [1, 2, 3], "successful_only": False}
    name, data = run_export(pretix_shop, "checkinlog", body)
    assert name == "sampleconf_checkinlog.csv"
    header, *rows = csv_rows(data)
    assert header == header_of("checkinlog", "event level")
    positions = positions_by_id()
    items = {i["id"]: i["name"]["en"] for i in recording("events/sampleconf/items.json")}
    lists = {cl["id"]: cl["name"] for cl in recording("events/sampleconf/checkinlists.json")}
    scans = sorted(
        recording("events/sampleconf/checkins.json"), key=lambda s: (s["datetime"], s["id"])
    )
    expected = []
    for scan in scans:
        position = positions.get(scan["position"])
        at, uploaded = local(scan["datetime"]), local(scan["created"])
        expected.append(
            [
                at.strftime("%Y-%m-%d"),
                at.strftime("%H:%M"),
                lists[scan["list"]],
                scan["type"].capitalize(),
                position["order"]["code"] if position else "",
                str(position["positionid"]) if position else "",
                position["secret"] if position else "",
                items[position["item"]] if position else "",
                (position["attendee_name"] or position["order"]["invoice_address"]["name"] or "")
                if position
                else "",
                "#1: Scanner 1 (Zebra TC21)" if scan["device"] == 1 else "",
                "No",
                "No",
                yes_no(scan["auto_checked_in"]),
                "",  # the gate: its name is not in pretix's API
                "OK" if scan["successful"] else ERRORS[scan["error_reason"]],
                scan["error_explanation"] or "",
                uploaded.strftime("%Y-%m-%d"),
                uploaded.strftime("%H:%M"),
            ]
        )
    assert len(rows) == len(expected) == 157
    # The gate's name is not in pretix's API: every column but the gate is compared.
    assert [r[:13] + r[14:] for r in rows] == [e[:13] + e[14:] for e in expected]


def test_checkinlog_filters_list_and_successful_scans(pretix_shop):
    body = {"_format": "default", "items": [2], "list": 2, "successful_only": True}
    _name, data = run_export(pretix_shop, "checkinlog", body)
    _header, *rows = csv_rows(data)
    positions = positions_by_id()
    wanted = [
        s
        for s in recording("events/sampleconf/checkins.json")
        if s["list"] == 2 and s["successful"] and positions[s["position"]]["item"] == 2
    ]
    assert len(rows) == len(wanted) > 0
    assert {r[14] for r in rows} == {"OK"} and {r[2] for r in rows} == {"Workshops"}


def test_checkinlistcodes_are_the_positions_the_list_admits(pretix_shop):
    name, data = run_export(pretix_shop, "checkinlistcodes", {"_format": "default", "list": 2})
    assert name == "sampleconf_checkin_Workshops.csv"
    header, *rows = csv_rows(data)
    assert header == header_of("checkinlistcodes", "event level")
    variations = {
        v["id"]: v["value"]["en"]
        for i in recording("events/sampleconf/items.json")
        for v in i["variations"]
    }
    admitted = sorted(
        recording("events/sampleconf/checkinlist_2_positions.json"), key=lambda p: p["id"]
    )
    assert rows == [
        [
            p["secret"],
            "Workshop ticket",
            variations.get(p["variation"], ""),
            yes_no(p["order__status"] == "p"),
            "",
            "",
        ]
        for p in admitted
    ]


def test_checkinlist_of_a_list_limited_to_products(pretix_shop):
    body = {"_format": "default", "list": 2, "sort": "code"}
    name, data = run_export(pretix_shop, "checkinlist", body)
    assert name == "sampleconf_checkin_Workshops.csv"
    header, *rows = csv_rows(data)
    assert header == header_of("checkinlist", "event level")
    admitted = recording("events/sampleconf/checkinlist_2_positions.json")
    orders = {o["code"]: o for o in recording("events/sampleconf/orders.json")}
    assert sorted(r[0] for r in rows) == sorted(p["order"] for p in admitted)
    assert [r[0] for r in rows] == sorted(r[0] for r in rows)
    for row in rows:
        assert row[14] == orders[row[0]]["comment"]
    by_secret = {p["secret"]: p for p in admitted}
    codes = {r[0] for r in rows}
    assert codes == {p["order"] for p in by_secret.values()}


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
