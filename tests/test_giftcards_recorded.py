"""giftcardlist, giftcardtransactionlist and giftcardredemptionlist on the imported recording
of a real pretix 2026.8 organizer (``pretix_shop``): every cell of every row derived here
from the recording's JSON by the rules of pretix's exporters
(``pretix/base/exporters/orderlist.py``), in CSV and in xlsx.

pretix writes dates there as text (``strftime``) in the zone the export runs in (the
organizer's first event's, Europe/Berlin here), amounts as decimals (numbers in xlsx), the
issuer and acceptor as the organizer's name, an order as ``EVENTSLUG-CODE``.
"""

from datetime import UTC, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from .pretix_cells import as_written, file_rows
from .recorded_exports import header_of, recording, run_export

ZONE = ZoneInfo("Europe/Berlin")
EVENTS = ("sampleconf", "workshopday")
ORGANIZERS = {"bigevents": "Big Events Ltd."}


def moment(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def local_day(text: str | None) -> str:
    return moment(text).astimezone(ZONE).strftime("%Y-%m-%d") if text else ""


def full_code(event: str | None, order: str | None) -> str | None:
    return f"{event.upper()}-{order}" if order else None


def transactions() -> dict[int, list[dict]]:
    return {
        int(card): moves
        for card, moves in recording("organizer/giftcard_transactions.json").items()
    }


def giftcardlist_expected() -> list[list]:
    now = datetime.now(UTC)
    invoices: dict[str, list[dict]] = {}
    for event in EVENTS:
        for invoice in recording(f"events/{event}/invoices.json"):
            invoices.setdefault(full_code(event, invoice["order"]), []).append(invoice)
    moves = transactions()
    rows = []
    cards = [c for c in recording("organizer/giftcards.json") if moment(c["issuance"]) <= now]
    for card in sorted(cards, key=lambda c: (moment(c["issuance"]), c["id"])):
        mine = sorted(moves.get(card["id"], []), key=lambda t: (moment(t["datetime"]), t["id"]))
        value = sum(
            (Decimal(t["value"]) for t in mine if moment(t["datetime"]) <= now), Decimal("0.00")
        )
        order = full_code(mine[0]["event"], mine[0]["order"]) if mine else None
        last = sorted(invoices.get(order, []), key=lambda i: (i["date"], i["number"]))[-1:]
        rows.append(
            [
                card["secret"],
                "Yes" if card["testmode"] else "No",
                local_day(card["issuance"]),
                local_day(card["expires"]),
                card["conditions"] or "",
                card["currency"],
                value,
                order or "",
                last[0]["number"] if last else "",
                last[0]["date"] if last else "",
            ]
        )
    return rows


def giftcardtransactionlist_expected() -> list[list]:
    cards = {c["id"]: c for c in recording("organizer/giftcards.json")}
    moves = [(card, t) for card, ts in transactions().items() for t in ts]
    rows = []
    for card_id, t in sorted(moves, key=lambda m: (moment(m[1]["datetime"]), m[1]["id"])):
        card = cards[card_id]
        rows.append(
            [
                card["secret"],
                "TEST MODE" if card["testmode"] else "",
                moment(t["datetime"]).astimezone(ZONE).strftime("%Y-%m-%d %H:%M:%S"),
                Decimal(t["value"]),
                card["currency"],
                full_code(t["event"], t["order"]),
                ORGANIZERS[t["acceptor"]],
            ]
        )
    return rows


def giftcardredemptionlist_expected(events) -> list[list]:
    found = []
    for event in events:
        for order in recording(f"events/{event}/orders_include_canceled.json"):
            for kind, letter, sign, states in (
                ("payments", "P", 1, ("confirmed", "refunded")),
                ("refunds", "R", -1, ("done",)),
            ):
                for p in order[kind]:
                    if p["provider"] != "giftcard" or p["state"] not in states:
                        continue
                    card = p["details"]["gift_card"]
                    row = [
                        event,
                        order["code"],
                        f"{order['code']}-{letter}-{p['local_id']}",
                        local_day(p["created"]),
                        card["secret"],
                        Decimal(p["amount"]) * sign,
                        ORGANIZERS[card["organizer"]],
                    ]
                    # pretix sorts payments, then refunds, each by creation, by (code, created).
                    found.append(((order["code"], moment(p["created"]), letter), row))
    return [row for _key, row in sorted(found, key=lambda f: f[0])]


RUNS = [
    ("giftcardlist", {}, None, "bigevents_giftcards", giftcardlist_expected, 21),
    (
        "giftcardtransactionlist",
        {},
        None,
        "bigevents_giftcardtransactions",
        giftcardtransactionlist_expected,
        34,
    ),
    (
        "giftcardredemptionlist",
        {},
        "sampleconf",
        "sampleconf_giftcardredemptions",
        lambda: giftcardredemptionlist_expected(["sampleconf"]),
        12,
    ),
    (
        "giftcardredemptionlist",
        {"all_events": True},
        None,
        "bigevents_giftcardredemptions",
        lambda: giftcardredemptionlist_expected(EVENTS),
        12,
    ),
]


@pytest.mark.parametrize(("identifier", "body", "event", "stem", "expected", "count"), RUNS)
@pytest.mark.parametrize("fmt", ["default", "xlsx"])
def test_giftcard_exports_are_pretixs_cell_for_cell(
    fmt, identifier, body, event, stem, expected, count, pretix_shop
):
    name, data = run_export(pretix_shop, identifier, {"_format": fmt, **body}, event)
    level = "event level" if event else "organizer level"
    header = header_of(identifier, level)
    want = expected()
    assert len(want) == count
    assert name == f"{stem}.{'csv' if fmt == 'default' else 'xlsx'}"
    got_header, rows = file_rows(data, fmt)
    assert got_header == header
    want = as_written(want, fmt)
    assert len(rows) == len(want)
    for number, (got, row) in enumerate(zip(rows, want, strict=True), start=2):
        assert got == row, f"row {number}"
