"""The orders sheet's totals per order are the same whether each kind of line is aggregated
over every order in the exported orders' id range (when most of the range is exported) or
joined to the exported orders first."""

from decimal import Decimal

import pytest
from sqlalchemy import select

from service.store import get_session
from service.store.distinct_values import distinct_values
from service.store.models import Event, OrderFee, OrderPayment, OrderPosition
from service.store.order_totals import TotalsLayout, orders_with_totals
from service.store.queries import ExportedOrders, OrderFilter


@pytest.mark.parametrize("statuses", [None, ["p"], ["n", "e", "c"]])
def test_totals_over_the_id_range_are_those_of_the_exported_orders(
    app, demo, monkeypatch, statuses
):
    with app.app_context():
        session = get_session()
        event = session.scalar(select(Event).where(Event.slug == demo.event))
        orders = ExportedOrders.of(session, OrderFilter([event.id], statuses=statuses))
        rates = set()
        for column in (OrderPosition.tax_rate, OrderFee.tax_rate):
            rates.update(Decimal(r) for r in distinct_values(session, column, orders))
        providers = distinct_values(session, OrderPayment.provider, orders)
        layout = TotalsLayout(sorted(rates), providers, with_amounts=True)

        def totals(dense: bool) -> list:
            monkeypatch.setattr(ExportedOrders, "dense", property(lambda _orders: dense))
            return list(orders_with_totals(session, orders, layout, 7))

        assert 1 < orders.count < orders.last_id - orders.first_id + 1 or statuses is None
        assert totals(True) == totals(False)
