"""The ``json`` exporter: pretix's "Order data (JSON)" layout, checked against the store."""

import json
import re
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select

from service.exporters import REGISTRY, ExportScope
from service.exporters import json_export as json_export_module
from service.store import get_session, queries
from service.store.models import (
    Event,
    Item,
    ItemMetaProperty,
    Order,
    OrderFee,
    OrderPosition,
    Organizer,
    QuestionAnswer,
    Quota,
    SalesChannel,
    Seat,
)

from .conftest import path_of

SAMPLE = Path(__file__).parent / "data" / "pretix-json-export-300-orders.json"
MONEY_RE = re.compile(r"^-?\d+\.\d{2}$")
UTC_RE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{3})?Z$")


@pytest.fixture(scope="module")
def sample() -> dict:
    return json.loads(SAMPLE.read_text())["event"]


def download(client, headers, url: str, run_jobs, body=None):
    response = client.post(url, headers=headers, json=body if body is not None else {})
    assert response.status_code == 202, response.json
    run_jobs()
    return client.get(path_of(response.json["download"]), headers=headers)


@pytest.fixture
def exported(client, demo, run_jobs) -> dict:
    response = download(client, demo.headers(), demo.event_url("json/run/"), run_jobs)
    assert response.status_code == 200, response.json
    return json.loads(response.data)


def store_snapshot(app, event_slug: str, organizer_slug: str = "bigevents") -> dict:
    """What the store holds for one event, keyed by order code."""
    with app.app_context():
        session = get_session()
        event = session.scalars(
            select(Event)
            .join(Organizer, Event.organizer_id == Organizer.id)
            .where(Organizer.slug == organizer_slug, Event.slug == event_slug)
        ).one()
        orders = {
            o.code: o for o in session.scalars(select(Order).where(Order.event_id == event.id))
        }
        ids = [o.id for o in orders.values()]
        positions = defaultdict(list)
        for p in session.scalars(
            select(OrderPosition)
            .where(OrderPosition.order_id.in_(ids))
            .order_by(OrderPosition.positionid)
        ):
            positions[p.order_id].append(p)
        fees = defaultdict(list)
        for f in session.scalars(select(OrderFee).where(OrderFee.order_id.in_(ids))):
            fees[f.order_id].append(f)
        position_ids = [p.id for lines in positions.values() for p in lines]
        answers = defaultdict(dict)
        for a in session.scalars(
            select(QuestionAnswer).where(QuestionAnswer.position_id.in_(position_ids))
        ):
            answers[a.position_id][a.question_id] = a.answer
        return {
            "event": event,
            "orders": orders,
            "positions": positions,
            "fees": fees,
            "answers": answers,
        }


# The layout ---------------------------------------------------------------------------------
def test_event_export_is_served_as_pretixdata_json(client, demo, run_jobs):
    response = download(client, demo.headers(), demo.event_url("json/run/"), run_jobs)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/json")
    assert (
        response.headers["Content-Disposition"]
        == 'attachment; filename="sampleconf_pretixdata.json"'
    )
    assert int(response.headers["Content-Length"]) == len(response.data)
    assert response.data.isascii(), "written like json.dumps: non-ASCII as \\u escapes"


def test_keys_and_their_order_are_pretixs(exported, sample):
    assert list(exported) == ["event"]
    event = exported["event"]
    assert list(event) == list(sample)
    assert list(event["categories"][0]) == list(sample["categories"][0])
    item_with_variations = next(i for i in event["items"] if i["variations"])
    assert list(item_with_variations) == list(sample["items"][0])
    assert list(item_with_variations["variations"][0]) == list(sample["items"][1]["variations"][0])
    assert list(event["questions"][0]) == list(sample["questions"][0])
    assert list(event["quotas"][0]) == list(sample["quotas"][0])
    order = event["orders"][0]
    assert list(order) == list(sample["orders"][0]), "no payments or refunds: pretix has none"
    assert list(order["positions"][0]) == list(sample["orders"][0]["positions"][0])
    fee = next(f for o in event["orders"] for f in o["fees"])
    assert list(fee) == list(sample["orders"][14]["fees"][0])


def test_values_are_written_as_pretix_writes_them(exported):
    event = exported["event"]
    assert event["organizer"] == {"name": "Big Events Ltd.", "slug": "bigevents"}
    assert event["meta_data"] == {} and event["subevents"] == []
    regular = next(i for i in event["items"] if i["name"] == "Regular ticket")
    assert regular["price"] == "250.00"
    assert regular["tax_rate"] == "19"
    assert regular["tax_name"] == "VAT"
    assert regular["internal_name"] == "REG"
    dinner = next(i for i in event["items"] if i["name"] == "Conference dinner")
    assert dinner["internal_name"] == "None", "pretix writes str(None)"
    shirt = next(i for i in event["items"] if i["name"] == "T-shirt")
    assert shirt["tax_rate"] == "7"
    assert [v["price"] for v in shirt["variations"]] == ["25.00"] * 3, "falls back to the item"
    for order in event["orders"]:
        assert MONEY_RE.match(order["total"])
        assert UTC_RE.match(order["datetime"]) and UTC_RE.match(order["expires"])
        assert order["user"] == order["email"]
        assert order["phone"] is not None, "pretix writes str(phone), 'None' when missing"
        for position in order["positions"]:
            assert MONEY_RE.match(position["price"]) and MONEY_RE.match(position["tax_value"])
            assert position["tax_rate"] in ("19", "7")
    assert "None" in {o["phone"] for o in event["orders"]}
    assert any(o["phone"].startswith("+") for o in event["orders"])


# Checked against the store ------------------------------------------------------------------
def test_every_order_with_its_total_positions_and_fees(app, exported):
    store = store_snapshot(app, "sampleconf")
    orders = {o["code"]: o for o in exported["event"]["orders"]}
    assert set(orders) == set(store["orders"])
    assert len(exported["event"]["orders"]) == len(store["orders"])
    canceled_positions = 0
    for code, row in store["orders"].items():
        order = orders[code]
        assert Decimal(order["total"]) == row.total
        assert order["status"] == row.status
        assert order["email"] == row.email
        active = [p for p in store["positions"][row.id] if not p.canceled]
        canceled_positions += len(store["positions"][row.id]) - len(active)
        assert [p["secret"] for p in order["positions"]] == [p.secret for p in active]
        assert [Decimal(p["price"]) for p in order["positions"]] == [p.price for p in active]
        assert [p["attendee_name"] for p in order["positions"]] == [p.attendee_name for p in active]
        for position, line in zip(order["positions"], active, strict=True):
            assert {a["question"]: a["answer"] for a in position["answers"]} == store["answers"][
                line.id
            ]
        fees = [f for f in store["fees"][row.id] if not f.canceled]
        assert sorted(Decimal(f["value"]) for f in order["fees"]) == sorted(f.value for f in fees)
    assert canceled_positions > 0, "the demo data has canceled positions to leave out"


def test_lists_are_in_pretixs_orderings(app, exported):
    """Orders newest first (pretix's ``-datetime, -pk``), quotas by name, a quota's
    variations by position."""
    event = exported["event"]
    store = store_snapshot(app, "sampleconf")
    newest_first = sorted(store["orders"].values(), key=lambda o: (o.datetime, o.id), reverse=True)
    assert [o["code"] for o in event["orders"]] == [o.code for o in newest_first]
    assert [q["id"] for q in event["quotas"]] != sorted(q["id"] for q in event["quotas"])
    with app.app_context():
        names = dict(get_session().execute(select(Quota.id, Quota.name)).all())
    assert [names[q["id"]] for q in event["quotas"]] == ["Dinner", "T-shirts", "Tickets"]


def test_rarer_values_as_pretix_writes_them(app, client, demo, run_jobs):
    """Product meta data (the event's properties' defaults, overridden by the product, then
    the variation), products without a category last, limited sales channels in the
    organizer's order (position, type, identifier), no tax rule, blocked tickets and seats."""
    with app.app_context():
        session = get_session()
        event = session.scalars(select(Event).where(Event.slug == "sampleconf")).first()
        organizer_id = event.organizer_id
        session.add_all(
            [
                ItemMetaProperty(event_id=event.id, name="room", default="Hall A"),
                ItemMetaProperty(event_id=event.id, name="colour", default="blue"),
                SalesChannel(organizer_id=organizer_id, identifier="box", type="box", position=1),
                SalesChannel(organizer_id=organizer_id, identifier="api", type="api", position=0),
            ]
        )
        shirt = session.scalars(
            select(Item).where(Item.event_id == event.id, Item.name == "T-shirt")
        ).one()
        shirt.meta_data = {"room": "Hall B"}
        shirt.variations[0].meta_data = {"colour": "red"}
        shirt.category_id = None
        shirt.tax_rule_id = None
        shirt.all_sales_channels = False
        shirt.limit_sales_channels = ["box", "web", "api"]
        seat = Seat(event_id=event.id, seat_guid="row-1-seat-4", name="Row 1, Seat 4")
        session.add(seat)
        session.flush()
        line = session.scalars(
            select(OrderPosition)
            .join(Order, Order.id == OrderPosition.order_id)
            .where(Order.event_id == event.id, OrderPosition.canceled.is_(False))
            .order_by(OrderPosition.id)
        ).first()
        line.blocked = "admin, api:partner"
        line.seat_id = seat.id
        line_id = line.id
        session.commit()
    response = download(client, demo.headers(), demo.event_url("json/run/"), run_jobs)
    items = json.loads(response.data)["event"]["items"]
    assert items[-1]["name"] == "T-shirt", "no category: last"
    shirt = items[-1]
    assert shirt["meta_data"] == {"colour": "blue", "room": "Hall B"}
    assert shirt["variations"][0]["meta_data"] == {"colour": "red", "room": "Hall B"}
    assert shirt["variations"][1]["meta_data"] == {"colour": "blue", "room": "Hall B"}
    assert items[0]["meta_data"] == {"colour": "blue", "room": "Hall A"}
    assert shirt["tax_rate"] == "0.00" and shirt["tax_name"] is None
    # By position, then type: api (0, api), web (0, web), resellers (1, api), box (1, box).
    assert items[0]["sales_channels"] == ["api", "web", "resellers", "box"]
    assert shirt["sales_channels"] == ["api", "web", "box"]
    position = next(
        p
        for o in json.loads(response.data)["event"]["orders"]
        for p in o["positions"]
        if p["id"] == line_id
    )
    assert position["blocked"] == ["admin", "api:partner"]
    assert position["seat"] == "row-1-seat-4"


def test_add_ons_point_to_their_ticket(exported):
    pairs = [
        (order, position)
        for order in exported["event"]["orders"]
        for position in order["positions"]
        if position["addon_to"] is not None
    ]
    assert pairs
    for order, position in pairs:
        assert position["addon_to"] in {p["id"] for p in order["positions"]}


def test_non_ascii_names_and_formula_answers_are_intact(app, exported):
    store = store_snapshot(app, "sampleconf")
    names = {p.attendee_name for lines in store["positions"].values() for p in lines}
    exported_names = {
        p["attendee_name"] for o in exported["event"]["orders"] for p in o["positions"]
    }
    non_ascii = {n for n in names if n and not n.isascii()}
    assert non_ascii and non_ascii & exported_names
    answers = [
        a["answer"]
        for o in exported["event"]["orders"]
        for p in o["positions"]
        for a in p["answers"]
    ]
    assert '=HYPERLINK("http://x")' in answers or "=1+2" in answers
    assert all(not a.startswith("'") for a in answers), "JSON is not defused like CSV"


# Organizer level ----------------------------------------------------------------------------
def test_organizer_level_wraps_the_events(app, client, demo, run_jobs):
    response = download(client, demo.headers(), demo.organizer_url("json/run/"), run_jobs)
    assert response.status_code == 200
    assert (
        response.headers["Content-Disposition"]
        == 'attachment; filename="bigevents_pretixdata.json"'
    )
    document = json.loads(response.data)
    assert list(document) == ["organizer", "events"]
    assert document["organizer"] == {"name": "Big Events Ltd.", "slug": "bigevents"}
    with app.app_context():
        slugs = get_session().scalars(
            select(Event.slug)
            .join(Organizer, Event.organizer_id == Organizer.id)
            .where(Organizer.slug == "bigevents")
        )
        assert sorted(e["slug"] for e in document["events"]) == sorted(slugs)
    sampleconf = next(e for e in document["events"] if e["slug"] == "sampleconf")
    single = download(client, demo.headers(), demo.event_url("json/run/"), run_jobs)
    assert sampleconf == json.loads(single.data)["event"]


def test_organizer_level_takes_only_the_chosen_events(client, demo, run_jobs):
    response = download(
        client,
        demo.headers(),
        demo.organizer_url("json/run/"),
        run_jobs,
        {"events": ["sampleconf"]},
    )
    assert [e["slug"] for e in json.loads(response.data)["events"]] == ["sampleconf"]


def test_listed_without_parameters_of_its_own(client, demo):
    response = client.get(demo.event_url("json/"), headers=demo.headers())
    assert response.json == {
        "identifier": "json",
        "verbose_name": "Order data (JSON)",
        "input_parameters": [],
    }
    response = client.get(demo.organizer_url("json/"), headers=demo.headers())
    assert [p["name"] for p in response.json["input_parameters"]] == ["all_events", "events"]


def test_unknown_parameters_are_refused(client, demo):
    response = client.post(
        demo.event_url("json/run/"), headers=demo.headers(), json={"_format": "xlsx"}
    )
    assert response.status_code == 400
    assert response.json == {"fields": ["Additional fields not allowed: ['_format']."]}


def test_hidden_and_404_without_the_permission_to_view_orders(client, demo):
    headers = demo.headers("no_orders")
    for url in (demo.event_url(), demo.organizer_url()):
        listing = client.get(url, headers=headers)
        assert "json" not in [r["identifier"] for r in listing.json["results"]]
        response = client.post(url + "json/run/", headers=headers, json={})
        assert response.status_code == 404
        assert response.json == {"detail": "Not found."}


# Streaming ----------------------------------------------------------------------------------
def test_orders_are_read_and_written_chunk_by_chunk(app, demo, tmp_path, monkeypatch):
    chunks = []
    real = queries.iter_order_chunks

    def small_chunks(session, flt, chunk_size=queries.CHUNK_SIZE, newest_first=False):
        for chunk in real(session, flt, chunk_size=7, newest_first=newest_first):
            chunks.append(len(chunk))
            yield chunk

    progress = []
    with app.app_context():
        session = get_session()
        organizer = session.scalars(select(Organizer).where(Organizer.slug == "bigevents")).one()
        event = session.scalars(
            select(Event).where(Event.organizer_id == organizer.id, Event.slug == "sampleconf")
        ).one()
        exporter = REGISTRY["json"](session, ExportScope(organizer, [event], event))
        exporter.write(exporter.validate({}), tmp_path / "whole.json", lambda f: None)
        monkeypatch.setattr(json_export_module.queries, "iter_order_chunks", small_chunks)
        exporter.write(exporter.validate({}), tmp_path / "chunked.json", progress.append)
    assert len(chunks) > 3 and max(chunks) == 7
    assert (tmp_path / "chunked.json").read_bytes() == (tmp_path / "whole.json").read_bytes()
    assert progress == sorted(progress) and len(progress) >= 3
    assert 0 < progress[0] and progress[-1] == pytest.approx(1.0)
