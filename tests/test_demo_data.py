"""The demo data: reproducible, realistic enough for the exporters, idempotent and fast."""

import re
import time
from collections import Counter, defaultdict
from decimal import ROUND_HALF_UP, Decimal

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from service.store import make_engine
from service.store.demo import CODE_ALPHABET, EVENT_START, generate_demo_data
from service.store.models import (
    Base,
    Checkin,
    CheckinList,
    Customer,
    Device,
    Event,
    Gate,
    GiftCard,
    GiftCardTransaction,
    Invoice,
    InvoiceLine,
    Item,
    ItemCategory,
    Membership,
    MembershipType,
    Order,
    OrderFee,
    OrderPayment,
    OrderPosition,
    OrderRefund,
    Organizer,
    Question,
    QuestionAnswer,
    QuestionOption,
    ReusableMedium,
    SalesChannel,
    Transaction,
    Voucher,
    WaitingListEntry,
    answer_options,
    checkin_list_items,
)

ORDER_TABLES = (
    Order,
    OrderPosition,
    OrderFee,
    OrderPayment,
    OrderRefund,
    QuestionAnswer,
    Checkin,
    Invoice,
    InvoiceLine,
    Transaction,
)
# The rest of the shop, made once per organizer or event.
SHOP_TABLES = (
    SalesChannel,
    Gate,
    Device,
    Customer,
    MembershipType,
    Membership,
    GiftCard,
    GiftCardTransaction,
    ReusableMedium,
    Voucher,
    WaitingListEntry,
    QuestionOption,
)


@pytest.fixture(params=["sqlite", "postgresql"])
def new_engine(request, tmp_path):
    """Makes engines on fresh databases: SQLite files, or PostgreSQL schemas dropped afterwards."""
    schemas = request.getfixturevalue("postgres_schemas") if request.param == "postgresql" else None
    engines = []

    def make():
        if schemas is None:
            url = f"sqlite:///{tmp_path / f'demo{len(engines)}.db'}"
        else:
            url = schemas("demo_test")
        engine = make_engine(url)
        Base.metadata.drop_all(engine)
        Base.metadata.create_all(engine)
        engines.append(engine)
        return engine

    yield make
    for engine in engines:
        engine.dispose()


def generate(engine, **kwargs):
    with Session(engine) as session:
        return generate_demo_data(session, **kwargs)


def snapshot(engine) -> dict[str, list[tuple]]:
    with engine.connect() as conn:
        return {
            model.__tablename__: sorted(tuple(row) for row in conn.execute(select(model.__table__)))
            for model in ORDER_TABLES
        }


def counts(engine) -> dict[str, int]:
    with Session(engine) as session:
        return {
            model.__tablename__: session.scalar(select(func.count()).select_from(model))
            for model in ORDER_TABLES
        }


def test_same_seed_gives_identical_rows(new_engine):
    first, second = new_engine(), new_engine()
    generate(first, orders=300, seed=7)
    generate(second, orders=300, seed=7)

    assert snapshot(first) == snapshot(second)


def test_other_seed_gives_other_data(new_engine):
    first, second = new_engine(), new_engine()
    generate(first, orders=300, seed=1)
    generate(second, orders=300, seed=2)

    one, other = snapshot(first), snapshot(second)
    assert one["orders"] != other["orders"]
    assert one["order_positions"] != other["order_positions"]


def test_counts_and_mix(new_engine):
    engine = new_engine()
    result = generate(engine, orders=1000)

    assert result.orders_created == 1000
    with Session(engine) as session:
        organizer = session.get(Organizer, result.organizer_id)
        event = session.get(Event, result.event_id)
        orders = session.scalars(select(Order)).all()
        positions = session.scalars(select(OrderPosition)).all()
        fees = session.scalars(select(OrderFee)).all()
        payments = session.scalars(select(OrderPayment)).all()
        refunds = session.scalars(select(OrderRefund)).all()
        checkins = session.scalars(select(Checkin)).all()
        answers = session.execute(
            select(Question.identifier, QuestionAnswer.answer).join(Question)
        ).all()
        addon_items = set(
            session.scalars(select(Item.id).join(ItemCategory).where(ItemCategory.is_addon)).all()
        )
        main_entrance = session.scalar(
            select(CheckinList.id).where(CheckinList.name == "Main entrance")
        )

    assert (organizer.name, event.name) == ("Big Events Ltd.", "Sample Conference")
    assert (event.currency, event.timezone, event.live) == ("EUR", "Europe/Berlin", True)
    assert len(orders) == 1000

    statuses = Counter(order.status for order in orders)
    assert set(statuses) == {"p", "n", "e", "c"}
    assert 500 < statuses["p"] < 700
    assert all(50 < statuses[status] < 300 for status in "nec")

    codes = [order.code for order in orders]
    assert len(set(codes)) == len(codes)
    assert all(re.fullmatch(f"[{CODE_ALPHABET}]{{5}}", code) for code in codes)
    assert all(order.email is None or order.email.isascii() for order in orders)
    assert {order.locale for order in orders} == {"en", "de", "fr"}
    assert 350 < sum(1 for order in orders if order.invoice_name) < 650
    assert any(order.invoice_vat_id for order in orders)
    assert any(order.phone for order in orders)
    assert any(order.comment for order in orders)
    assert all(
        event.date_from.replace(year=2026, month=12) <= order.datetime < event.date_from
        for order in orders
    )

    by_id = {position.id: position for position in positions}
    tickets = Counter(position.order_id for position in positions if position.addon_to_id is None)
    assert set(tickets) == {order.id for order in orders}
    assert set(tickets.values()) == {1, 2, 3, 4}
    addons = [position for position in positions if position.addon_to_id is not None]
    assert addons
    for addon in addons:
        parent = by_id[addon.addon_to_id]
        assert parent.order_id == addon.order_id and parent.addon_to_id is None
        assert addon.item_id in addon_items
    status_of = {order.id: order.status for order in orders}
    assert any(p.canceled for p in positions if status_of[p.order_id] == "p")
    secrets = [position.secret for position in positions]
    assert len(set(secrets)) == len(secrets)
    assert all(re.fullmatch("[0-9a-f]{32}", secret) for secret in secrets)
    for position in positions:
        rate = position.tax_rate
        expected = (position.price * rate / (100 + rate)).quantize(Decimal("0.01"), ROUND_HALF_UP)
        assert position.tax_value == expected and position.tax_name == "VAT"
    names = [position.attendee_name for position in positions if position.attendee_name]
    assert any(not name.isascii() for name in names)
    assert any("李" in name for name in names)

    assert {fee.fee_type for fee in fees} >= {"payment", "shipping", "service"}
    assert 150 < sum(1 for fee in fees if fee.fee_type == "payment") < 250

    payments_of = defaultdict(list)
    for payment in payments:
        payments_of[payment.order_id].append(payment)
    providers = {"banktransfer", "stripe", "paypal", "giftcard"}
    assert {payment.provider for payment in payments} == providers
    assert any(len(found) > 1 for found in payments_of.values())
    assert any(payment.state == "failed" for payment in payments)
    refunded = defaultdict(Decimal)
    for refund in refunds:
        assert refund.state == "done"
        refunded[refund.order_id] += refund.amount
    assert any(status_of[order_id] == "c" for order_id in refunded)
    for order in orders:
        if order.status == "p":
            confirmed = [p.amount for p in payments_of[order.id] if p.state == "confirmed"]
            assert confirmed and sum(confirmed) - refunded[order.id] == order.total

    assert checkins and {checkin.list_id for checkin in checkins} == {main_entrance}
    assert {checkin.type for checkin in checkins} == {"entry", "exit"}
    # Only paid tickets pass; the failed scans are tested with the rest of the shop.
    passed = [checkin for checkin in checkins if checkin.successful]
    assert all(status_of[by_id[checkin.position_id].order_id] == "p" for checkin in passed)

    assert {identifier for identifier, _ in answers} == {"DIET", "SHIRT", "ROLE"}
    shirt_sizes = {answer for identifier, answer in answers if identifier == "SHIRT"}
    assert shirt_sizes <= {"S", "M", "L", "XL"}
    assert any(answer.startswith("=") for _, answer in answers)


def test_totals_are_positions_plus_fees(new_engine):
    engine = new_engine()
    generate(engine, orders=500)

    with Session(engine) as session:
        expected = defaultdict(Decimal)
        for order_id, price in session.execute(
            select(OrderPosition.order_id, OrderPosition.price).where(~OrderPosition.canceled)
        ):
            expected[order_id] += price
        for order_id, value in session.execute(
            select(OrderFee.order_id, OrderFee.value).where(~OrderFee.canceled)
        ):
            expected[order_id] += value
        totals = dict(session.execute(select(Order.id, Order.total)).all())

    assert totals == dict(expected)


def test_a_small_data_set_has_a_formula_answer(new_engine):
    engine = new_engine()
    generate(engine, orders=20)

    with Session(engine) as session:
        answers = session.scalars(select(QuestionAnswer.answer)).all()
    assert any(answer.startswith("=") for answer in answers)


def test_running_again_adds_nothing(new_engine):
    engine = new_engine()
    first = generate(engine, orders=200)
    before = snapshot(engine)

    again = generate(engine, orders=200)
    other_seed = generate(engine, orders=50, seed=99)

    assert again.orders_created == other_seed.orders_created == 0
    assert (again.organizer_id, again.event_id) == (first.organizer_id, first.event_id)
    assert snapshot(engine) == before


def test_another_event_in_the_same_database(new_engine):
    engine = new_engine()
    first = generate(engine, orders=100)
    second = generate(engine, event_slug="summer-camp", orders=150, seed=3)

    assert second.organizer_id == first.organizer_id
    assert second.event_id != first.event_id
    assert counts(engine)["orders"] == 250
    with Session(engine) as session:
        event = session.get(Event, second.event_id)
        assert event.name == "Summer Camp"
        per_event = dict(
            session.execute(select(Order.event_id, func.count()).group_by(Order.event_id)).all()
        )
        assert per_event == {first.event_id: 100, second.event_id: 150}
        catalogues = session.execute(
            select(Item.event_id, func.count()).group_by(Item.event_id)
        ).all()
        assert dict(catalogues) == {first.event_id: 5, second.event_id: 5}

        order = session.scalars(select(Order).order_by(Order.id.desc()).limit(1)).one()
        session.add(
            Order(
                event_id=order.event_id,
                code="ORMOK",
                status="n",
                datetime=order.datetime,
                total=Decimal("0.00"),
            )
        )
        session.commit()
        assert session.scalar(select(Order.id).where(Order.code == "ORMOK")) > order.id


def test_twenty_thousand_orders_on_sqlite(tmp_path, capsys):
    engine = make_engine(f"sqlite:///{tmp_path / 'large.db'}")
    Base.metadata.create_all(engine)

    started = time.perf_counter()
    result = generate(engine, orders=20_000)
    seconds = time.perf_counter() - started

    assert result.orders_created == 20_000
    found = counts(engine)
    assert found["orders"] == 20_000
    assert found["order_positions"] > 40_000
    with capsys.disabled():
        print(f"\n20,000 demo orders on SQLite: {seconds:.1f} s, {found}")
    engine.dispose()


def test_the_rest_of_the_shop(new_engine):
    """Every kind of the store gets rows; invoices and transactions agree with the orders."""
    engine = new_engine()
    generate(engine, orders=400, seed=5)
    with Session(engine) as session:
        for model in SHOP_TABLES + ORDER_TABLES:
            assert session.scalar(select(func.count()).select_from(model)), model.__name__
        assert session.scalar(select(func.count()).select_from(answer_options))
        assert session.scalar(select(func.count()).select_from(checkin_list_items)) == 1
        paid = session.scalar(select(func.count()).where(Order.status == "p"))
        assert session.scalar(select(func.count()).select_from(Invoice)) == paid
        # Each invoice's lines add up to its order's total.
        totals = dict(session.execute(select(Invoice.order_id, Order.total).join(Order)).all())
        sums = dict(
            session.execute(
                select(Invoice.order_id, func.sum(InvoiceLine.gross_value))
                .join(InvoiceLine, InvoiceLine.invoice_id == Invoice.id)
                .group_by(Invoice.order_id)
            ).all()
        )
        assert sums == totals
        # Transactions sum to what the orders hold now: canceled positions count 0.
        live = session.scalar(
            select(func.count()).select_from(OrderPosition).where(OrderPosition.canceled.is_(False))
        )
        counted = session.scalar(
            select(func.sum(Transaction.count)).where(Transaction.positionid.is_not(None))
        )
        assert counted == live
        failed = session.scalars(select(Checkin).where(Checkin.successful.is_(False))).all()
        assert failed and all(c.error_reason and c.device_id and c.gate_id for c in failed)
        assert all((c.position_id is None) == (c.error_reason == "invalid") for c in failed)


def test_gift_card_payments_and_their_transactions(new_engine):
    """Some paid orders are paid with a gift card, stored as the importer stores pretix's:
    the card in ``giftcard_id`` and the details, a transaction on the card that names the
    order and the payment, and the card's value the sum of its transactions."""
    engine = new_engine()
    result = generate(engine, orders=1000, seed=4)
    with Session(engine) as session:
        organizer = session.get(Organizer, result.organizer_id)
        by_card = session.scalars(
            select(OrderPayment).where(OrderPayment.provider == "giftcard")
        ).all()
        assert len(by_card) > 5
        for payment in by_card:
            order = session.get(Order, payment.order_id)
            card = session.get(GiftCard, payment.giftcard_id)
            assert order.status == "p" and payment.state == "confirmed"
            assert payment.details == {
                "gift_card": {"id": card.id, "secret": card.secret, "organizer": organizer.slug}
            }
            moves = session.scalars(
                select(GiftCardTransaction).where(GiftCardTransaction.payment_id == payment.id)
            ).all()
            assert [(m.card_id, m.value, m.order_id, m.event_id) for m in moves] == [
                (card.id, -payment.amount, order.id, result.event_id)
            ]
            assert moves[0].acceptor == organizer.slug
        for card in session.scalars(select(GiftCard)):
            values = session.scalars(
                select(GiftCardTransaction.value).where(GiftCardTransaction.card_id == card.id)
            ).all()
            assert card.value == sum(values, Decimal("0.00")) >= 0
        # A refund onto a card is a transaction on it too.
        for refund in session.scalars(
            select(OrderRefund).where(OrderRefund.provider == "giftcard")
        ):
            move = session.scalars(
                select(GiftCardTransaction).where(GiftCardTransaction.refund_id == refund.id)
            ).one()
            assert (move.card_id, move.value) == (refund.giftcard_id, refund.amount)


def test_orders_made_in_customer_accounts(new_engine):
    engine = new_engine()
    generate(engine, orders=600, seed=8)
    with Session(engine) as session:
        linked = session.execute(
            select(Order, Customer).join(Customer, Customer.id == Order.customer_id)
        ).all()
        unlinked = session.scalars(select(Order).where(Order.customer_id.is_(None))).all()
    assert 50 < len(linked) < 150
    for order, customer in linked:
        assert order.customer_identifier == customer.identifier
        assert order.email == customer.email and customer.is_active
    assert all(order.customer_identifier is None for order in unlinked)


def test_postgresql_keeps_its_indexes_and_keys(postgres_schemas):
    """A big load drops the order tables' indexes and foreign keys and makes them again:
    afterwards the tables have the same ones as a store the load never touched."""
    engines = []

    def definitions(engine) -> tuple[set, set]:
        with engine.connect() as connection:
            indexes = set(
                connection.exec_driver_sql(
                    "SELECT tablename, indexname, regexp_replace(indexdef, ' ON \\S+\\.', ' ON ') "
                    "FROM pg_indexes WHERE schemaname = current_schema()"
                )
            )
            keys = set(
                connection.exec_driver_sql(
                    "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid), "
                    "convalidated FROM pg_constraint WHERE connamespace = "
                    "(SELECT oid FROM pg_namespace WHERE nspname = current_schema())"
                )
            )
        return indexes, keys

    for _ in range(2):
        engine = make_engine(postgres_schemas("demo_keys"))
        Base.metadata.create_all(engine)
        engines.append(engine)
    untouched = definitions(engines[0])
    made = generate(engines[1], orders=300)
    assert definitions(engines[1]) == untouched
    with Session(engines[1]) as session:
        session.add(
            Order(
                event_id=made.event_id,
                code="ORMOK",
                status="n",
                datetime=EVENT_START,
                total=Decimal("0"),
            )
        )
        session.commit()
    for engine in engines:
        engine.dispose()
