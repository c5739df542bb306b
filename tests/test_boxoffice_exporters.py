"""waitinglist, customerlist, reusablemedia and eventdata on pretix's own data: the recording
of pretix 2026.8 imported with ``import-pretix`` (``pretix_shop``), each run through the API
with a real export job. Header rows are compared whole with the ones pretix wrote; every
cell of every row, in CSV and in xlsx, with a value derived here from the recording's JSON
by the rules of pretix's exporters (``pretix/base/exporters/``), in pretix's row order.

What those rules come to here: the waiting list by creation, its dates as
``%Y-%m-%d %H:%M:%S`` text in the event's zone; customers by email, byte by byte;
memberships latest end first; media by creation, their expiry as short date-time text in
UTC (pretix's ``date_format`` does not convert it); events by start, their times as short
date-time text in their own zone. Organizer exports run in the first event's zone.
"""

from datetime import UTC, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from service.auth import create_team_token
from service.exporters.base_types import Table
from service.exporters.eventdata import coordinate
from service.exporters.writers import DefaultDialect, write_csv
from service.store import get_session
from service.store.models import Organizer

from .pretix_cells import as_written, file_rows
from .recorded_exports import header_of, recording, run_export

BERLIN = ZoneInfo("Europe/Berlin")
EVENTS = ("sampleconf", "workshopday")
LANGUAGES = {"en": "English", "de": "German"}


def moment(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text.replace("Z", "+00:00")) if text else None


def local(text: str | None) -> datetime | None:
    return moment(text).astimezone(BERLIN) if text else None


def text(value: datetime | None, pattern: str) -> str:
    return value.strftime(pattern) if value else ""


def yes_no(value) -> str:
    return "Yes" if value else "No"


def compare(data: bytes, fmt: str, header: list[str], expected: list[list], sheet=None):
    """The file's header and rows against pretix's, as its CSV or xlsx writer writes them."""
    got_header, rows = file_rows(data, fmt, sheet)
    want = as_written(expected, fmt)
    assert got_header == header
    assert len(rows) == len(want)
    for number, (got, row) in enumerate(zip(rows, want, strict=True), start=2):
        assert got == row, f"row {number}"


# waitinglist ---------------------------------------------------------------------------------
def waiting_status(voucher: dict | None, now: datetime) -> str:
    """pretix's labels: no voucher yet, used up, past its validity (``is_active``), sent."""
    if voucher is None:
        return "Waiting for a voucher"
    if voucher["redeemed"] >= voucher["max_usages"]:
        return "Voucher redeemed"
    if voucher["valid_until"] and moment(voucher["valid_until"]) < now:
        return "Voucher expired"
    return "Voucher assigned"


def waitinglist_expected(events) -> list[list]:
    now = datetime.now(UTC)
    entries = []
    for slug in events:
        event = recording(f"events/{slug}/event.json")
        items = {i["id"]: i for i in recording(f"events/{slug}/items.json")}
        vouchers = {v["id"]: v for v in recording(f"events/{slug}/vouchers.json")}
        for entry in recording(f"events/{slug}/waitinglistentries.json"):
            entries.append((entry, event, items, vouchers))
    rows = []
    for entry, event, items, vouchers in sorted(
        entries, key=lambda e: (moment(e[0]["created"]), e[0]["id"])
    ):
        item = items[entry["item"]]
        variation = {v["id"]: v["value"]["en"] for v in item["variations"]}
        voucher = vouchers.get(entry["voucher"])
        full = "%Y-%m-%d %H:%M:%S"
        rows.append(
            [
                text(local(entry["created"]), full),
                entry["name"],
                entry["email"],
                entry["phone"],
                item["name"]["en"],
                str(item["id"]),
                variation.get(entry["variation"], ""),
                str(entry["variation"]) if entry["variation"] else "",
                event["slug"],
                event["name"]["en"],
                "",
                text(local(event["date_from"]), full),
                text(local(event["date_to"]), full),
                entry["locale"],
                str(entry["priority"]),
                waiting_status(voucher, now),
                voucher["code"] if voucher else "",
            ]
        )
    return rows


@pytest.mark.parametrize("fmt", ["default", "xlsx"])
def test_waitinglist_is_pretixs_cell_for_cell_at_both_levels(fmt, pretix_shop):
    suffix = "csv" if fmt == "default" else "xlsx"
    body = {"_format": fmt, "status": ""}
    name, data = run_export(pretix_shop, "waitinglist", body)
    assert name == f"sampleconf_waitinglist.{suffix}"
    expected = waitinglist_expected(["sampleconf"])
    assert len(expected) == 15
    assert {r[15] for r in expected} == {
        "Waiting for a voucher",
        "Voucher expired",
        "Voucher redeemed",
    }
    compare(data, fmt, header_of("waitinglist", "event level"), expected)
    name, data = run_export(pretix_shop, "waitinglist", {**body, "all_events": True}, None)
    assert name == f"bigevents_waitinglist.{suffix}"
    compare(data, fmt, header_of("waitinglist", "organizer level"), waitinglist_expected(EVENTS))


def test_waitinglist_status_filter(pretix_shop):
    body = {"_format": "default", "all_events": True, "status": "awaiting-voucher"}
    _name, data = run_export(pretix_shop, "waitinglist", body, None)
    expected = [r for r in waitinglist_expected(EVENTS) if r[15] == "Waiting for a voucher"]
    compare(data, "default", header_of("waitinglist", "organizer level"), expected)


# customerlist --------------------------------------------------------------------------------
def customers_expected() -> list[list]:
    customers = sorted(
        recording("organizer/customers.json"), key=lambda c: ((c["email"] or "").encode(),)
    )
    return [
        [
            c["identifier"],
            None,  # the SSO provider: pretix's API does not show it
            c["external_identifier"],
            c["email"] or "",
            c["phone"] or "",
            c["name"],
            yes_no(c["is_active"]),
            yes_no(c["is_verified"]),
            text(local(c["last_login"]), "%Y-%m-%d"),
            text(local(c["date_joined"]), "%Y-%m-%d"),
            LANGUAGES[c["locale"]],
            c["notes"] or "",
        ]
        for c in customers
    ]


def memberships_expected() -> list[list]:
    customers = {c["identifier"]: c for c in recording("organizer/customers.json")}
    types = {t["id"]: t["name"]["en"] for t in recording("organizer/membershiptypes.json")}
    memberships = sorted(recording("organizer/memberships.json"), key=lambda m: m["id"])
    memberships.sort(key=lambda m: m["membership_type"])
    memberships.sort(key=lambda m: (moment(m["date_end"]), moment(m["date_start"])), reverse=True)
    rows = []
    for m in memberships:
        customer = customers[m["customer"]]
        start, end = local(m["date_start"]), local(m["date_end"])
        rows.append(
            [
                customer["identifier"],
                customer["external_identifier"],
                customer["email"] or "",
                yes_no(m["testmode"]),
                yes_no(m.get("canceled")),
                types[m["membership_type"]],
                None,  # no purchase ticket in the recording
                text(start, "%Y-%m-%d"),
                text(start, "%H:%M"),
                text(end, "%Y-%m-%d"),
                text(end, "%H:%M"),
                m["attendee_name_parts"]["full_name"],
            ]
        )
    return rows


def test_customers_sort_by_email_byte_by_byte():
    """As the recording's own customers API lists them (pretix's ``ordering = ('email',)``):
    "zoë…" before "ümit…", which a locale-aware collation would swap."""
    api_order = [c["email"] for c in recording("organizer/customers.json")]
    assert [r[3] for r in customers_expected()] == api_order
    assert api_order[-2:] == ["zoë.schneider.284@example.org", "ümit.schmidt.293@example.org"]


@pytest.mark.parametrize("fmt", ["default", "xlsx"])
def test_customerlist_is_pretixs_cell_for_cell(fmt, pretix_shop):
    suffix = "csv" if fmt == "default" else "xlsx"
    sheets = {
        "customers": (customers_expected(), "Customers"),
        "memberships": (memberships_expected(), "Memberships"),
    }
    for sheet, (expected, title) in sheets.items():
        body = {"_format": f"{sheet}:default" if fmt == "default" else "xlsx"}
        name, data = run_export(pretix_shop, "customerlist", body, None)
        assert name == f"bigevents_customers.{suffix}"
        header = header_of("customerlist", f"{sheet}:default")
        compare(data, fmt, header, expected, sheet=title)
    assert len(sheets["customers"][0]) == 30 and len(sheets["memberships"][0]) == 4


# reusablemedia -------------------------------------------------------------------------------
def media_expected() -> list[list]:
    positions = {}
    for event in EVENTS:
        for order in recording(f"events/{event}/orders_include_canceled.json"):
            for p in order["positions"]:
                positions[p["id"]] = (p, order["code"])
    cards = {c["id"]: c["secret"] for c in recording("organizer/giftcards.json")}
    media = sorted(recording("organizer/reusablemedia.json"), key=lambda m: (m["created"], m["id"]))
    rows = []
    for m in media:
        linked = sorted(
            (positions[p] for p in m["linked_orderpositions"] if not positions[p][0]["canceled"]),
            key=lambda found: (found[0]["positionid"], found[0]["id"]),
        )
        rows.append(
            [
                m["type"],
                m["identifier"],
                yes_no(m["active"]),
                text(moment(m["expires"]), "%Y-%m-%d %H:%M"),  # UTC, as pretix leaves it
                m["customer"] or "",
                ", ".join(f"{code}-{p['positionid']}" for p, code in linked),
                cards.get(m["linked_giftcard"], ""),
                m["notes"],
            ]
        )
    return rows


@pytest.mark.parametrize("fmt", ["default", "xlsx"])
def test_reusablemedia_is_pretixs_cell_for_cell(fmt, pretix_shop):
    name, data = run_export(pretix_shop, "reusablemedia", {"_format": fmt}, None)
    assert name == f"bigevents_media.{'csv' if fmt == 'default' else 'xlsx'}"
    expected = media_expected()
    assert [r[3] for r in expected] == ["", "2027-01-31 23:00", "", "", ""]
    compare(data, fmt, header_of("reusablemedia", "organizer level"), expected)


# eventdata -----------------------------------------------------------------------------------
def eventdata_expected() -> list[list]:
    properties = recording("organizer/event_meta_properties.json")
    assert properties == [], "the recording's organizer has no meta data properties"
    events = [recording(f"events/{slug}/event.json") for slug in EVENTS]
    rows = []
    for e in sorted(events, key=lambda e: (moment(e["date_from"]), e["name"]["en"], e["slug"])):
        zone = ZoneInfo(e["timezone"])

        def short(value, zone=zone) -> str:
            return text(moment(value) and moment(value).astimezone(zone), "%Y-%m-%d %H:%M")

        rows.append(
            [
                e["name"]["en"],
                e["slug"],
                yes_no(e["live"]),
                e["currency"],
                e["timezone"],
                short(e["date_from"]),
                short(e["date_to"]),
                short(e["date_admission"]),
                short(e["presale_start"]),
                short(e["presale_end"]),
                (e["location"] or {}).get("en", ""),
                e["geo_lat"] or "",
                e["geo_lon"] or "",
                "",  # the internal comment: pretix's API does not show it
            ]
        )
    return rows


@pytest.mark.parametrize("fmt", ["default", "xlsx"])
def test_eventdata_is_pretixs_cell_for_cell(fmt, pretix_shop):
    body = {"_format": fmt, "all_events": True}
    name, data = run_export(pretix_shop, "eventdata", body, None)
    assert name == f"bigevents_events.{'csv' if fmt == 'default' else 'xlsx'}"
    compare(data, fmt, header_of("eventdata", "organizer level"), eventdata_expected())


def test_eventdata_writes_coordinates_as_pretixs_floats(tmp_path):
    """pretix keeps coordinates as floats: a number in xlsx and unquoted in CSV, not money
    with two places; none (or 0) is empty. The recording's events have none."""
    cells = [coordinate(Decimal("52.520008")), coordinate(Decimal("13.404954")), coordinate(None)]
    assert cells == [52.520008, 13.404954, ""]
    path = tmp_path / "events.csv"
    write_csv(
        path, Table(["Latitude", "Longitude", "Other"], 1, iter([cells])), DefaultDialect, print
    )
    assert path.read_text().splitlines()[1] == '52.520008,13.404954,""'


def test_reusablemedia_shortens_gift_card_codes_without_the_gift_card_permission(pretix_shop):
    """pretix shows a token that may not read gift cards only a card's first three
    characters and "…"."""
    with pretix_shop.app.app_context():
        session = get_session()
        organizer = session.scalar(select(Organizer).where(Organizer.slug == "bigevents"))
        token = create_team_token(
            session, organizer, "media only", permissions=["can_manage_reusable_media"]
        )
        session.commit()
    shop = pretix_shop._replace(token=token)
    _name, data = run_export(shop, "reusablemedia", {"_format": "default"}, None)
    expected = media_expected()
    for row in expected:
        row[6] = row[6][:3] + "…" if row[6] else ""
    assert any(row[6] == "ANC…" for row in expected)
    compare(data, "default", header_of("reusablemedia", "organizer level"), expected)
