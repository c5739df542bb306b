"""checkinlist, checkinlistcodes and checkinlog on the imported recording of a real pretix
2026.8 organizer (``pretix_shop``): every cell of every row derived here from the recording's
JSON by the rules of pretix's ``pretix/plugins/checkinlists/exporters.py``, in its row order.

pretix's rules the expectations follow:

* Positions: not canceled, of paid orders (or pending ones valid while pending, or any
  pending one where the list includes pending orders), of the list's products unless it
  admits all; the codes list leaves blocked ones out.
* Order: both exporters sort by ``sort`` (the codes list has no such field, so it always
  sorts by name): the attendee's name, else the parent ticket's attendee, else the invoice
  name, else the order code (empty texts skipped), ties by position id; by order code and
  position; or newest order first. Texts compare as the recording's database compares them,
  byte by byte (its customers API, sorted by email, lists "zoë…" before "ümit…").
* Check-in times are the last successful entry and exit on the list, in the event's zone;
  the validity window is written with Django's ``date_format`` without conversion, in UTC
  as the database hands it over.
* The log shows every scan on the event's lists by scan time.
"""

from collections import defaultdict
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from .pretix_cells import as_written, file_rows
from .recorded_exports import header_of, recording, run_export

ZONE = ZoneInfo("Europe/Berlin")
EVENT = "events/sampleconf"
ERRORS = {
    "canceled": "Order canceled",
    "invalid": "Unknown ticket",
    "unpaid": "Ticket not paid",
    "rules": "Forbidden by custom rule",
    "already_redeemed": "Ticket already used",
    "product": "Ticket type not allowed here",
}


def moment(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text.replace("Z", "+00:00")) if text else None


def local(text: str | None) -> datetime | None:
    return moment(text).astimezone(ZONE) if text else None


def short(value: datetime | None) -> str:
    """pretix's English ``SHORT_DATETIME_FORMAT``."""
    return value.strftime("%Y-%m-%d %H:%M") if value else ""


def yes_no(value) -> str:
    return "Yes" if value else "No"


class Recording:
    """The event's positions with their orders, products and answers, from the JSON."""

    def __init__(self, event: str = EVENT) -> None:
        self.orders = recording(f"{event}/orders_include_canceled.json")
        self.positions = {p["id"]: {**p, "_order": o} for o in self.orders for p in o["positions"]}
        self.items = {i["id"]: i for i in recording(f"{event}/items.json")}
        self.variations = {v["id"]: v for i in self.items.values() for v in i["variations"]}
        self.vouchers = {v["id"]: v["code"] for v in recording(f"{event}/vouchers.json")}
        self.questions = {q["id"]: q for q in recording(f"{event}/questions.json")}
        self.lists = {c["id"]: c for c in recording(f"{event}/checkinlists.json")}
        self.scans = recording(f"{event}/checkins.json")

    def parent(self, position: dict) -> dict | None:
        return self.positions.get(position["addon_to"])

    def invoice_address(self, position: dict) -> dict:
        return position["_order"]["invoice_address"] or {}

    def product(self, position: dict) -> str:
        name = self.items[position["item"]]["name"]["en"]
        if position["variation"]:
            return f"{name} – {self.variations[position['variation']]['value']['en']}"
        return name

    def admitted(self, list_id: int) -> list[dict]:
        checkin_list = self.lists[list_id]

        def admits(p: dict) -> bool:
            order = p["_order"]
            if checkin_list["include_pending"]:
                paid = order["status"] in ("p", "n")
            else:
                paid = order["status"] == "p" or (
                    order["status"] == "n" and order["valid_if_pending"]
                )
            products = checkin_list["all_products"] or p["item"] in checkin_list["limit_products"]
            return not p["canceled"] and paid and products

        return [p for p in self.positions.values() if admits(p)]

    def name_key(self, position: dict) -> tuple:
        parent = self.parent(position) or {}
        name = (
            position["attendee_name"]
            or parent.get("attendee_name")
            or self.invoice_address(position).get("name")
            or position["_order"]["code"]
        )
        return (name, position["id"])

    def sorted(self, positions: list[dict], sort: str) -> list[dict]:
        if sort == "code":
            return sorted(positions, key=lambda p: (p["_order"]["code"], p["positionid"], p["id"]))
        if sort == "order_datetime":
            by_id = sorted(positions, key=lambda p: p["id"])
            return sorted(by_id, key=lambda p: moment(p["_order"]["datetime"]), reverse=True)
        return sorted(positions, key=self.name_key)

    def answer(self, answer: dict) -> str:
        """pretix's ``format_answer_for_export``."""
        question = self.questions[answer["question"]]
        if question["type"] in ("C", "M"):
            chosen = sorted(
                (o for o in question["options"] if o["id"] in answer["options"]),
                key=lambda o: (o["position"], o["id"]),
            )
            return ", ".join(o["answer"]["en"] for o in chosen)
        if question["type"] == "F":
            return "<file>"
        if question["type"] == "B":
            return {"True": "Yes", "False": "No"}.get(answer["answer"], answer["answer"])
        return answer["answer"]

    def answers(self, position: dict) -> dict[int, str]:
        found = {}
        for owner in (self.parent(position), position):
            for answer in (owner or {}).get("answers", []):
                found[answer["question"]] = self.answer(answer)
        return found


def last_scans(rec: Recording, list_id: int) -> dict[int, dict]:
    found: dict[int, dict] = defaultdict(lambda: {"entry": None, "exit": None, "auto": False})
    for scan in rec.scans:
        if scan["list"] != list_id or not scan["successful"] or scan["position"] is None:
            continue
        state = found[scan["position"]]
        at = moment(scan["datetime"])
        if state[scan["type"]] is None or at > state[scan["type"]]:
            state[scan["type"]] = at
        state["auto"] = state["auto"] or scan["auto_checked_in"]
    return found


def checkinlist_expected(rec: Recording, body: dict) -> list[list]:
    list_id = body["list"]
    scans = last_scans(rec, list_id)
    questions = sorted(
        (rec.questions[q] for q in body.get("questions", [])),
        key=lambda q: (q["position"], q["id"]),
    )
    rows = []
    for p in rec.sorted(rec.admitted(list_id), body.get("sort") or "name"):
        order, parent = p["_order"], rec.parent(p) or {}
        address = rec.invoice_address(p)
        state = scans.get(p["id"], {"entry": None, "exit": None, "auto": False})
        ordered = local(order["datetime"])
        answers = rec.answers(p)
        item = rec.items[p["item"]]
        variation = rec.variations.get(p["variation"]) or {}
        own_address = p["street"] or p["zipcode"] or p["city"]
        where = p if own_address else address
        row = [
            order["code"],
            p["attendee_name"] or parent.get("attendee_name") or address.get("name") or "",
            rec.product(p),
            Decimal(p["price"]),
            short(state["entry"] and state["entry"].astimezone(ZONE)),
            short(state["exit"] and state["exit"].astimezone(ZONE)),
            yes_no(state["auto"]),
        ]
        if rec.lists[list_id]["include_pending"]:
            row.append(yes_no(order["status"] == "p"))
        if body.get("secrets"):
            row.append(p["secret"])
        row += [
            p["attendee_email"] or parent.get("attendee_email") or order["email"] or "",
            order["phone"] or "",
            *(answers.get(q["id"], "") for q in questions),
            p["company"] or address.get("company") or "",
            rec.vouchers.get(p["voucher"], ""),
            ordered.strftime("%Y-%m-%d"),
            ordered.strftime("%H:%M:%S"),
            yes_no(
                order["checkin_attention"]
                or item["checkin_attention"]
                or variation.get("checkin_attention")
            ),
            order["comment"] or "",
            "\n".join(t for t in (order["checkin_text"], item["checkin_text"]) if t),
            *([""] * 5),  # no seating plan
            "Yes" if p["blocked"] else "",
            short(moment(p["valid_from"])),
            short(moment(p["valid_until"])),
            where.get("street") or "",
            where.get("zipcode") or "",
            where.get("city") or "",
            where.get("country") or "",
            where.get("state") or "",
        ]
        rows.append(row)
    return rows


CHECKINLIST_RUNS = [
    ({"list": 1}, "event level · `default`", "default"),
    ({"list": 1}, "event level · `default`", "xlsx"),
    (
        {"list": 1, "secrets": True, "sort": "code", "questions": [1, 2]},
        "secrets_code_questions",
        "default",
    ),
    ({"list": 2, "sort": "order_datetime"}, None, "default"),
    ({"list": 3}, None, "default"),
]
# Check-in list id: (event, list name, positions it admits).
LISTS = {
    1: ("sampleconf", "Main entrance", 347),
    2: ("sampleconf", "Workshops", 141),
    3: ("workshopday", "Entrance", 19),
}


@pytest.mark.parametrize(("body", "section", "fmt"), CHECKINLIST_RUNS)
def test_checkinlist_is_pretixs_cell_for_cell(body, section, fmt, pretix_shop):
    """pretix hands the price to openpyxl as a decimal (a number cell in xlsx) and writes
    every date and time as text."""
    event, list_name, count = LISTS[body["list"]]
    name, data = run_export(pretix_shop, "checkinlist", {"_format": fmt, **body}, event)
    assert name == f"{event}_checkin_{list_name}.{'csv' if fmt == 'default' else 'xlsx'}"
    header, rows = file_rows(data, fmt)
    if section:
        assert header == header_of("checkinlist", section)
    expected = as_written(checkinlist_expected(Recording(f"events/{event}"), body), fmt)
    assert len(rows) == len(expected) == count
    for number, (got, want) in enumerate(zip(rows, expected, strict=True), start=2):
        assert got == want, f"row {number}"


def codes_expected(rec: Recording, list_id: int) -> list[list]:
    admitted = [p for p in rec.admitted(list_id) if not p["blocked"]]
    return [
        [
            p["secret"],
            rec.items[p["item"]]["name"]["en"],
            rec.variations[p["variation"]]["value"]["en"] if p["variation"] else "",
            yes_no(p["_order"]["status"] == "p"),
            short(moment(p["valid_from"])),
            short(moment(p["valid_until"])),
        ]
        for p in rec.sorted(admitted, "name")
    ]


@pytest.mark.parametrize(
    ("list_id", "fmt"), [(1, "default"), (2, "default"), (3, "default"), (1, "xlsx")]
)
def test_checkinlistcodes_is_pretixs_cell_for_cell(list_id, fmt, pretix_shop):
    event, list_name, count = LISTS[list_id]
    body = {"_format": fmt, "list": list_id}
    name, data = run_export(pretix_shop, "checkinlistcodes", body, event)
    assert name == f"{event}_checkin_{list_name}.{'csv' if fmt == 'default' else 'xlsx'}"
    header, rows = file_rows(data, fmt)
    assert header == header_of("checkinlistcodes", "event level")
    expected = as_written(codes_expected(Recording(f"events/{event}"), list_id), fmt)
    assert len(rows) == len(expected) == count
    for number, (got, want) in enumerate(zip(rows, expected, strict=True), start=2):
        assert got == want, f"row {number}"


def checkinlog_expected(rec: Recording, body: dict) -> list[list]:
    lists = {c["id"]: c["name"] for c in rec.lists.values()}
    items = body.get("items") or []
    scans = []
    for scan in rec.scans:
        position = rec.positions.get(scan["position"])
        if body.get("list") and scan["list"] != body["list"]:
            continue
        if items and len(items) != len(rec.items):
            if not position or position["item"] not in items:
                continue
        if body.get("successful_only") and not scan["successful"]:
            continue
        scans.append(scan)
    rows = []
    for scan in sorted(scans, key=lambda s: (moment(s["datetime"]), s["id"])):
        p = rec.positions.get(scan["position"])
        at, uploaded = local(scan["datetime"]), local(scan["created"])
        name = ""
        if p:
            parent = rec.parent(p) or {}
            name = (
                p["attendee_name"]
                or parent.get("attendee_name")
                or rec.invoice_address(p).get("name")
                or ""
            )
        rows.append(
            [
                at.strftime("%Y-%m-%d"),
                at.strftime("%H:%M"),
                lists[scan["list"]],
                scan["type"].capitalize(),
                p["_order"]["code"] if p else "",
                p["positionid"] if p else "",
                p["secret"] if p else "",
                rec.items[p["item"]]["name"]["en"] if p else "",
                name,
                "#1: Scanner 1 (Zebra TC21)" if scan["device"] == 1 else "",
                "No",  # pretix's default for a scan not sent from offline mode
                "No",
                yes_no(scan["auto_checked_in"]),
                "",  # the gate's name: pretix's API names gates by id only
                "OK" if scan["successful"] else ERRORS[scan["error_reason"]],
                scan["error_explanation"] or "",
                uploaded.strftime("%Y-%m-%d"),
                uploaded.strftime("%H:%M"),
            ]
        )
    return rows


GATE = 13
SECRET = 6


@pytest.mark.parametrize(
    ("event", "body", "fmt"),
    [
        ("sampleconf", {"items": [1, 2, 3], "successful_only": False}, "default"),
        ("sampleconf", {"items": [1, 2, 3], "successful_only": False}, "xlsx"),
        ("sampleconf", {"items": [2], "list": 2, "successful_only": True}, "default"),
        ("sampleconf", {"items": [1, 3]}, "default"),
        ("workshopday", {"items": [4, 5], "successful_only": False}, "default"),
    ],
)
def test_checkinlog_is_pretixs_cell_for_cell(event, body, fmt, pretix_shop):
    """Two cells pretix's API does not carry are compared apart: the gate's name (pretix's
    API names gates by id only) and the code scanned where it matched no ticket."""
    name, data = run_export(pretix_shop, "checkinlog", {"_format": fmt, **body}, event)
    assert name == f"{event}_checkinlog.{'csv' if fmt == 'default' else 'xlsx'}"
    header, rows = file_rows(data, fmt)
    assert header == header_of("checkinlog", "event level")
    expected = as_written(checkinlog_expected(Recording(f"events/{event}"), body), fmt)
    assert len(rows) == len(expected) > 0
    if event == "sampleconf" and body.get("successful_only") is False:
        assert len(rows) == 157
    for number, (got, want) in enumerate(zip(rows, expected, strict=True), 2):
        unknown = not want[4]
        assert not got[GATE], f"row {number}"
        if unknown:
            got, want = got[:SECRET] + got[SECRET + 1 :], want[:SECRET] + want[SECRET + 1 :]
        assert got == want, f"row {number}"
