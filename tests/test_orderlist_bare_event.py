"""The orders and positions sheets of an event with nothing around its orders: no payments,
no questions, no fees, no check-ins. Their columns are built from what the export has, and
a column that comes from none of those must still have a cell in every row."""

import csv
import io
from datetime import datetime
from decimal import Decimal

import openpyxl
import pytest

from service.exporters.base import ExportScope
from service.exporters.orderlist import OrderListExporter
from service.store import get_session
from service.store.models import Event, Item, Order, OrderPosition, Organizer


@pytest.fixture(scope="module")
def bare_event(app, demo):
    with app.app_context():
        session = get_session()
        organizer = Organizer(slug="bare-organizer", name="Bare")
        event = Event(
            organizer=organizer,
            slug="bare",
            name="Bare event",
            timezone="Europe/Berlin",
            date_from=datetime(2027, 6, 1, 8),
        )
        session.add(event)
        session.flush()
        item = Item(event_id=event.id, name="Ticket", default_price=Decimal("10.00"))
        session.add(item)
        session.flush()
        orders = [
            Order(
                event_id=event.id,
                code=code,
                status=status,
                email=f"{code.lower()}@example.org",
                datetime=datetime(2027, 3, 28, hour),  # the hour Berlin moves to summer time
                total=Decimal("20.00"),
            )
            for code, status, hour in (("BARE1", "p", 0), ("BARE2", "n", 1))
        ]
        session.add_all(orders)
        session.flush()
        ticket = OrderPosition(
            order_id=orders[0].id,
            positionid=1,
            item_id=item.id,
            price=Decimal("10.00"),
            secret="s1",
        )
        session.add(ticket)
        session.flush()
        session.add_all(
            [
                OrderPosition(
                    order_id=orders[0].id,
                    positionid=2,
                    item_id=item.id,
                    price=Decimal("10.00"),
                    secret="s2",
                    addon_to_id=ticket.id,
                ),
                OrderPosition(
                    order_id=orders[1].id,
                    positionid=1,
                    item_id=item.id,
                    price=Decimal("20.00"),
                    secret="s3",
                    canceled=True,
                ),
            ]
        )
        session.commit()
        yield organizer.id, event.id


def export(app, bare_event, fmt: str, tmp_path, **params):
    organizer_id, event_id = bare_event
    with app.app_context():
        session = get_session()
        organizer, event = session.get(Organizer, organizer_id), session.get(Event, event_id)
        exporter = OrderListExporter(session, ExportScope(organizer, [event], event))
        form = exporter.validate({"_format": fmt, **params})
        path = tmp_path / "export"
        exporter.write(form, path, lambda fraction: None)
        return path.read_bytes()


def csv_rows(data: bytes) -> list[dict]:
    return list(csv.DictReader(io.StringIO(data.decode())))


def test_orders_sheet_without_payments(app, bare_event, tmp_path):
    rows = csv_rows(export(app, bare_event, "orders:excel", tmp_path))

    assert [r["Order code"] for r in rows] == ["BARE1", "BARE2"]
    assert [r["Payment providers"] for r in rows] == ["", ""]
    assert [r["Date of last payment"] for r in rows] == ["", ""]
    assert [r["Positions"] for r in rows] == ["2", "0"]
    assert [r["Fees"] for r in rows] == ["0.00", "0.00"]
    assert [(r["Order date"], r["Order time"]) for r in rows] == [
        ("2027-03-28", "01:00:00"),
        ("2027-03-28", "03:00:00"),
    ]


def test_positions_sheet_without_payments_questions_or_checkins(app, bare_event, tmp_path):
    rows = csv_rows(export(app, bare_event, "positions:excel", tmp_path))

    assert [(r["Order code"], r["Position ID"]) for r in rows] == [
        ("BARE1", "1"),
        ("BARE1", "2"),
        ("BARE2", "1"),
    ]
    assert [r["Status"] for r in rows] == ["paid", "paid", "canceled"]
    assert [r["Add-on to position ID"] for r in rows] == ["", "1", ""]
    assert [r["Check-in lists"] for r in rows] == ["", "", ""]
    assert [r["Payment providers"] for r in rows] == ["", "", ""]
    assert list(rows[0])[-3:] == ["Check-in lists", "Payment providers", "Position order link"]


def test_workbook_without_payments(app, bare_event, tmp_path):
    workbook = openpyxl.load_workbook(io.BytesIO(export(app, bare_event, "xlsx", tmp_path)))
    orders = list(workbook["Orders"].iter_rows(values_only=True))
    header = orders[0]
    assert [row[header.index("Payment providers")] for row in orders[1:]] == [None, None]
    positions = list(workbook["Order positions"].iter_rows(values_only=True))
    assert len(positions) == 4


@pytest.mark.parametrize("sheet", ["orders", "positions", "fees"])
def test_a_filter_that_leaves_no_order_gives_the_header_alone(app, bare_event, tmp_path, sheet):
    data = export(app, bare_event, f"{sheet}:excel", tmp_path, date_range="2020-01-01/2020-01-02")

    assert data.startswith(b"Event slug,Event name,Order code,")
    assert data.count(b"\r\n") == 1
