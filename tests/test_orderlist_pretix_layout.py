"""``orderlist`` laid out as pretix 2026.8 writes it: whole header rows compared with the ones
a real pretix wrote (``data/pretix-2026.8-orderlist-headers.tsv``), and the bytes of data rows
of the ``default`` dialect with pretix's quoting.

The store here is shaped like pretix's recording: ``sampleconf`` with the questions "Dietary
requirements", "T-shirt size" and "CV upload", 19 % tax and payments by four providers;
``workshopday`` with 7 % tax.
"""

from datetime import datetime
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select

from service import create_app
from service.exporters.base import ExportScope
from service.exporters.orderlist import OrderListExporter
from service.store import create_all, get_engine, get_session
from service.store.models import (
    Checkin,
    CheckinList,
    Event,
    Item,
    Order,
    OrderFee,
    OrderPayment,
    OrderPosition,
    Organizer,
    Question,
    QuestionAnswer,
    TaxRule,
)

from .conftest import REDIS_URL

HEADERS = Path(__file__).parent / "data" / "pretix-2026.8-orderlist-headers.tsv"
SHOP_URL = "https://shop.example"
ORDER_SECRET = "9f2c4e1a7b3d5f60718293a4b5c6d7e8"
WEB_SECRET = "0a1b2c3d4e5f60718293a4b5c6d7e8f9"
PROVIDERS = ("stripe", "manual", "giftcard", "banktransfer")


def reference_headers() -> dict[str, str]:
    lines = HEADERS.read_text(encoding="utf-8").splitlines()
    return dict(line.split("\t", 1) for line in lines if line and not line.startswith("#"))


@pytest.fixture(scope="module")
def shop(tmp_path_factory):
    """An app on a store of its own, with the two events."""
    tmp = tmp_path_factory.mktemp("pretix_layout")
    app = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": f"sqlite:///{tmp / 'store.db'}",
            "REDIS_URL": REDIS_URL,
            "EXPORT_DIR": str(tmp / "exports"),
            "SHOP_URL": SHOP_URL,
        }
    )
    with app.app_context():
        create_all(get_engine())
        session = get_session()
        organizer = Organizer(slug="bigevents", name="Big Events Ltd.")
        session.add(organizer)
        session.flush()
        ids = _sampleconf(session, organizer)
        _workshopday(session, organizer)
        session.commit()
    yield app, ids
    with app.app_context():
        get_engine().dispose()


def _event(session, organizer, slug: str, name: str) -> Event:
    event = Event(
        organizer_id=organizer.id,
        slug=slug,
        name=name,
        timezone="Europe/Berlin",
        date_from=datetime(2026, 6, 1, 8, 0),
    )
    session.add(event)
    session.flush()
    return event


def _sampleconf(session, organizer) -> dict:
    event = _event(session, organizer, "sampleconf", "Sample Conference")
    rule = TaxRule(event_id=event.id, internal_name="VAT 19", name="VAT", rate=Decimal("19.00"))
    session.add(rule)
    session.flush()
    item = Item(
        event_id=event.id,
        name="Regular ticket",
        default_price=Decimal("299.90"),
        tax_rate=Decimal("19.00"),
        tax_name="VAT",
        tax_rule_id=rule.id,
        admission=True,
    )
    questions = [
        Question(event_id=event.id, question=text, identifier=key, type=kind, position=n)
        for n, (text, key, kind) in enumerate(
            [
                ("Dietary requirements", "DIET", "S"),
                ("T-shirt size", "SHIRT", "C"),
                ("CV upload", "CV", "F"),
            ]
        )
    ]
    session.add_all([item, *questions])
    lists = [
        CheckinList(event_id=event.id, name="Workshops", all_products=False),
        CheckinList(event_id=event.id, name="Main entrance", all_products=True),
        CheckinList(event_id=event.id, name="VIP lounge", all_products=True),
    ]
    session.add_all(lists)
    session.flush()
    order = Order(
        event_id=event.id,
        code="A1B2C",
        status="p",
        email="ada@example.com",
        locale="en",
        datetime=datetime(2026, 1, 5, 16, 4, 6),
        total=Decimal("602.30"),
        sales_channel="web",
        secret=ORDER_SECRET,
    )
    session.add(order)
    session.flush()
    for number in (1, 2):
        session.add(
            OrderPosition(
                order_id=order.id,
                positionid=number,
                item_id=item.id,
                price=Decimal("299.90"),
                tax_rate=Decimal("19.00"),
                tax_value=Decimal("47.88"),
                tax_name="VAT",
                tax_rule_id=rule.id,
                attendee_name=f"Attendee {number}",
                secret=f"ticket{number}",
                pseudonymization_id=f"PSEUDO{number}",
                web_secret=WEB_SECRET if number == 1 else "",
            )
        )
    session.add(
        OrderFee(
            order_id=order.id,
            fee_type="payment",
            value=Decimal("2.50"),
            tax_rate=Decimal("19.00"),
            tax_value=Decimal("0.40"),
            tax_name="VAT",
            tax_rule_id=rule.id,
        )
    )
    amounts = (Decimal("302.30"), Decimal("100.00"), Decimal("100.00"), Decimal("100.00"))
    for local_id, (provider, amount) in enumerate(zip(PROVIDERS, amounts, strict=True), 1):
        session.add(
            OrderPayment(
                order_id=order.id,
                local_id=local_id,
                state="confirmed",
                amount=amount,
                provider=provider,
                created=datetime(2026, 1, 5, 16, 5),
                payment_date=datetime(2026, 1, 6, 10, 0),
            )
        )
    session.flush()
    first = session.scalar(select(OrderPosition).where(OrderPosition.positionid == 1))
    session.add(QuestionAnswer(position_id=first.id, question_id=questions[0].id, answer="vegan"))
    # pretix's "Check-in lists": the lists of successful entries, each once, by name; not
    # the exit, the failed scan, nor the lists the position was never let in on.
    workshops, entrance, lounge = lists
    for list_, kind, successful, hour in (
        (workshops, "entry", True, 9),
        (entrance, "entry", True, 8),
        (entrance, "exit", True, 12),
        (entrance, "entry", True, 13),
        (lounge, "entry", False, 14),
        (lounge, "exit", True, 15),
    ):
        session.add(
            Checkin(
                list_id=list_.id,
                position_id=first.id,
                datetime=datetime(2027, 6, 15, hour, 0),
                type=kind,
                successful=successful,
            )
        )
    return {"item": item.id}


def _workshopday(session, organizer) -> None:
    event = _event(session, organizer, "workshopday", "Workshop Day")
    rule = TaxRule(event_id=event.id, internal_name="VAT 7", name="VAT", rate=Decimal("7.00"))
    session.add(rule)
    session.flush()
    item = Item(
        event_id=event.id,
        name="Workshop",
        default_price=Decimal("50.00"),
        tax_rate=Decimal("7.00"),
        tax_name="VAT",
        tax_rule_id=rule.id,
    )
    session.add(item)
    session.flush()
    order = Order(
        event_id=event.id,
        code="W0RK1",
        status="p",
        email="grace@example.com",
        datetime=datetime(2026, 2, 1, 9, 0),
        total=Decimal("50.00"),
    )
    session.add(order)
    session.flush()
    session.add(
        OrderPosition(
            order_id=order.id,
            item_id=item.id,
            price=Decimal("50.00"),
            tax_rate=Decimal("7.00"),
            tax_value=Decimal("3.27"),
            tax_rule_id=rule.id,
            secret="ticketw",
        )
    )


def export_lines(app, body: dict, tmp_path: Path, level: str = "event") -> list[bytes]:
    """The lines of a CSV export of the shop, as bytes (without their CRLF)."""
    with app.app_context():
        session = get_session()
        organizer = session.scalar(select(Organizer))
        events = list(session.scalars(select(Event).order_by(Event.slug)))
        if level == "event":
            event = next(e for e in events if e.slug == "sampleconf")
            scope = ExportScope(organizer, [event], event)
        else:
            scope = ExportScope(organizer, events)
        exporter = OrderListExporter(session, scope)
        path = tmp_path / "export.csv"
        exporter.write(exporter.validate(body), path, lambda _fraction: None)
    data = path.read_bytes()
    assert data.endswith(b"\r\n")
    return data[:-2].split(b"\r\n")


# The body of each recorded file, as pretix's reference names it (``group_multiple_choice``,
# which we do not offer, changes no header here: the store has no multiple-choice options).
BODIES = {
    "event/orders:default": ({"_format": "orders:default"}, "event"),
    "event/positions:default": ({"_format": "positions:default"}, "event"),
    "event/fees:default": ({"_format": "fees:default"}, "event"),
    "event/orders:default/payment_amounts_group_mc": (
        {"_format": "orders:default", "include_payment_amounts": True},
        "event",
    ),
    "organizer/orders:default": ({"_format": "orders:default", "all_events": True}, "organizer"),
    "organizer/positions:default": (
        {"_format": "positions:default", "all_events": True},
        "organizer",
    ),
    "organizer/fees:default": ({"_format": "fees:default", "all_events": True}, "organizer"),
    "organizer/orders:default/events_workshopday": (
        {"_format": "orders:default", "events": ["workshopday"]},
        "organizer",
    ),
}


def test_every_recorded_orderlist_file_is_covered():
    assert set(reference_headers()) == set(BODIES)


@pytest.mark.parametrize("key", list(BODIES))
def test_header_row_is_pretixs(key, shop, tmp_path):
    app, _ids = shop
    body, level = BODIES[key]
    lines = export_lines(app, body, tmp_path, level)
    ours = lines[0].decode("utf-8")
    pretix = reference_headers()[key]
    assert ours == pretix


def test_orders_row_bytes_are_pretixs(shop, tmp_path):
    app, _ids = shop
    row = export_lines(app, {"_format": "orders:default"}, tmp_path)[1]
    providers = "Bank transfer, Gift card, Manual payment, Credit card via Stripe"
    link = f"{SHOP_URL}/bigevents/sampleconf/order/A1B2C/{ORDER_SECRET}/"
    expected = (
        '"sampleconf","Sample Conference","A1B2C","602.30","paid","ada@example.com","",'
        '"2026-01-05","17:04:06",' + '"",' * 9 + '"2026-01-06","2.50","en",'
        '"602.30","506.14","96.16",'
        '"","Online shop","No","","","",2,"No","",'
        f'"{providers}","{link}"'
    )
    assert row.decode("utf-8") == expected


def test_positions_row_bytes_are_pretixs(shop, tmp_path):
    app, ids = shop
    row = export_lines(app, {"_format": "positions:default"}, tmp_path)[1]
    providers = "Bank transfer, Gift card, Manual payment, Credit card via Stripe"
    link = f"{SHOP_URL}/bigevents/sampleconf/ticket/A1B2C/1/{WEB_SECRET}/"
    expected = (
        '"sampleconf","Sample Conference","A1B2C",1,"paid","ada@example.com","",'
        f'"2026-01-05","17:04:06","Regular ticket",{ids["item"]},"","",'
        '"299.90","19","VAT 19 (incl. 19% VAT)","47.88",'
        '"Attendee 1","","",'
        + '"",'
        * 5  # address
        + '"","","",'  # voucher
        '"PSEUDO1","ticket1",'
        + '"",'
        * 5  # seat
        + '"","","","","","",'  # blocked, valid from/until, comment, follow-up, add-on
        '"vegan","","",'
        + '"",'
        * 8  # invoice address
        + '"Online shop","en","No","","Main entrance, Workshops",'
        f'"{providers}","{link}"'
    )
    assert row.decode("utf-8") == expected


def test_fees_row_bytes_are_pretixs(shop, tmp_path):
    app, _ids = shop
    row = export_lines(app, {"_format": "fees:default"}, tmp_path)[1]
    providers = "Bank transfer, Gift card, Manual payment, Credit card via Stripe"
    expected = (
        '"sampleconf","Sample Conference","A1B2C","paid","ada@example.com","",'
        '"2026-01-05","17:04:06","Payment fee","","2.50","19","VAT 19 (incl. 19% VAT)","0.40",'
        + '"",' * 9
        + f'"{providers}"'
    )
    assert row.decode("utf-8") == expected


def test_without_a_shop_url_the_links_are_empty(shop, tmp_path):
    app, _ids = shop
    app.config["SHOP_URL"] = ""
    try:
        orders = export_lines(app, {"_format": "orders:default"}, tmp_path)
        positions = export_lines(app, {"_format": "positions:default"}, tmp_path)
    finally:
        app.config["SHOP_URL"] = SHOP_URL
    assert orders[1].endswith(b',""')
    assert positions[1].endswith(b',""')


def test_a_reverse_charge_rule_says_so_in_the_tax_rule_column(shop, tmp_path):
    """pretix's ``TaxRule.__str__`` adds "(reverse charge enabled)" after the rate."""
    app, _ids = shop

    def reverse_charge(enabled: bool) -> None:
        with app.app_context():
            session = get_session()
            session.scalar(
                select(TaxRule).where(TaxRule.internal_name == "VAT 19")
            ).eu_reverse_charge = enabled
            session.commit()

    reverse_charge(True)
    try:
        fee = export_lines(app, {"_format": "fees:default"}, tmp_path)[1].decode("utf-8")
    finally:
        reverse_charge(False)
    assert '"VAT 19 (incl. 19% VAT (reverse charge enabled))"' in fee
