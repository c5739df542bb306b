"""An export's tax rates and payment providers are those of its own orders' lines, also when
other events' orders lie between its orders by id."""

from datetime import datetime
from decimal import Decimal

from sqlalchemy import create_engine, inspect, text

from service.store import create_all, get_session
from service.store.distinct_values import distinct_values
from service.store.models import (
    Event,
    Item,
    Order,
    OrderFee,
    OrderPayment,
    OrderPosition,
    Organizer,
)
from service.store.queries import ExportedOrders, OrderFilter


def test_values_of_other_events_orders_between_ours_are_left_out(app, demo):
    with app.app_context():
        session = get_session()
        organizer = Organizer(slug="interleaved", name="Interleaved")
        ours, theirs = (
            Event(organizer=organizer, slug=slug, name=slug, date_from=datetime(2027, 1, 1))
            for slug in ("ours", "theirs")
        )
        session.add_all([ours, theirs])
        session.flush()
        # Orders of the two events alternate by id; each event has its own rate and provider.
        plan = {ours: (Decimal("7.00"), "stripe"), theirs: (Decimal("19.00"), "paypal")}
        items = {e: Item(event_id=e.id, name="T", default_price=Decimal("1")) for e in plan}
        session.add_all(items.values())
        session.flush()
        for n in range(6):
            event = ours if n % 2 == 0 else theirs
            rate, provider = plan[event]
            order = Order(
                event_id=event.id,
                code=f"IL{n}",
                status="p",
                datetime=datetime(2027, 1, 1, n),
                total=Decimal("1.00"),
            )
            session.add(order)
            session.flush()
            session.add_all(
                [
                    OrderPosition(
                        order_id=order.id,
                        item_id=items[event].id,
                        price=Decimal("1.00"),
                        tax_rate=rate,
                        secret=f"il{n}",
                    ),
                    OrderFee(
                        order_id=order.id,
                        fee_type="service",
                        value=Decimal("1.00"),
                        tax_rate=rate + 1,
                    ),
                    OrderPayment(
                        order_id=order.id,
                        local_id=1,
                        state="confirmed",
                        amount=Decimal("1.00"),
                        provider=provider,
                        created=datetime(2027, 1, 1),
                    ),
                ]
            )
        session.commit()
        exported = ExportedOrders.of(session, OrderFilter(event_ids=[ours.id]))
        assert exported.count == 3

        def values(column):
            return distinct_values(session, column, exported)

        assert values(OrderPosition.tax_rate) == [Decimal("7.00")]
        assert values(OrderFee.tax_rate) == [Decimal("8.00")]
        assert values(OrderPayment.provider) == ["stripe"]
        nothing = ExportedOrders.of(session, OrderFilter(event_ids=[ours.id], statuses=["n"]))
        assert distinct_values(session, OrderPayment.provider, nothing) == []


def test_create_all_adds_the_indexes_a_store_made_earlier_lacks(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path / 'old.db'}")
    create_all(engine)
    with engine.begin() as connection:
        connection.execute(text("DROP INDEX ix_order_positions_tax_rate_order"))

    create_all(engine)

    names = {index["name"] for index in inspect(engine).get_indexes("order_positions")}
    assert "ix_order_positions_tax_rate_order" in names
