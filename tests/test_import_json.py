"""``flask import-json``: pretix's JSON order data (and ours) into the store, all or nothing."""

import copy
import json
import uuid
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest
from rq import SimpleWorker
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from service import create_app
from service.auth import create_team_token
from service.exporters import REGISTRY, ExportScope
from service.jobs import get_queue
from service.store import create_all, get_engine, get_session
from service.store.demo import generate_demo_data
from service.store.importers import pretix_json as importer
from service.store.models import (
    Checkin,
    CheckinList,
    Event,
    Item,
    ItemVariation,
    Order,
    OrderFee,
    OrderPayment,
    OrderPosition,
    OrderRefund,
    Organizer,
    Question,
    QuestionAnswer,
    Quota,
    SalesChannel,
    TaxRule,
    quota_items,
    quota_variations,
)

from .conftest import DEMO_ORDERS, REDIS_URL, Demo, path_of

SAMPLE = Path(__file__).parent / "data" / "pretix-json-export-300-orders.json"
TABLES = [model.__table__ for model in importer.MODELS] + [quota_items, quota_variations]


@pytest.fixture(scope="module")
def sample() -> dict:
    return json.loads(SAMPLE.read_text())


def make_app(database_url: str, tmp_path: Path):
    app = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": database_url,
            "REDIS_URL": REDIS_URL,
            "EXPORT_DIR": str(tmp_path / "exports"),
            "EXPORT_QUEUE": f"exports-import-{uuid.uuid4().hex[:8]}",
            "SERVER_NAME": "testserver",
        }
    )
    with app.app_context():
        create_all(get_engine())
    return app


@pytest.fixture
def store(tmp_path):
    """An empty store of its own, so that imports do not meet the other tests' data."""
    app = make_app(f"sqlite:///{tmp_path / 'import.db'}", tmp_path)
    yield app
    with app.app_context():
        get_engine().dispose()


def import_json(app, organizer: str, path: Path, *, timezone: str | None = "Europe/Berlin"):
    """``flask import-json ORGANIZER PATH --timezone ZONE``, in an app context as the
    ``flask`` command has."""
    zone = [] if timezone is None else ["--timezone", timezone]
    with app.app_context():
        return app.test_cli_runner().invoke(args=["import-json", organizer, str(path), *zone])


def table_counts(app) -> dict[str, int]:
    with app.app_context():
        session = get_session()
        return {
            table.name: session.scalar(select(func.count()).select_from(table)) for table in TABLES
        }


def write(tmp_path: Path, document, name: str = "import.json") -> Path:
    path = tmp_path / name
    path.write_text(document if isinstance(document, str) else json.dumps(document))
    return path


# pretix's own file ----------------------------------------------------------------------------
def test_the_real_pretix_file_is_imported_completely(store, sample):
    result = import_json(store, "pretixshop", SAMPLE)
    assert result.exit_code == 0, result.output
    assert "organizer: pretixshop (created)  events: sampleconf" in result.output
    orders = sample["event"]["orders"]
    positions = [p for o in orders for p in o["positions"]]
    counts = table_counts(store)
    assert counts["organizers"] == 1 and counts["events"] == 1
    assert counts["orders"] == len(orders) == 300
    assert counts["order_positions"] == len(positions) == 588
    assert counts["order_fees"] == sum(len(o["fees"]) for o in orders) == 104
    assert counts["question_answers"] == sum(len(p["answers"]) for p in positions) == 488
    assert counts["items"] == 3 and counts["item_variations"] == 2
    assert counts["questions"] == 2 and counts["quotas"] == 1
    assert counts["quota_items"] == 3 and counts["quota_variations"] == 2
    assert counts["order_payments"] == counts["order_refunds"] == counts["checkins"] == 0
    assert "orders: 300, positions: 588, fees: 104, answers: 488" in result.output


def test_without_a_time_zone_the_import_is_refused_saying_so(store):
    result = import_json(store, "pretixshop", SAMPLE, timezone=None)
    assert result.exit_code != 0
    assert "--timezone ZONE is required" in result.output
    assert "does not say the event's time zone" in result.output
    assert table_counts(store)["events"] == 0


def test_an_unknown_time_zone_is_refused(store):
    result = import_json(store, "pretixshop", SAMPLE, timezone="Mars/Olympus")
    assert result.exit_code != 0
    assert "unknown time zone 'Mars/Olympus'" in result.output
    assert table_counts(store)["events"] == 0


def test_the_event_gets_the_time_zone_named(store):
    assert import_json(store, "pretixshop", SAMPLE, timezone="America/New_York").exit_code == 0
    with store.app_context():
        assert get_session().scalars(select(Event)).one().timezone == "America/New_York"


def test_fees_get_the_tax_of_the_events_tax_rule_and_the_import_says_so(store, sample):
    result = import_json(store, "pretixshop", SAMPLE)
    assert result.exit_code == 0, result.output
    fees = [f for o in sample["event"]["orders"] for f in o["fees"]]
    assert fees and all("tax_rate" not in f for f in fees), "pretix's file names no fee tax"
    # Every product of the file is taxed at 19 % "VAT".
    assert {(i["tax_rate"], i["tax_name"]) for i in sample["event"]["items"]} == {("19", "VAT")}
    assert (
        f"{len(fees)} fees without tax in the file got the tax of the event's tax rule: VAT 19%"
        in result.output
    )
    with store.app_context():
        session = get_session()
        rule = session.scalars(select(TaxRule)).one()
        assert (rule.name, rule.rate, rule.internal_name) == ("VAT", Decimal("19.00"), None)
        stored = session.scalars(select(OrderFee).order_by(OrderFee.id)).all()
        by_value = {Decimal(f["value"]) for f in fees}
        assert {f.value for f in stored} == by_value
        for fee in stored:
            assert fee.tax_rate == Decimal("19.00") and fee.tax_rule_id == rule.id
            # 19 % included in the gross value, to the cent: 2.50 holds 0.40.
            expected = (fee.value * 19 / 119).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
            assert fee.tax_value == expected
        assert {f.tax_value for f in stored if f.value == Decimal("2.50")} == {Decimal("0.40")}
        positions = session.scalars(select(OrderPosition)).all()
        assert {p.tax_rule_id for p in positions} == {rule.id}


def test_the_import_lists_what_the_file_could_not_carry(store):
    result = import_json(store, "pretixshop", SAMPLE)
    assert result.exit_code == 0, result.output
    last = result.output.strip().splitlines()[-1]
    assert last.startswith("Not in the file, so not imported: ")
    for kind in ("payments", "refunds", "check-ins", "invoice addresses", "fees' tax"):
        assert kind in last, kind


def test_the_real_pretix_file_spot_checks(store):
    assert import_json(store, "pretixshop", SAMPLE).exit_code == 0
    with store.app_context():
        session = get_session()
        organizer = session.scalars(select(Organizer)).one()
        assert (organizer.slug, organizer.name) == ("pretixshop", "Big Events Ltd.")
        event = session.scalars(select(Event)).one()
        assert (event.slug, event.name) == ("sampleconf", "Sample Conference")
        order = session.scalars(select(Order).where(Order.code == "BAAMC")).one()
        assert order.status == "n"
        assert order.total == Decimal("600.00")
        assert order.email == "nora.obrien.299@example.org"
        assert order.phone is None, 'pretix\'s "None" is no phone number'
        assert order.datetime.isoformat() == "2026-01-05T16:04:06"
        assert order.expires.isoformat() == "2026-01-19T16:04:06"
        lines = session.scalars(
            select(OrderPosition)
            .where(OrderPosition.order_id == order.id)
            .order_by(OrderPosition.positionid)
        ).all()
        assert [p.attendee_name for p in lines] == ["Karl Hoffmann", "Felix García", "Anna Müller"]
        assert [p.price for p in lines] == [Decimal("250.00"), Decimal("250.00"), Decimal("100.00")]
        assert lines[0].tax_rate == Decimal("19") and lines[0].tax_value == Decimal("39.92")
        assert lines[0].secret == "96afe84b0c4c6496ba88361db69afe48"
        assert session.get(ItemVariation, lines[2].variation_id).value == "Beginner"
        assert session.get(Item, lines[2].item_id).name == "Workshop ticket"
        answer = session.scalars(
            select(QuestionAnswer).where(QuestionAnswer.position_id == lines[0].id)
        ).one()
        assert answer.answer == "vegan"
        assert session.get(Question, answer.question_id).identifier == "DIET"
        regular = session.scalars(select(Item).where(Item.name == "Regular ticket")).one()
        assert regular.internal_name is None and regular.default_price == Decimal("250.00")
        assert regular.tax_name == "VAT" and regular.admission


def product_data(app, organizer: str) -> list[dict]:
    """The rows of the product data export of the organizer's first event, by column."""
    with app.app_context():
        session = get_session()
        found = session.scalars(select(Organizer).where(Organizer.slug == organizer)).one()
        event = session.scalars(select(Event).where(Event.organizer_id == found.id)).first()
        exporter = REGISTRY["itemdata"](session, ExportScope(found, [event], event))
        table = exporter.table({"_format": "default"})
        return [dict(zip(table.columns, row, strict=True)) for row in table.rows]


def test_product_settings_and_sales_channels_come_along(store, sample, tmp_path):
    """What pretix's file says of products beyond names and prices reaches the product data
    export; the sales channels it names become the organizer's, pretix's shop first."""
    varied = copy.deepcopy(sample)
    regular, workshop, _dinner = varied["event"]["items"]
    regular.update(
        sales_channels=["box", "web"],
        require_voucher=True,
        original_price="300.00",
        checkin_text="Wristband",
        allow_cancel=False,
        meta_data={"Area": "Hall A"},
    )
    workshop["sales_channels"] = ["web", "box"]
    beginner, advanced = workshop["variations"]
    beginner.update(hide_without_voucher=True, require_membership=True)
    advanced.update(sales_channels=["box"], available_from="2026-01-10T09:00:00+00:00")
    varied["event"]["categories"][0]["internal_name"] = "TIX"
    assert import_json(store, "pretixshop", write(tmp_path, varied)).exit_code == 0
    with store.app_context():
        session = get_session()
        channels = session.scalars(select(SalesChannel).order_by(SalesChannel.position)).all()
        assert [(c.identifier, c.type, c.label) for c in channels] == [
            ("web", "web", "Online shop"),
            ("box", "api", "box"),
        ]
        stored = session.scalars(select(Item).where(Item.name == "Regular ticket")).one()
        assert stored.meta_data == {"Area": "Hall A"} and not stored.all_sales_channels
    rows = product_data(store, "pretixshop")
    assert [(r["Product ID"] > 0, r["Variation (en)"]) for r in rows] == [
        (True, ""),
        (True, "Beginner"),
        (True, "Advanced"),
        (True, ""),
    ]
    regular_row, beginner_row, advanced_row, dinner_row = rows
    assert regular_row["Product category"] == "TIX"
    assert regular_row["Sales channels"] == "Online shop, box"
    assert regular_row["This product can only be bought using a voucher."] == "Yes"
    assert regular_row["Allow product to be canceled or changed"] == ""
    assert regular_row["Original price"] == Decimal("300.00")
    assert regular_row["Check-in text"] == "Wristband"
    assert beginner_row["Sales channels"] == "Online shop"
    assert (
        beginner_row[
            "This product will only be shown if a voucher matching the product is redeemed."
        ]
        == "Yes"
    )
    assert beginner_row["Require a valid membership"] == "Yes"
    assert advanced_row["Sales channels"] == "box"
    assert advanced_row["Available from"] == "2026-01-10 10:00"
    assert dinner_row["Sales channels"] == "Online shop"
    # A second file adds only the channels the organizer lacks, after those it has.
    again = copy.deepcopy(sample)
    again["event"]["slug"] = "sampleconf-2"
    again["event"]["items"][0]["sales_channels"] = ["web", "resale"]
    assert import_json(store, "pretixshop", write(tmp_path, again, "again.json")).exit_code == 0
    with store.app_context():
        session = get_session()
        positions = session.execute(
            select(SalesChannel.identifier, SalesChannel.position).order_by(SalesChannel.position)
        ).all()
        assert positions == [("web", 0), ("box", 1), ("resale", 2)]


def test_add_ons_are_mapped_to_their_new_ticket(store):
    assert import_json(store, "pretixshop", SAMPLE).exit_code == 0
    with store.app_context():
        session = get_session()
        addons = session.scalars(
            select(OrderPosition).where(OrderPosition.addon_to_id.is_not(None))
        ).all()
        assert addons
        for addon in addons:
            parent = session.get(OrderPosition, addon.addon_to_id)
            assert parent.order_id == addon.order_id and parent.addon_to_id is None
        dinner = session.scalars(
            select(OrderPosition).where(OrderPosition.secret == "e14ecf5d455ae31b9442d34bc1a48509")
        ).one()
        parent = session.get(OrderPosition, dinner.addon_to_id)
        assert (parent.positionid, session.get(Item, parent.item_id).name) == (
            1,
            "Regular ticket",
        )


def test_an_existing_organizer_gets_a_second_event(store, sample, tmp_path):
    assert import_json(store, "pretixshop", SAMPLE).exit_code == 0
    renamed = copy.deepcopy(sample)
    renamed["event"]["slug"] = "sampleconf-2"
    renamed["event"]["organizer"]["name"] = "Not used: the organizer exists"
    result = import_json(store, "pretixshop", write(tmp_path, renamed))
    assert result.exit_code == 0, result.output
    assert "(created)" not in result.output
    with store.app_context():
        session = get_session()
        assert session.scalars(select(Organizer.name)).all() == ["Big Events Ltd."]
        assert sorted(session.scalars(select(Event.slug))) == ["sampleconf", "sampleconf-2"]
        assert session.scalar(select(func.count()).select_from(Order)) == 600


def test_a_big_file_shows_progress_bars_on_stderr(store, monkeypatch):
    from service import cli

    monkeypatch.setattr(cli, "PROGRESS_BAR_ORDERS", 100)
    result = import_json(store, "pretixshop", SAMPLE)
    assert result.exit_code == 0, result.output
    assert "Checking orders" in result.stderr and "Writing orders" in result.stderr
    assert "Checking orders" not in result.stdout


def test_a_small_file_shows_no_progress_bar(store):
    result = import_json(store, "pretixshop", SAMPLE)
    assert result.exit_code == 0, result.output
    assert result.stderr == ""


# Refusals -------------------------------------------------------------------------------------
def position_with_addon(document) -> tuple[int, int]:
    for index, order in enumerate(document["event"]["orders"]):
        for number, position in enumerate(order["positions"]):
            if position["addon_to"] is not None:
                return index, number
    raise AssertionError("the sample has add-ons")


def set_addon_nowhere(document):
    index, number = position_with_addon(document)
    document["event"]["orders"][index]["positions"][number]["addon_to"] = 999999
    return f"event.orders[{index}].positions[{number}].addon_to: no other position with id 999999"


def set_addon_to_other_order(document):
    index, number = position_with_addon(document)
    stranger = document["event"]["orders"][index + 1]["positions"][0]["id"]
    document["event"]["orders"][index]["positions"][number]["addon_to"] = stranger
    return f"event.orders[{index}].positions[{number}].addon_to: no other position with id"


def set_duplicate_code(document):
    orders = document["event"]["orders"]
    orders[7]["code"] = orders[2]["code"]
    return f"event.orders[7].code: duplicate order code {orders[2]['code']!r}"


def set_foreign_variation(document):
    position = document["event"]["orders"][12]["positions"][0]
    assert position["item"] == 1
    position["variation"] = 2
    return "event.orders[12].positions[0].variation: variation 2 is not a variation of product 1"


def change(path: list, value):
    """A mutation that sets the value at ``path`` in the event."""

    def mutate(document):
        target = document["event"]
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value

    return mutate


def delete(path: list):
    def mutate(document):
        target = document["event"]
        for key in path[:-1]:
            target = target[key]
        del target[path[-1]]

    return mutate


P0 = ["orders", 12, "positions", 0]
REFUSALS = {
    "unknown product": (
        change([*P0, "item"], 99),
        "event.orders[12].positions[0].item: unknown product id 99",
    ),
    "unknown variation": (
        change([*P0, "variation"], 77),
        "event.orders[12].positions[0].variation: unknown variation id 77",
    ),
    "variation of another product": (set_foreign_variation, None),
    "unknown question": (
        change([*P0, "answers", 0, "question"], 42),
        "event.orders[12].positions[0].answers[0].question: unknown question id 42",
    ),
    "addon_to pointing nowhere": (set_addon_nowhere, None),
    "addon_to in another order": (set_addon_to_other_order, None),
    "duplicate order code": (set_duplicate_code, None),
    "price a number": (
        change([*P0, "price"], 12.5),
        'event.orders[12].positions[0].price: expected a decimal string like "23.00", got 12.5',
    ),
    "price not a decimal": (
        change([*P0, "price"], "twelve"),
        'event.orders[12].positions[0].price: expected a decimal string like "23.00", got "twelve"',
    ),
    "total with cents of cents": (
        change(["orders", 3, "total"], "10.005"),
        "event.orders[3].total: more than 2 decimal places: 10.005",
    ),
    "missing order key": (
        delete(["orders", 12, "code"]),
        "event.orders[12].code: required key is missing",
    ),
    "missing position key": (
        delete([*P0, "secret"]),
        "event.orders[12].positions[0].secret: required key is missing",
    ),
    "missing orders": (delete(["orders"]), "event.orders: required key is missing"),
    "boolean as text": (
        change(["orders", 0, "testmode"], "no"),
        "event.orders[0].testmode: expected true or false, got a string",
    ),
    "bad datetime": (
        change(["orders", 5, "datetime"], "yesterday"),
        'event.orders[5].datetime: not an ISO 8601 date and time: "yesterday"',
    ),
    "unknown status": (
        change(["orders", 5, "status"], "x"),
        'event.orders[5].status: "x" is not one of n, p, e, c',
    ),
    "order code too long": (
        change(["orders", 5, "code"], "A" * 17),
        "event.orders[5].code: longer than 16 characters",
    ),
    "positions not a list": (
        change(["orders", 5, "positions"], {}),
        "event.orders[5].positions: expected a list, got an object",
    ),
    "quota with unknown product": (
        change(["quotas", 0, "items", 1], 50),
        "event.quotas[0].items[1]: unknown product id 50",
    ),
    "item with unknown category": (
        change(["items", 0, "category"], 9),
        "event.items[0].category: unknown category id 9",
    ),
    "duplicate product id": (
        change(["items", 1, "id"], 1),
        "event.items[1].id: duplicate product id 1",
    ),
    "refund of an unknown payment": (
        change(
            ["orders", 0, "refunds"],
            [
                {
                    "local_id": 1,
                    "state": "done",
                    "amount": "1.00",
                    "provider": "manual",
                    "created": "2026-01-06T10:00:00Z",
                    "payment": 3,
                }
            ],
        ),
        "event.orders[0].refunds[0].payment: no payment with local_id 3 in this order",
    ),
    "check-in without a time": (
        change([*P0, "checkins"], [{"list": 1, "type": "entry"}]),
        "event.orders[12].positions[0].checkins[0].datetime: required key is missing",
    ),
}


@pytest.mark.parametrize("case", list(REFUSALS))
def test_a_broken_file_is_refused_naming_the_place_and_nothing_is_written(
    store, sample, tmp_path, case
):
    assert import_json(store, "existing", SAMPLE).exit_code == 0
    before = table_counts(store)
    mutate, expected = REFUSALS[case]
    document = copy.deepcopy(sample)
    expected = mutate(document) or expected
    result = import_json(store, "pretixshop", write(tmp_path, document, "broken.json"))
    assert result.exit_code != 0
    assert expected in result.output, result.output
    assert result.output.startswith(f"Error: {tmp_path / 'broken.json'}: event.")
    assert table_counts(store) == before
    with store.app_context():
        assert (
            get_session().scalar(select(Organizer.id).where(Organizer.slug == "pretixshop")) is None
        )


@pytest.mark.parametrize(
    "content, expected",
    [
        ("{not json", "the file is not JSON: Expecting property name enclosed in double quotes"),
        ("[1, 2]", "the file must hold a JSON object, not a list"),
        ('{"orders": []}', "event: required key is missing"),
        ('{"event": []}', "event: expected an object, got a list"),
        (b'{"event": "\xff"}', "the file is not UTF-8 text"),
    ],
)
def test_a_file_that_is_not_an_export_is_refused(store, tmp_path, content, expected):
    before = table_counts(store)
    path = tmp_path / "odd.json"
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    result = import_json(store, "pretixshop", path)
    assert result.exit_code != 0
    assert expected in result.output, result.output
    assert table_counts(store) == before


def test_an_event_slug_the_organizer_has_is_refused(store):
    assert import_json(store, "pretixshop", SAMPLE).exit_code == 0
    before = table_counts(store)
    result = import_json(store, "pretixshop", SAMPLE)
    assert result.exit_code != 0
    assert "event.slug: organizer 'pretixshop' already has an event 'sampleconf'" in result.output
    assert table_counts(store) == before


def test_an_invalid_organizer_slug_is_refused(store):
    result = import_json(store, "not a slug", SAMPLE)
    assert result.exit_code != 0
    assert "'not a slug' is not a valid organizer slug" in result.output
    assert table_counts(store)["organizers"] == 0


def test_a_failure_while_writing_leaves_the_store_as_it_was(store, monkeypatch):
    """Several batches are already inserted when the last step fails: all are rolled back."""
    assert import_json(store, "existing", SAMPLE).exit_code == 0
    before = table_counts(store)
    monkeypatch.setattr(importer, "BATCH_ORDERS", 50)

    def fail(self):
        raise OperationalError("SELECT setval(...)", {}, Exception("disk I/O error"))

    monkeypatch.setattr(importer.JsonImport, "_reset_sequences", fail)
    result = import_json(store, "pretixshop", SAMPLE)
    assert result.exit_code != 0
    assert "writing to the store failed, nothing was imported: disk I/O error" in result.output
    assert table_counts(store) == before


# Round trip -------------------------------------------------------------------------------------
def comparable(event: dict) -> dict:
    """An exported event with the ids that an import renumbers replaced by what they name."""
    items = {i["id"]: i["name"] for i in event["items"]}
    variations = {v["id"]: v["name"] for i in event["items"] for v in i["variations"]}
    questions = {q["id"]: q["identifier"] for q in event["questions"]}
    categories = {c["id"]: c["name"] for c in event["categories"]}
    orders = []
    for order in event["orders"]:
        numbers = {p["id"]: p["positionid"] for p in order["positions"]}
        positions = [
            {
                **p,
                "id": None,
                "item": items[p["item"]],
                "variation": variations.get(p["variation"]),
                "addon_to": numbers.get(p["addon_to"]),
                "answers": [{**a, "question": questions[a["question"]]} for a in p["answers"]],
            }
            for p in order["positions"]
        ]
        orders.append({**order, "positions": positions})
    return {
        **event,
        "organizer": None,
        "categories": [{**c, "id": None} for c in event["categories"]],
        # The import makes no sales channels of the organizer (products keep "all channels").
        "items": [
            {
                **i,
                "id": None,
                "category": categories.get(i["category"]),
                "sales_channels": None,
                "variations": [{**v, "id": None, "sales_channels": None} for v in i["variations"]],
            }
            for i in event["items"]
        ],
        "questions": [{**q, "id": None} for q in event["questions"]],
        "quotas": [
            {
                **q,
                "id": None,
                "items": [items[i] for i in q["items"]],
                "variations": [variations[v] for v in q["variations"]],
            }
            for q in event["quotas"]
        ],
        "orders": orders,
    }


def export_event(app, headers, organizer: str, event: str) -> dict:
    """Run the ``json`` export through the API and an RQ worker, and parse the download."""
    client = app.test_client()
    url = f"/api/v1/organizers/{organizer}/events/{event}/exporters/json/run/"
    response = client.post(url, headers=headers, json={})
    assert response.status_code == 202, response.json
    with app.app_context():
        queue = get_queue()
        SimpleWorker([queue], connection=queue.connection).work(burst=True)
    response = client.get(path_of(response.json["download"]), headers=headers)
    assert response.status_code == 200, response.json
    return json.loads(response.data)


def test_round_trip_export_import_export(store, redis, tmp_path):
    """The demo organizer's event, in a store of its own: other tests expect one
    ``sampleconf`` in the shared one."""
    with store.app_context():
        session = get_session()
        result = generate_demo_data(session, Demo.organizer, Demo.event, orders=DEMO_ORDERS, seed=1)
        token = create_team_token(session, session.get(Organizer, result.organizer_id), "t")
        session.commit()
    first = export_event(store, {"Authorization": f"Token {token}"}, Demo.organizer, Demo.event)
    path = write(tmp_path, first, "sampleconf_pretixdata.json")
    imported = import_json(store, "otherorg2", path)
    assert imported.exit_code == 0, imported.output
    with store.app_context():
        session = get_session()
        organizer = session.scalars(select(Organizer).where(Organizer.slug == "otherorg2")).one()
        assert organizer.name == "Big Events Ltd."
        token = create_team_token(session, organizer, "round trip")
        session.commit()
    second = export_event(store, {"Authorization": f"Token {token}"}, "otherorg2", Demo.event)
    assert second["event"]["organizer"] == {"name": "Big Events Ltd.", "slug": "otherorg2"}
    before, after = comparable(first["event"]), comparable(second["event"])
    assert len(after["orders"]) == len(before["orders"]) == DEMO_ORDERS
    for old, new in zip(before["orders"], after["orders"], strict=True):
        assert new == old, old["code"]
    # The file has no quota names (the import names a quota after its id) and pretix
    # lists quotas by name: their order is not kept.
    quotas = [sorted(e.pop("quotas"), key=json.dumps) for e in (before, after)]
    assert quotas[0] == quotas[1]
    for key in before:
        assert after[key] == before[key], key
    # Our file is pretix's: without payments or invoice addresses, which the import says.
    missing = imported.output.strip().splitlines()[-1]
    assert "invoice addresses" in missing and "payments" in missing


def test_an_organizer_level_file_imports_every_event(store, tmp_path):
    with store.app_context():
        session = get_session()
        first = generate_demo_data(session, "source", "spring", orders=20, seed=4)
        generate_demo_data(session, "source", "autumn", orders=15, seed=5)
        organizer = session.get(Organizer, first.organizer_id)
        events = list(session.scalars(select(Event).order_by(Event.slug)))
        exporter = REGISTRY["json"](session, ExportScope(organizer, events))
        exporter.write(exporter.validate({}), tmp_path / "source.json", lambda f: None)
    result = import_json(store, "copy", tmp_path / "source.json")
    assert result.exit_code == 0, result.output
    assert "events: autumn, spring" in result.output
    with store.app_context():
        session = get_session()
        copied = session.scalars(select(Organizer).where(Organizer.slug == "copy")).one()
        per_event = dict(
            session.execute(
                select(Event.slug, func.count(Order.id))
                .join(Order, Order.event_id == Event.id)
                .where(Event.organizer_id == copied.id)
                .group_by(Event.slug)
            ).all()
        )
        assert per_event == {"spring": 20, "autumn": 15}


# PostgreSQL -----------------------------------------------------------------------------------
@pytest.fixture
def postgres_store(tmp_path, postgres_schemas):
    app = make_app(postgres_schemas("import_test"), tmp_path)
    yield app
    with app.app_context():
        get_engine().dispose()


def test_on_postgresql_import_rolls_back_and_then_succeeds(postgres_store, monkeypatch, tmp_path):
    app = postgres_store
    with app.app_context():
        session = get_session()
        source = generate_demo_data(session, "source", "sampleconf", orders=40, seed=6)
        organizer = session.get(Organizer, source.organizer_id)
        event = session.get(Event, source.event_id)
        exporter = REGISTRY["json"](session, ExportScope(organizer, [event], event))
        exporter.write(exporter.validate({}), tmp_path / "ours.json", lambda f: None)
    before = table_counts(app)

    with monkeypatch.context() as patch:
        patch.setattr(importer, "BATCH_ORDERS", 10)
        patch.setattr(
            importer.JsonImport,
            "_reset_sequences",
            lambda self: (_ for _ in ()).throw(
                OperationalError("SELECT setval(...)", {}, Exception("server closed"))
            ),
        )
        failed = import_json(app, "pretixshop", SAMPLE)
    assert failed.exit_code != 0 and "nothing was imported" in failed.output
    assert table_counts(app) == before

    assert import_json(app, "pretixshop", SAMPLE).exit_code == 0
    ours = import_json(app, "copy", tmp_path / "ours.json")
    assert ours.exit_code == 0, ours.output
    counts = table_counts(app)
    assert counts["orders"] == before["orders"] + 300 + 40
    # Neither file carries payments or check-ins (pretix's layout has none).
    assert counts["order_payments"] == before["order_payments"]
    assert counts["checkins"] == before["checkins"]
    with app.app_context():
        session = get_session()
        # The sequences were moved past the explicit ids: plain inserts still work.
        added = Order(
            event_id=session.scalars(select(Event.id).order_by(Event.id.desc())).first(),
            code="AFTER",
            status="n",
            datetime=session.scalar(select(func.max(Order.datetime))),
            total=Decimal("0.00"),
        )
        session.add(added)
        session.add(CheckinList(event_id=added.event_id, name="Later"))
        session.commit()
        assert added.id == session.scalar(select(func.max(Order.id)))
        assert session.scalar(select(func.count()).select_from(OrderRefund)) > 0
        assert session.scalar(select(func.count()).select_from(Checkin)) == counts["checkins"]
        assert session.scalar(select(func.count()).select_from(OrderFee)) == counts["order_fees"]
        assert session.scalar(select(func.count()).select_from(OrderPayment)) > 0
        assert session.scalar(select(func.count()).select_from(Quota)) == counts["quotas"]
