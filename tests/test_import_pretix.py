"""import-pretix against pretix 2026.8's recorded answers, served over real HTTP with
pretix's pagination. Expected values come from the recording itself."""

import json

import pytest
from sqlalchemy import func, select

from service import create_app
from service.store import get_session
from service.store.models import (
    Checkin,
    CheckinList,
    Customer,
    Event,
    GiftCard,
    GiftCardTransaction,
    Invoice,
    Item,
    ItemCategory,
    ItemVariation,
    Membership,
    Order,
    OrderFee,
    OrderPayment,
    OrderPosition,
    OrderRefund,
    Question,
    QuestionAnswer,
    QuestionOption,
    Quota,
    ReusableMedium,
    TaxRule,
    Transaction,
    Voucher,
    WaitingListEntry,
    answer_options,
)

from .conftest import REDIS_URL
from .pretix_server import TOKEN, PretixServer, load_recording

RECORDING = load_recording()
EVENTS = ("sampleconf", "workshopday")


def recorded(name: str, events=EVENTS) -> list[dict]:
    """Every result of an event-level list over the events."""
    return [r for e in events for r in RECORDING[f"events/{e}/{name}.json"]["results"]]


ORDERS = recorded("orders_include_canceled")
POSITIONS = [p for o in ORDERS for p in o["positions"]]


@pytest.fixture
def pretix():
    with PretixServer() as server:
        yield server


def make_app(url: str, tmp_path):
    return create_app(
        {
            "TESTING": True,
            "DATABASE_URL": url,
            "REDIS_URL": REDIS_URL,
            "EXPORT_DIR": str(tmp_path / "exports"),
        }
    )


def run_import(app, pretix, *args, token=TOKEN):
    with app.app_context():
        return app.test_cli_runner().invoke(
            args=["import-pretix", "bigevents", "--url", pretix.url, "--token", token, *args]
        )


def count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


def snapshot(app) -> dict:
    """Counts of every kind and a few values, to compare a store before and after."""
    with app.app_context():
        session = get_session()
        counts = {
            m.__tablename__: count(session, m)
            for m in (Order, OrderPosition, OrderFee, OrderPayment, Checkin, Invoice, GiftCard)
        }
        emails = sorted(session.scalars(select(Order.email)), key=str)
        session.close()
    return {"counts": counts, "emails": emails}


@pytest.fixture
def sqlite_app(tmp_path):
    return make_app(f"sqlite:///{tmp_path / 'store.db'}", tmp_path)


def test_import_keeps_pretix_ids_and_counts(sqlite_app, pretix):
    result = run_import(sqlite_app, pretix)
    assert result.exit_code == 0, result.output
    with sqlite_app.app_context():
        session = get_session()
        expected_ids = {
            Item: {i["id"] for i in recorded("items")},
            ItemVariation: {v["id"] for i in recorded("items") for v in i["variations"]},
            TaxRule: {t["id"] for t in recorded("taxrules")},
            Question: {q["id"] for q in recorded("questions")},
            QuestionOption: {o["id"] for q in recorded("questions") for o in q["options"]},
            Quota: {q["id"] for q in recorded("quotas")},
            CheckinList: {c["id"] for c in recorded("checkinlists")},
            OrderPosition: {p["id"] for p in POSITIONS},
            OrderFee: {f["id"] for o in ORDERS for f in o["fees"]},
            Voucher: {v["id"] for v in recorded("vouchers")},
            WaitingListEntry: {w["id"] for w in recorded("waitinglistentries")},
            Transaction: {t["id"] for t in recorded("transactions")},
            Checkin: {c["id"] for c in recorded("checkins")},
            GiftCard: {g["id"] for g in RECORDING["organizer/giftcards.json"]["results"]},
            GiftCardTransaction: {
                t["id"]
                for ts in RECORDING["organizer/giftcard_transactions.json"].values()
                for t in ts
            },
            Membership: {m["id"] for m in RECORDING["organizer/memberships.json"]["results"]},
            ReusableMedium: {m["id"] for m in RECORDING["organizer/reusablemedia.json"]["results"]},
        }
        for model, ids in expected_ids.items():
            assert set(session.scalars(select(model.id))) == ids, model.__name__
        assert count(session, Order) == len(ORDERS) == 324
        assert set(session.scalars(select(Order.code))) == {o["code"] for o in ORDERS}
        assert count(session, OrderPayment) == sum(len(o["payments"]) for o in ORDERS)
        assert count(session, OrderRefund) == sum(len(o["refunds"]) for o in ORDERS)
        assert count(session, QuestionAnswer) == sum(len(p["answers"]) for p in POSITIONS)
        assert count(session, Invoice) == len(recorded("invoices"))
        assert count(session, Customer) == len(RECORDING["organizer/customers.json"]["results"])
        canceled = [p["id"] for p in POSITIONS if p["canceled"]]
        assert canceled and set(
            session.scalars(select(OrderPosition.id).where(OrderPosition.canceled))
        ) == set(canceled)
        zones = dict(session.execute(select(Event.slug, Event.timezone)).all())
        assert zones == {e: RECORDING[f"events/{e}/event.json"]["timezone"] for e in EVENTS}
    # pretix's pagination was followed, with the query the orders need.
    assert any("page=2" in r for r in pretix.requests)
    assert any(
        "orders/?include_canceled_positions=true&include_canceled_fees=true" in r
        for r in pretix.requests
    )


def test_deep_objects_are_as_pretix_answered(sqlite_app, pretix):
    assert run_import(sqlite_app, pretix).exit_code == 0
    with sqlite_app.app_context():
        session = get_session()
        # An order's invoice address.
        source = next(o for o in ORDERS if o["invoice_address"] and o["invoice_address"]["vat_id"])
        address = source["invoice_address"]
        order = session.scalar(select(Order).where(Order.code == source["code"]))
        assert order.invoice_company == address["company"]
        assert order.invoice_name == address["name"]
        assert order.invoice_name_parts == address["name_parts"]
        assert order.invoice_street == address["street"]
        assert order.invoice_vat_id == address["vat_id"]
        assert order.invoice_is_business == address["is_business"]
        assert order.invoice_transmission_type == address["transmission_type"]
        assert order.secret == source["secret"]
        assert order.customer_identifier == source["customer"]
        # A position's answers, with the chosen option and a file reference, and its add-on.
        position = next(
            p
            for p in POSITIONS
            if any(a["options"] for a in p["answers"])
            and any(a["question_identifier"] == "CV" for a in p["answers"])
        )
        answers = {
            a.question_id: a
            for a in session.scalars(
                select(QuestionAnswer).where(QuestionAnswer.position_id == position["id"])
            )
        }
        for recorded_answer in position["answers"]:
            stored = answers[recorded_answer["question"]]
            assert stored.answer == recorded_answer["answer"]
            options = set(
                session.scalars(
                    select(answer_options.c.option_id).where(
                        answer_options.c.answer_id == stored.id
                    )
                )
            )
            assert options == set(recorded_answer["options"])
            if recorded_answer["question_identifier"] == "CV":
                assert stored.file == recorded_answer["answer"]
        addon = next(p for p in POSITIONS if p["addon_to"])
        stored = session.get(OrderPosition, addon["id"])
        assert stored.addon_to_id == addon["addon_to"]
        assert stored.secret == addon["secret"]
        budget = next(p for p in POSITIONS if p["voucher_budget_use"])
        stored = session.get(OrderPosition, budget["id"])
        assert (stored.voucher_id, str(stored.voucher_budget_use)) == (
            budget["voucher"],
            budget["voucher_budget_use"],
        )
        # A fee's tax.
        fee = next(f for o in ORDERS for f in o["fees"])
        stored = session.get(OrderFee, fee["id"])
        assert (str(stored.value), str(stored.tax_rate), str(stored.tax_value)) == (
            fee["value"],
            fee["tax_rate"],
            fee["tax_value"],
        )
        assert (stored.tax_rule_id, stored.internal_type) == (fee["tax_rule"], fee["internal_type"])
        # An invoice's lines, and a cancellation's reference.
        cancellation = next(i for i in recorded("invoices") if i["is_cancellation"])
        invoice = session.scalar(select(Invoice).where(Invoice.number == cancellation["number"]))
        assert session.get(Invoice, invoice.refers_id).number == cancellation["refers"]
        assert invoice.invoice_from_vat_id == cancellation["invoice_from_vat_id"]
        lines = [
            (line.position, line.description, str(line.gross_value), str(line.tax_value))
            for line in invoice.lines
        ]
        assert lines == [
            (line["position"], line["description"], line["gross_value"], line["tax_value"])
            for line in cancellation["lines"]
        ]
        # Gift card transactions, and the payment made with a card.
        transactions = RECORDING["organizer/giftcard_transactions.json"]
        card, expected = next((int(k), v) for k, v in transactions.items() if len(v) > 1)
        stored = session.scalars(
            select(GiftCardTransaction)
            .where(GiftCardTransaction.card_id == card)
            .order_by(GiftCardTransaction.id)
        ).all()
        assert [(t.id, str(t.value), t.text) for t in stored] == [
            (t["id"], t["value"], t["text"]) for t in expected
        ]
        redeemed = next(t for t in stored if t.order_id)
        order_code = next(t["order"] for t in expected if t["id"] == redeemed.id)
        assert session.get(Order, redeemed.order_id).code == order_code
        payment = session.get(OrderPayment, redeemed.payment_id)
        assert (payment.provider, payment.giftcard_id) == ("giftcard", card)
        # Failed scans keep why, and the scan of an unknown code has no position.
        failed = [c for c in recorded("checkins") if not c["successful"]]
        stored = {
            c.id: c for c in session.scalars(select(Checkin).where(Checkin.successful.is_(False)))
        }
        assert {c["id"]: c["error_reason"] for c in failed} == {
            i: c.error_reason for i, c in stored.items()
        }
        unknown = next(c for c in failed if c["position"] is None)
        assert stored[unknown["id"]].position_id is None
        with_gate = next(c for c in recorded("checkins") if c["gate"])
        stored = session.get(Checkin, with_gate["id"])
        assert (stored.gate_id, stored.device_id) == (with_gate["gate"], with_gate["device"])
        limited = next(c for c in recorded("checkinlists") if not c["all_products"])
        stored = session.get(CheckinList, limited["id"])
        assert [i.id for i in stored.limit_products] == limited["limit_products"]


def test_languages_waiting_list_end_and_category_kinds_are_kept(sqlite_app, pretix):
    """What the product data and quota exports need beyond the objects: the event's
    languages and its default one, when the waiting list ends, cross-selling categories."""
    settings = pretix.data["events/sampleconf/settings.json"]
    settings["waiting_list_auto_disable"] = "RELDATE/2/18:00:00/event__date_from/"
    categories = pretix.data["events/sampleconf/categories.json"]["results"]
    categories[0]["cross_selling_mode"] = "both"
    assert run_import(sqlite_app, pretix).exit_code == 0
    with sqlite_app.app_context():
        session = get_session()
        events = {e.slug: e for e in session.scalars(select(Event))}
        assert (events["sampleconf"].locales, events["sampleconf"].locale) == (
            settings["locales"],
            settings["locale"],
        )
        assert events["sampleconf"].waiting_list_auto_disable == (
            "RELDATE/2/18:00:00/event__date_from/"
        )
        assert events["workshopday"].locales == ["en"]
        assert events["workshopday"].waiting_list_auto_disable is None
        kinds = {c.id: c.cross_selling_mode for c in session.scalars(select(ItemCategory))}
        assert kinds == {
            c["id"]: "both" if c["id"] == categories[0]["id"] else None
            for c in recorded("categories")
        }
        names = {c.id: c.name_i18n for c in session.scalars(select(ItemCategory))}
        assert names[categories[1]["id"]] == categories[1]["name"]


def test_import_again_updates_in_place(sqlite_app, pretix):
    assert run_import(sqlite_app, pretix).exit_code == 0
    before = snapshot(sqlite_app)
    orders = pretix.data["events/sampleconf/orders_include_canceled.json"]["results"]
    orders[0]["email"] = "changed@example.org"
    orders[0]["positions"][0]["attendee_name"] = "Changed Name"
    cards = pretix.data["organizer/giftcards.json"]["results"]
    cards[0]["conditions"] = "Changed terms"
    result = run_import(sqlite_app, pretix)
    assert result.exit_code == 0, result.output
    after = snapshot(sqlite_app)
    assert after["counts"] == before["counts"]
    with sqlite_app.app_context():
        session = get_session()
        order = session.scalar(select(Order).where(Order.code == orders[0]["code"]))
        assert order.email == "changed@example.org"
        position = session.get(OrderPosition, orders[0]["positions"][0]["id"])
        assert position.attendee_name == "Changed Name"
        assert session.get(GiftCard, cards[0]["id"]).conditions == "Changed terms"
        assert count(session, QuestionAnswer) == sum(len(p["answers"]) for p in POSITIONS)


def test_ids_taken_by_another_organizer_get_new_ones(sqlite_app, pretix):
    """Ids kept where free; where another organizer's row has the id, a new one, and the
    same one again on the next import."""
    from service.store.demo import generate_demo_data

    with sqlite_app.app_context():
        from service.store import create_all, get_engine

        create_all(get_engine())
        session = get_session()
        generate_demo_data(session, "otherorg", "otherconf", orders=5, seed=3)
        session.commit()
        taken = set(session.scalars(select(Item.id)))
    assert run_import(sqlite_app, pretix).exit_code == 0
    assert run_import(sqlite_app, pretix).exit_code == 0
    with sqlite_app.app_context():
        session = get_session()
        event = session.scalar(select(Event).where(Event.slug == "sampleconf"))
        ours = dict(
            session.execute(select(Item.name, Item.id).where(Item.event_id == event.id)).all()
        )
        assert len(ours) == 3
        for item in recorded("items", ["sampleconf"]):
            name = item["name"]["en"]
            if item["id"] in taken:
                assert ours[name] not in taken
            else:
                assert ours[name] == item["id"]


@pytest.mark.parametrize("status", [401, 403])
def test_a_refused_token_leaves_the_store_unchanged(sqlite_app, pretix, status):
    assert run_import(sqlite_app, pretix).exit_code == 0
    before = snapshot(sqlite_app)
    pretix.data["events/sampleconf/orders_include_canceled.json"]["results"][0]["email"] = "x@y"
    pretix.answers["customers/"] = (status, {"detail": "You do not have permission."})
    result = run_import(sqlite_app, pretix)
    assert result.exit_code != 0
    assert "/api/v1/organizers/bigevents/customers/" in result.output
    assert f"pretix refused the token ({status}" in result.output
    assert snapshot(sqlite_app) == before
    assert "refused the token (401" in run_import(sqlite_app, pretix, token="wrong").output


def test_a_broken_object_leaves_the_store_unchanged(sqlite_app, pretix):
    assert run_import(sqlite_app, pretix).exit_code == 0
    before = snapshot(sqlite_app)
    orders = pretix.data["events/sampleconf/orders_include_canceled.json"]["results"]
    orders[0]["email"] = "changed@example.org"
    orders[120]["positions"][0]["item"] = 999
    result = run_import(sqlite_app, pretix)
    assert result.exit_code != 0
    code = orders[120]["code"]
    assert "/events/sampleconf/orders/?include_canceled_positions=true" in result.output
    assert f"order {code}, positions[0]: item: unknown product 999" in result.output
    assert snapshot(sqlite_app) == before


def test_an_unexpected_answer_or_a_timeout_writes_nothing(sqlite_app, pretix):
    pretix.answers["events/workshopday/checkins/"] = (500, {"detail": "Server error"})
    result = run_import(sqlite_app, pretix)
    assert "/events/workshopday/checkins/: unexpected answer 500" in result.output
    pretix.answers.clear()
    pretix.data["events/sampleconf/invoices.json"]["results"][3]["date"] = "yesterday"
    result = run_import(sqlite_app, pretix)
    number = pretix.data["events/sampleconf/invoices.json"]["results"][3]["number"]
    assert f"invoice {number}: date: not a date: 'yesterday'" in result.output
    pretix.data = load_recording()
    pretix.delays["giftcards/"] = 2
    result = run_import(sqlite_app, pretix, "--timeout", "0.5")
    assert "/giftcards/: no answer within 0.5 s" in result.output
    with sqlite_app.app_context():
        assert count(get_session(), Order) == 0


def test_named_events_only(sqlite_app, pretix):
    result = run_import(sqlite_app, pretix, "--event", "workshopday")
    assert result.exit_code == 0, result.output
    with sqlite_app.app_context():
        session = get_session()
        assert list(session.scalars(select(Event.slug))) == ["workshopday"]
        assert count(session, Order) == len(recorded("orders_include_canceled", ["workshopday"]))
        assert count(session, GiftCard) == len(RECORDING["organizer/giftcards.json"]["results"])
    assert "no event 'nope'" in run_import(sqlite_app, pretix, "--event", "nope").output


def test_import_on_postgresql(postgres_schemas, pretix, tmp_path):
    app = make_app(postgres_schemas("pretix"), tmp_path)
    assert run_import(app, pretix).exit_code == 0
    result = run_import(app, pretix)
    assert result.exit_code == 0, result.output
    with app.app_context():
        session = get_session()
        assert count(session, OrderPosition) == len(POSITIONS)
        assert set(session.scalars(select(Checkin.id))) == {c["id"] for c in recorded("checkins")}
        # New rows after the import get ids past pretix's.
        session.add(
            Customer(organizer_id=1, identifier="NEW", date_joined=ORDERS[0]["datetime"][:10])
        )
        session.flush()
        session.rollback()
    json.dumps(result.output)


def test_the_pretix_shop_fixture_serves_the_recording(pretix_shop):
    """The session's imported recording answers the API with its token."""
    client = pretix_shop.app.test_client()
    headers = {"Authorization": f"Token {pretix_shop.token}"}
    response = client.get(
        "/api/v1/organizers/bigevents/events/sampleconf/exporters/", headers=headers
    )
    assert response.status_code == 200
    with pretix_shop.app.app_context():
        assert count(get_session(), Order) == len(ORDERS)
