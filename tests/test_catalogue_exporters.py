"""The exporters beyond the order list: mailaddrs, itemdata, paymentlist, quotalist,
checkinlist and eventdata.

Each one is listed, run through the API to the download, parsed back in every format it
offers and compared with the store, read here with SQLAlchemy and turned into the rows the
export must contain. The data is an organizer of its own with two events in different time
zones, a check-in list that admits pending orders, orders that need special attention and a
few hand-made scans (a re-entry, a failed scan, a scan on another list).
"""

import csv
import io
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from service.auth import create_team_token
from service.store import get_session
from service.store.demo import EVENT_START, generate_demo_data
from service.store.models import (
    Checkin,
    CheckinList,
    Event,
    EventMetaProperty,
    Invoice,
    Item,
    ItemCategory,
    ItemMetaProperty,
    ItemVariation,
    Order,
    OrderPayment,
    OrderPosition,
    OrderRefund,
    Organizer,
    Question,
    QuestionAnswer,
    Quota,
    SalesChannel,
    Seat,
    TaxRule,
    Voucher,
    WaitingListEntry,
    checkin_list_items,
    quota_items,
    quota_variations,
)

from .conftest import path_of
from .readback import csv_text, xlsx_actual, xlsx_expected

ORGANIZER = "catalogueorg"
ALPHA, BETA = "alpha", "beta"
LIST_FORMATS = ["xlsx", "default", "csv-excel", "semicolon"]
DELIMITERS = {"default": ",", "csv-excel": ",", "semicolon": ";"}
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PAYMENT_STATES = ["created", "pending", "confirmed", "canceled", "failed", "refunded"]
REFUND_STATES = ["external", "created", "transit", "done", "failed", "canceled"]
# pretix's display names of the states
PAYMENT_LABELS = {state: state for state in PAYMENT_STATES}
REFUND_LABELS = {state: state for state in REFUND_STATES} | {
    "external": "started externally",
    "transit": "in transit",
}
PROVIDER_NAMES = {
    "banktransfer": "Bank transfer",
    "giftcard": "Gift card",
    "paypal": "PayPal",
    "stripe": "Credit card via Stripe",
}
CANCELED_ATTENDEE = "left.before.the.event@example.org"
# The organizer's event meta data properties with their defaults: a column each in eventdata,
# by name as pretix orders properties whose positions are left at the default.
META_DEFAULTS = {"Venue type": "Hall", "Region": ""}
META_NAMES = sorted(META_DEFAULTS)


def day(offset: int) -> date:
    """A day relative to the demo event's first day (the demo data's dates follow it)."""
    return EVENT_START.date() + timedelta(days=offset)


def frame(first: int | None, last: int | None) -> str:
    """A date frame ``first/last`` of days relative to the event's first day."""
    return "/".join("" if d is None else day(d).isoformat() for d in (first, last))


def yes_no(value) -> str:
    return "Yes" if value else "No"


# The organizer under test ------------------------------------------------------------------
@dataclass
class Shop:
    tokens: dict[str, str]
    lists: dict[str, int]  # check-in list name -> id, of alpha

    def headers(self, name: str = "full") -> dict:
        return {"Authorization": f"Token {self.tokens[name]}"}

    def event_url(self, tail: str = "", event: str = ALPHA) -> str:
        return f"/api/v1/organizers/{ORGANIZER}/events/{event}/exporters/{tail}"

    def organizer_url(self, tail: str = "") -> str:
        return f"/api/v1/organizers/{ORGANIZER}/exporters/{tail}"


@pytest.fixture(scope="module")
def shop(app, demo) -> Shop:
    with app.app_context():
        session = get_session()
        alpha = generate_demo_data(session, ORGANIZER, ALPHA, orders=70, seed=11)
        beta = generate_demo_data(session, ORGANIZER, BETA, orders=30, seed=12)
        beta_event = session.get(Event, beta.event_id)
        beta_event.timezone = "America/New_York"
        beta_event.date_from = datetime.combine(day(-106), time(15, 0))
        beta_event.date_to = None
        beta_event.live = False
        alpha_event = session.get(Event, alpha.event_id)
        alpha_event.comment = "Book the hall again"
        alpha_event.meta_data = {"Region": "North"}
        session.add_all(
            [
                EventMetaProperty(organizer_id=alpha_event.organizer_id, name=name, default=default)
                for name, default in META_DEFAULTS.items()
            ]
        )
        lists = {
            cl.name: cl
            for cl in session.scalars(
                select(CheckinList).where(CheckinList.event_id == alpha_event.id)
            )
        }
        welcome = CheckinList(
            event_id=alpha_event.id, name="Welcome desk", all_products=True, include_pending=True
        )
        session.add(welcome)
        session.flush()
        _add_attention_and_scans(session, alpha_event.id, lists["Main entrance"].id, welcome.id)
        _vary_the_products(session, alpha_event, beta_event)
        organizer = session.get(Organizer, alpha_event.organizer_id)
        tokens = {
            "full": create_team_token(session, organizer, "catalogue full"),
            "no_orders": create_team_token(
                session, organizer, "catalogue settings", permissions=["can_change_event_settings"]
            ),
            "alpha_only": create_team_token(
                session, organizer, "catalogue alpha", events=[alpha_event]
            ),
        }
        list_ids = {name: cl.id for name, cl in lists.items()} | {welcome.name: welcome.id}
        session.commit()
    return Shop(tokens, list_ids)


def _add_attention_and_scans(session, event_id: int, main_id: int, welcome_id: int) -> None:
    """Orders that need attention, and scans the demo data does not make."""
    orders = session.scalars(
        select(Order).where(Order.event_id == event_id).order_by(Order.datetime, Order.id)
    ).all()
    paid = [o for o in orders if o.status == "p"]
    pending = [o for o in orders if o.status == "n"]
    for order in paid[:3] + pending[:1]:
        order.checkin_attention = True
    gone = session.scalars(
        select(OrderPosition)
        .where(OrderPosition.order_id == paid[-1].id, OrderPosition.addon_to_id.is_(None))
        .order_by(OrderPosition.positionid.desc())
    ).first()
    gone.canceled = True
    gone.attendee_email = CANCELED_ATTENDEE
    scans = session.scalars(select(Checkin).where(Checkin.list_id == main_id)).all()
    by_position = defaultdict(list)
    for scan in scans:
        by_position[scan.position_id].append(scan)
    left = next(p for p, s in by_position.items() if {c.type for c in s} == {"entry", "exit"})
    back_at = max(c.datetime for c in by_position[left]) + timedelta(hours=1)
    # Another attendee leaves for good, whether or not the demo data has a second one.
    stays = next(
        p
        for p, s in by_position.items()
        if p != gone.id and all(c.successful and c.type == "entry" for c in s)
    )
    went_at = max(c.datetime for c in by_position[stays]) + timedelta(hours=2)
    paid_ids = [o.id for o in paid]
    never = session.scalars(
        select(OrderPosition.id)
        .where(
            OrderPosition.order_id.in_(paid_ids),
            OrderPosition.canceled.is_(False),
            OrderPosition.id.not_in(list(by_position)),
        )
        .order_by(OrderPosition.id)
    ).first()
    waiting = session.scalars(
        select(OrderPosition.id)
        .where(OrderPosition.order_id == pending[0].id)
        .order_by(OrderPosition.id)
    ).first()
    session.add_all(
        [
            Checkin(list_id=main_id, position_id=left, datetime=back_at, type="entry"),
            Checkin(list_id=main_id, position_id=stays, datetime=went_at, type="exit"),
            Checkin(
                list_id=main_id,
                position_id=never,
                datetime=EVENT_START - timedelta(minutes=30),
                type="entry",
                successful=False,
            ),
            Checkin(
                list_id=welcome_id,
                position_id=waiting,
                datetime=EVENT_START - timedelta(minutes=15),
                type="entry",
            ),
        ]
    )
    session.flush()


def _vary_the_products(session, alpha_event: Event, beta_event: Event) -> None:
    """Product settings the demo data leaves at their defaults, so that every column of the
    product data export shows something; beta's shop speaks German first."""
    items = {
        (i.event_id, i.name): i
        for i in session.scalars(
            select(Item).where(Item.event_id.in_([alpha_event.id, beta_event.id]))
        )
    }
    alpha = {name: item for (event_id, name), item in items.items() if event_id == alpha_event.id}
    regular, workshop, shirt = alpha["Regular ticket"], alpha["Workshop ticket"], alpha["T-shirt"]
    regular.free_price = True
    regular.require_voucher = True
    regular.min_per_order = 1
    regular.checkin_text = "Hand out the wristband"
    regular.require_bundling = True
    regular.meta_data = {"Area": "Hall A"}
    regular.available_from = datetime.combine(day(-120), time(8, 0))
    beginner, advanced = sorted(workshop.variations, key=lambda v: v.position)
    beginner.available_until = datetime.combine(day(-3), time(21, 30))
    beginner.hide_without_voucher = True
    beginner.original_price = Decimal("120.00")
    beginner.require_membership = True
    workshop.available_from = datetime.combine(day(-150), time(7, 0))
    workshop.available_until = datetime.combine(day(-1), time(12, 0))
    advanced.available_from = datetime.combine(day(-60), time(9, 15))
    advanced.require_approval = True
    advanced.all_sales_channels = False
    advanced.limit_sales_channels = ["resellers"]
    advanced.meta_data = {"Colour": "red"}
    shirt.issue_giftcard = True
    shirt.allow_cancel = False
    shirt.generate_tickets = True
    shirt.require_membership_hidden = True
    shirt.internal_name = "SHIRT"
    alpha["Early bird ticket"].require_membership = True
    alpha["Early bird ticket"].checkin_attention = False
    merch = ItemCategory(
        event_id=alpha_event.id,
        name="Merchandise",
        name_i18n={"en": "Merchandise", "de": "Fanartikel"},
        position=0,
        cross_selling_mode="only",
    )
    session.add(merch)
    session.flush()
    shirt.category_id = merch.id
    session.add_all(
        [
            ItemMetaProperty(event_id=alpha_event.id, name="Colour", default="none"),
            ItemMetaProperty(event_id=alpha_event.id, name="Area", default=""),
        ]
    )
    reduced = session.scalars(
        select(TaxRule).where(TaxRule.event_id == alpha_event.id, TaxRule.rate == Decimal("7"))
    ).one()
    reduced.eu_reverse_charge = True
    web = session.scalars(
        select(SalesChannel).where(
            SalesChannel.organizer_id == alpha_event.organizer_id, SalesChannel.identifier == "web"
        )
    ).one()
    web.label_i18n = {"en": "Online shop", "de": "Online-Shop"}
    beta_event.locales = ["de", "en"]
    beta_event.locale = "de"
    beta_extras = session.scalars(
        select(ItemCategory).where(
            ItemCategory.event_id == beta_event.id, ItemCategory.name == "Extras"
        )
    ).one()
    beta_extras.name_i18n = {"en": "Extras", "de": "Zusatzprodukte"}
    session.flush()


# The store, as the exports should show it ----------------------------------------------------
@dataclass
class Store:
    events: dict[int, Event]
    orders: dict[int, Order]
    positions: list[OrderPosition]
    payments: list[OrderPayment]
    refunds: list[OrderRefund]
    checkins: list[Checkin]
    lists: dict[int, CheckinList]
    categories: dict[int, ItemCategory]
    items: list[Item]
    variations: list[ItemVariation]
    quotas: list[Quota]
    tax_rules: dict[int, TaxRule]
    sales_channels: list[SalesChannel]
    meta_properties: list[ItemMetaProperty]
    quota_items: dict[int, set[int]]
    quota_variations: dict[int, set[int]]
    questions: list[Question]
    answers: dict[tuple[int, int], str]
    vouchers: list[Voucher]
    waiting: list[WaitingListEntry]
    seats: dict[int, Seat]
    invoices: list[Invoice]
    list_items: dict[int, set[int]]

    def event(self, slug: str) -> Event:
        return next(e for e in self.events.values() if e.slug == slug)

    def local(self, event_id: int, moment: datetime | None) -> datetime | None:
        if moment is None:
            return None
        zone = ZoneInfo(self.events[event_id].timezone)
        return moment.replace(tzinfo=UTC).astimezone(zone).replace(tzinfo=None)

    def utc_midnight(self, event_id: int, day: date) -> datetime:
        zone = ZoneInfo(self.events[event_id].timezone)
        return datetime.combine(day, time.min, zone).astimezone(UTC).replace(tzinfo=None)

    def product(self, item_id: int, variation_id: int | None) -> str:
        item = next(i for i in self.items if i.id == item_id)
        if variation_id is None:
            return item.name
        return f"{item.name} – {next(v for v in self.variations if v.id == variation_id).value}"

    def in_quota(self, quota_id: int, item_id: int, variation_id: int | None) -> bool:
        if item_id not in self.quota_items[quota_id]:
            return False
        return variation_id is None or variation_id in self.quota_variations[quota_id]


@pytest.fixture(scope="module")
def store(app, shop) -> Store:
    with app.app_context():
        session = get_session()
        events = {
            e.id: e
            for e in session.scalars(
                select(Event).join(Organizer).where(Organizer.slug == ORGANIZER)
            )
        }
        orders = {o.id: o for o in session.scalars(select(Order).where(Order.event_id.in_(events)))}
        in_orders = list(orders)
        quotas = session.scalars(select(Quota).where(Quota.event_id.in_(events))).all()
        store = Store(
            events=events,
            orders=orders,
            positions=session.scalars(
                select(OrderPosition).where(OrderPosition.order_id.in_(in_orders))
            ).all(),
            payments=session.scalars(
                select(OrderPayment).where(OrderPayment.order_id.in_(in_orders))
            ).all(),
            refunds=session.scalars(
                select(OrderRefund).where(OrderRefund.order_id.in_(in_orders))
            ).all(),
            checkins=session.scalars(
                select(Checkin).join(CheckinList).where(CheckinList.event_id.in_(events))
            ).all(),
            lists={
                cl.id: cl
                for cl in session.scalars(
                    select(CheckinList).where(CheckinList.event_id.in_(events))
                )
            },
            categories={
                c.id: c
                for c in session.scalars(
                    select(ItemCategory).where(ItemCategory.event_id.in_(events))
                )
            },
            items=session.scalars(select(Item).where(Item.event_id.in_(events))).all(),
            variations=session.scalars(
                select(ItemVariation).join(Item).where(Item.event_id.in_(events))
            ).all(),
            quotas=quotas,
            tax_rules={
                r.id: r
                for r in session.scalars(select(TaxRule).where(TaxRule.event_id.in_(events)))
            },
            sales_channels=session.scalars(
                select(SalesChannel).join(Organizer).where(Organizer.slug == ORGANIZER)
            ).all(),
            meta_properties=session.scalars(
                select(ItemMetaProperty).where(ItemMetaProperty.event_id.in_(events))
            ).all(),
            quota_items=defaultdict(set),
            quota_variations=defaultdict(set),
            questions=session.scalars(
                select(Question)
                .where(Question.event_id.in_(events))
                .order_by(Question.position, Question.id)
            ).all(),
            answers={
                (a.position_id, a.question_id): a.answer
                for a in session.scalars(
                    select(QuestionAnswer)
                    .join(OrderPosition)
                    .where(OrderPosition.order_id.in_(in_orders))
                )
            },
            vouchers=session.scalars(select(Voucher).where(Voucher.event_id.in_(events))).all(),
            waiting=session.scalars(
                select(WaitingListEntry).where(WaitingListEntry.event_id.in_(events))
            ).all(),
            seats={s.id: s for s in session.scalars(select(Seat).where(Seat.event_id.in_(events)))},
            list_items=defaultdict(set),
            invoices=session.scalars(select(Invoice).where(Invoice.order_id.in_(in_orders))).all(),
        )
        for list_id, item_id in session.execute(select(checkin_list_items)):
            store.list_items[list_id].add(item_id)
        for quota_id, item_id in session.execute(select(quota_items)):
            store.quota_items[quota_id].add(item_id)
        for quota_id, variation_id in session.execute(select(quota_variations)):
            store.quota_variations[quota_id].add(variation_id)
    return store


# Running an export and reading it back -------------------------------------------------------
def run_export(client, run_jobs, url: str, body: dict, headers: dict):
    """POST run, let a worker do it, GET the file (200)."""
    started = client.post(url + "run/", headers=headers, json=body)
    assert started.status_code == 202, started.json
    run_jobs()
    response = client.get(path_of(started.json["download"]), headers=headers)
    assert response.status_code == 200, response.json
    return response


def read_back(response, fmt: str, title: str) -> tuple[list, list]:
    """(header, rows) of a downloaded list export, cells as ``expected`` shapes them."""
    if fmt == "xlsx":
        workbook = load_workbook(io.BytesIO(response.data))
        assert workbook.sheetnames == [title]
        header, *rows = list(workbook[title].iter_rows())
        width = len([c for c in header if c.value is not None])
        return [c.value for c in header[:width]], [
            [xlsx_actual(c) for c in row[:width]] + [None] * (width - len(row)) for row in rows
        ]
    text = response.data.decode("utf-8")
    header, *rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=DELIMITERS[fmt]))
    assert all(len(row) == len(header) for row in rows)
    return header, rows


def expected(rows: list[list], fmt: str) -> list[list]:
    shape = xlsx_expected if fmt == "xlsx" else csv_text
    return [[shape(value) for value in row] for row in rows]


def assert_export(response, fmt: str, title: str, stem: str, columns: list, rows: list) -> None:
    extension = "xlsx" if fmt == "xlsx" else "csv"
    assert response.headers["Content-Disposition"] == (f'attachment; filename="{stem}.{extension}"')
    assert response.mimetype == (XLSX_TYPE if fmt == "xlsx" else "text/csv")
    header, actual = read_back(response, fmt, title)
    assert header == columns
    wanted = expected(rows, fmt)
    assert len(actual) == len(wanted)
    for number, (got, want) in enumerate(zip(actual, wanted, strict=True), start=2):
        assert got == want, f"row {number}"


def listing(client, url: str, headers: dict) -> dict:
    response = client.get(url, headers=headers)
    assert response.status_code == 200
    return {r["identifier"]: r for r in response.json["results"]}


# Listing and permissions --------------------------------------------------------------------
def test_event_listing_declares_the_exporters_and_their_parameters(client, shop, store):
    found = listing(client, shop.event_url(), shop.headers())
    list_format = {"name": "_format", "required": True, "choices": LIST_FORMATS}
    assert found["mailaddrs"] == {
        "identifier": "mailaddrs",
        "verbose_name": "Email addresses (text file)",
        "input_parameters": [
            {"name": "status", "required": True, "choices": ["n", "p", "e", "c"]},
        ],
    }
    assert found["itemdata"] == {
        "identifier": "itemdata",
        "verbose_name": "Product data",
        "input_parameters": [list_format],
    }
    assert found["quotalist"] == {
        "identifier": "quotalist",
        "verbose_name": "Quota availabilities",
        "input_parameters": [list_format],
    }
    assert found["paymentlist"] == {
        "identifier": "paymentlist",
        "verbose_name": "Payments and refunds",
        "input_parameters": [
            list_format,
            {"name": "end_date_range", "required": False},
            {"name": "start_date_range", "required": False},
            {"name": "payment_states", "required": False, "choices": PAYMENT_STATES},
            {"name": "refund_states", "required": False, "choices": REFUND_STATES},
        ],
    }
    assert found["checkinlist"] == {
        "identifier": "checkinlist",
        "verbose_name": "Check-in list",
        "input_parameters": [
            list_format,
            {"name": "list", "required": True},
            {"name": "secrets", "required": False},
            {"name": "attention_only", "required": False},
            {"name": "status", "required": False, "choices": ["", "1", "2", "3", "0"]},
            {"name": "sort", "required": False, "choices": ["name", "code", "order_datetime"]},
            {"name": "questions", "required": False},
        ],
    }
    assert "eventdata" not in found


def test_organizer_listing_has_eventdata_and_the_multi_event_exporters(client, shop):
    found = listing(client, shop.organizer_url(), shop.headers())
    assert {"eventdata", "mailaddrs", "paymentlist"} <= set(found)
    assert not {"itemdata", "quotalist", "checkinlist"} & set(found)
    assert found["eventdata"] == {
        "identifier": "eventdata",
        "verbose_name": "Event data",
        "input_parameters": [
            {"name": "all_events", "required": False},
            {"name": "events", "required": False},
            {"name": "_format", "required": True, "choices": LIST_FORMATS},
        ],
    }
    names = [p["name"] for p in found["paymentlist"]["input_parameters"]]
    assert names[:3] == ["all_events", "events", "_format"]
    assert [p["name"] for p in found["mailaddrs"]["input_parameters"]] == [
        "all_events",
        "events",
        "status",
    ]


ORDER_EXPORTERS = ["mailaddrs", "paymentlist", "quotalist", "checkinlist"]


def test_without_order_permission_only_product_and_event_data_are_offered(client, demo, shop):
    for headers, event_url, organizer_url in (
        (demo.headers("no_orders"), demo.event_url(), demo.organizer_url()),
        (shop.headers("no_orders"), shop.event_url(), shop.organizer_url()),
    ):
        at_event = listing(client, event_url, headers)
        assert "itemdata" in at_event
        assert not set(ORDER_EXPORTERS) & set(at_event)
        at_organizer = listing(client, organizer_url, headers)
        assert "eventdata" in at_organizer
        assert not set(ORDER_EXPORTERS) & set(at_organizer)
        for identifier in ORDER_EXPORTERS:
            for url in (event_url, organizer_url):
                detail = client.get(url + f"{identifier}/", headers=headers)
                assert detail.status_code == 404
                run = client.post(url + f"{identifier}/run/", headers=headers, json={})
                assert run.status_code == 404
                assert run.json == {"detail": "Not found."}


def test_without_order_permission_product_and_event_data_still_run(client, run_jobs, demo, shop):
    response = run_export(
        client,
        run_jobs,
        demo.event_url("itemdata/"),
        {"_format": "default"},
        demo.headers("no_orders"),
    )
    assert (
        response.headers["Content-Disposition"] == 'attachment; filename="sampleconf_products.csv"'
    )
    response = run_export(
        client,
        run_jobs,
        shop.organizer_url("eventdata/"),
        {"_format": "csv-excel"},
        shop.headers("no_orders"),
    )
    assert (
        response.headers["Content-Disposition"] == 'attachment; filename="catalogueorg_events.csv"'
    )


# mailaddrs -----------------------------------------------------------------------------------
def expected_addresses(store: Store, event_ids: set[int], statuses: set[str]) -> list[str]:
    chosen = {
        o.id for o in store.orders.values() if o.event_id in event_ids and o.status in statuses
    }
    found = {store.orders[o].email for o in chosen if store.orders[o].email}
    found |= {
        p.attendee_email
        for p in store.positions
        if p.order_id in chosen and not p.canceled and p.attendee_email
    }
    return sorted(found)


@pytest.mark.parametrize("statuses", [["p"], ["n", "e"], ["n", "p", "e", "c"]])
def test_mailaddrs_is_every_distinct_buyer_and_attendee_address_one_per_line(
    statuses, client, run_jobs, shop, store
):
    response = run_export(
        client, run_jobs, shop.event_url("mailaddrs/"), {"status": statuses}, shop.headers()
    )
    assert response.mimetype == "text/plain"
    assert (
        response.headers["Content-Disposition"] == 'attachment; filename="alpha_pretixemails.txt"'
    )
    wanted = expected_addresses(store, {store.event(ALPHA).id}, set(statuses))
    assert len(wanted) > 5
    assert response.data.decode("utf-8") == "\r\n".join(wanted)


def test_mailaddrs_leaves_out_other_statuses_and_canceled_positions(client, run_jobs, shop, store):
    alpha = store.event(ALPHA).id
    url = shop.event_url("mailaddrs/")
    canceled = run_export(client, run_jobs, url, {"status": ["c"]}, shop.headers())
    got = set(canceled.data.decode("utf-8").split("\r\n"))
    only_paid = set(expected_addresses(store, {alpha}, {"p"})) - set(
        expected_addresses(store, {alpha}, {"n", "e", "c"})
    )
    assert only_paid and not got & only_paid
    every = run_export(client, run_jobs, url, {"status": ["n", "p", "e", "c"]}, shop.headers())
    assert CANCELED_ATTENDEE not in every.data.decode("utf-8").split("\r\n")


def test_mailaddrs_at_organizer_level_covers_the_chosen_events(client, run_jobs, shop, store):
    url = shop.organizer_url("mailaddrs/")
    both = run_export(client, run_jobs, url, {"status": ["p", "n"]}, shop.headers())
    assert both.headers["Content-Disposition"] == (
        'attachment; filename="catalogueorg_pretixemails.txt"'
    )
    assert both.data.decode() == "\r\n".join(
        expected_addresses(store, set(store.events), {"p", "n"})
    )
    beta = run_export(client, run_jobs, url, {"status": ["p"], "events": [BETA]}, shop.headers())
    assert beta.data.decode() == "\r\n".join(
        expected_addresses(store, {store.event(BETA).id}, {"p"})
    )


@pytest.mark.parametrize(
    "body, errors",
    [
        ({}, {"status": ["This field is required."]}),
        ({"status": None}, {"status": ["This field may not be null."]}),
        ({"status": []}, {"status": ["This selection may not be empty."]}),
        ({"status": "p"}, {"status": ['Expected a list of items but got type "str".']}),
        ({"status": ["p", "x"]}, {"status": ['"x" is not a valid choice.']}),
        (
            {"status": ["p"], "_format": "xlsx"},
            {"fields": ["Additional fields not allowed: ['_format']."]},
        ),
    ],
)
def test_mailaddrs_rejects_bad_parameters_with_pretix_messages(body, errors, client, shop):
    response = client.post(shop.event_url("mailaddrs/run/"), headers=shop.headers(), json=body)
    assert response.status_code == 400
    assert response.json == errors


# itemdata ------------------------------------------------------------------------------------
ITEMDATA_FLAGS = [
    "Active",
    "Sales channels",
    "Default price",
    "Free price input",
    "Sales tax",
    "Is an admission ticket",
    "Personalized ticket",
    "Generate tickets",
    "Waiting list",
    "Available from",
    "Available until",
    "This product can only be bought using a voucher.",
    "This product will only be shown if a voucher matching the product is redeemed.",
    "Buying this product requires approval",
    "Only sell this product as part of a bundle",
    "Allow product to be canceled or changed",
    "Minimum amount per order",
    "Maximum amount per order",
    "Requires special attention",
    "Check-in text",
    "Original price",
    "This product is a gift card",
    "Require a valid membership",
    "Hide without a valid membership",
]


def itemdata_columns(languages: list[str], properties: list[str]) -> list[str]:
    """pretix's columns: a name and a variation column per language of the event, a column
    per product meta data property at the end."""
    return [
        "Product ID",
        "Variation ID",
        "Product category",
        "Internal name",
        *(f"Item name ({lang})" for lang in languages),
        *(f"Variation ({lang})" for lang in languages),
        *ITEMDATA_FLAGS,
        *properties,
    ]


def in_language(texts: dict | None, plain: str, language: str) -> str:
    """The demo data's translations: the language's text, else English, else the text the
    store keeps without translations."""
    texts = texts or {}
    return texts.get(language) or texts.get("en") or plain


def itemdata_rows(store: Store, event_id: int) -> list[list]:
    """pretix's rows: products in shop order (category position, products without category
    last), a row per variation; "Yes" or an empty cell; a variation takes the later start
    and earlier end of sale, the channels both allow, and the flags either has."""
    event = store.events[event_id]
    language = event.locale or "en"

    def shop_order(item):
        category = store.categories.get(item.category_id)
        rank = (category.position, category.id) if category else (0, 0)
        return (category is None, rank, item.position, item.id)

    def category_text(category_id):
        category = store.categories.get(category_id)
        if category is None:
            return ""
        name = category.internal_name or in_language(category.name_i18n, category.name, language)
        kind = {"both": "Normal + cross-selling category", "only": "Cross-selling category"}
        if category.is_addon:
            return f"{name} (Add-on category)"
        return (
            f"{name} ({kind[category.cross_selling_mode]})" if category.cross_selling_mode else name
        )

    def tax_text(rule_id):
        rule = store.tax_rules[rule_id]
        rate = f"{rule.rate.normalize():f}"
        text = f"incl. {rate}% {in_language(rule.name_i18n, rule.name, language)}"
        if rule.eu_reverse_charge:
            text += " (reverse charge enabled)"
        return f"{rule.internal_name} ({text})" if rule.internal_name else text

    channels = sorted(
        (c for c in store.sales_channels if c.organizer_id == event.organizer_id),
        key=lambda c: (c.position, c.type, c.identifier, c.id),
    )
    properties = sorted(
        (p for p in store.meta_properties if p.event_id == event_id), key=lambda p: p.name
    )

    def channel_names(*limits):
        return ", ".join(
            in_language(c.label_i18n, c.label, language)
            for c in channels
            if all(allowed is None or c.identifier in allowed for allowed in limits)
        )

    def sold_on(product):
        return None if product.all_sales_channels else product.limit_sales_channels

    def when(moment):
        return short(store.local(event_id, moment))

    def yes(value):
        return "Yes" if value else ""

    rows = []
    for item in sorted((i for i in store.items if i.event_id == event_id), key=shop_order):
        variations = sorted(
            (v for v in store.variations if v.item_id == item.id), key=lambda v: (v.position, v.id)
        )
        for v in variations or [None]:
            starts = [m for m in (item.available_from, v and v.available_from) if m]
            ends = [m for m in (item.available_until, v and v.available_until) if m]
            meta = {p.name: p.default for p in properties}
            meta |= (item.meta_data or {}) | ((v.meta_data or {}) if v else {})
            price = v.default_price if v and v.default_price is not None else item.default_price
            rows.append(
                [
                    item.id,
                    v.id if v else "",
                    category_text(item.category_id),
                    item.internal_name or "",
                    *(in_language(item.name_i18n, item.name, lang) for lang in event.locales),
                    *(
                        in_language(v.value_i18n, v.value, lang) if v else ""
                        for lang in event.locales
                    ),
                    yes(item.active and (not v or v.active)),
                    channel_names(sold_on(item), sold_on(v) if v else None),
                    price,
                    yes(item.free_price),
                    tax_text(item.tax_rule_id),
                    yes(item.admission),
                    yes(item.personalized),
                    "Default" if item.generate_tickets is None else yes(item.generate_tickets),
                    yes(item.allow_waitinglist),
                    when(max(starts)) if starts else "",
                    when(min(ends)) if ends else "",
                    yes(item.require_voucher),
                    yes(item.hide_without_voucher or (v and v.hide_without_voucher)),
                    yes(item.require_approval or (v and v.require_approval)),
                    yes(item.require_bundling),
                    yes(item.allow_cancel),
                    "" if item.min_per_order is None else item.min_per_order,
                    "" if item.max_per_order is None else item.max_per_order,
                    yes(item.checkin_attention),
                    item.checkin_text or "",
                    (v and v.original_price) or item.original_price or "",
                    yes(item.issue_giftcard),
                    yes(item.require_membership or (v and v.require_membership)),
                    yes(item.require_membership_hidden or (v and v.require_membership_hidden)),
                    *(meta[p.name] for p in properties),
                ]
            )
    return rows


@pytest.mark.parametrize("fmt", LIST_FORMATS)
def test_itemdata_has_a_row_per_product_and_variation(fmt, client, run_jobs, shop, store):
    response = run_export(
        client, run_jobs, shop.event_url("itemdata/"), {"_format": fmt}, shop.headers()
    )
    event = store.event(ALPHA)
    rows = itemdata_rows(store, event.id)
    assert len(rows) == 8  # 3 products without variations, 2 + 3 variations
    assert rows[0][2] == "Merchandise (Cross-selling category)", "its category comes first"
    assert [r[2] for r in rows].count("Extras (Add-on category)") == 1
    workshop = next(r for r in rows if r[6] == "Advanced")
    assert workshop[8:10] == ["Yes", "Resellers"]
    assert workshop[17:19] == [
        short(store.local(event.id, datetime.combine(day(-60), time(9, 15)))),
        short(store.local(event.id, datetime.combine(day(-1), time(12, 0)))),
    ]
    columns = itemdata_columns(["en", "de"], ["Area", "Colour"])
    assert_export(response, fmt, "Product data", "alpha_products", columns, rows)


def test_itemdata_speaks_the_events_languages_in_its_order(client, run_jobs, shop, store):
    """beta offers German first and writes its exports in German: names in both languages,
    German first; category, channel and tax texts in German where they are translated."""
    response = run_export(
        client, run_jobs, shop.event_url("itemdata/", BETA), {"_format": "default"}, shop.headers()
    )
    rows = itemdata_rows(store, store.event(BETA).id)
    assert {r[4] for r in rows} >= {"Normales Ticket", "Konferenz-Dinner"}
    assert {r[5] for r in rows} >= {"Regular ticket", "Conference dinner"}
    assert "Zusatzprodukte (Add-on category)" in {r[2] for r in rows}
    assert "Online-Shop, Resellers" in {r[9] for r in rows}
    columns = itemdata_columns(["de", "en"], [])
    assert_export(response, "default", "", "beta_products", columns, rows)


# quotalist -----------------------------------------------------------------------------------
QUOTA_COLUMNS = [
    "Quota name",
    "Total quota",
    "Paid orders",
    "Pending orders",
    "Blocking vouchers",
    "Current user's carts",
    "Waiting list",
    "Exited orders",
    "Current availability",
]


def quotalist_rows(store: Store, event_id: int) -> list[list]:
    """pretix's counts: blocking vouchers still valid with their unused redemptions, waiting
    list entries without a voucher; both taken from the size like paid and pending."""
    now = datetime.now(UTC).replace(tzinfo=None)
    rows = []
    for quota in sorted(
        (q for q in store.quotas if q.event_id == event_id), key=lambda q: (q.name, q.id)
    ):
        counted = [
            store.orders[p.order_id].status
            for p in store.positions
            if not p.canceled
            and store.orders[p.order_id].event_id == event_id
            and store.in_quota(quota.id, p.item_id, p.variation_id)
        ]
        paid, pending = counted.count("p"), counted.count("n")
        blocked = sum(
            max(v.max_usages - v.redeemed, 0)
            for v in store.vouchers
            if v.event_id == event_id
            and v.block_quota
            and (v.valid_until is None or v.valid_until >= now)
            and (
                v.quota_id == quota.id
                if v.quota_id is not None
                else v.item_id is not None and store.in_quota(quota.id, v.item_id, v.variation_id)
            )
        )
        waiting = sum(
            1
            for w in store.waiting
            if w.event_id == event_id
            and w.voucher_id is None
            and store.in_quota(quota.id, w.item_id, w.variation_id)
        )
        unlimited = quota.size is None
        left = None if unlimited else max(quota.size - paid - pending - blocked - waiting, 0)
        rows.append(
            [
                quota.name,
                "Infinite" if unlimited else quota.size,
                paid,
                pending,
                blocked,
                0,
                waiting,
                0,
                "Infinite" if unlimited else left,
            ]
        )
    return rows


@pytest.mark.parametrize("fmt", LIST_FORMATS)
def test_quotalist_counts_paid_and_pending_positions_per_quota(fmt, client, run_jobs, shop, store):
    response = run_export(
        client, run_jobs, shop.event_url("quotalist/"), {"_format": fmt}, shop.headers()
    )
    rows = quotalist_rows(store, store.event(ALPHA).id)
    assert [r[0] for r in rows] == ["Dinner", "T-shirts", "Tickets"]
    assert all(r[2] > 0 and r[3] > 0 for r in rows)
    assert_export(response, fmt, "Quota availabilities", "alpha_quotas", QUOTA_COLUMNS, rows)


def test_quotalist_is_only_offered_per_event(client, shop):
    response = client.post(
        shop.organizer_url("quotalist/run/"), headers=shop.headers(), json={"_format": "xlsx"}
    )
    assert response.status_code == 404


# paymentlist ---------------------------------------------------------------------------------
PAYMENT_COLUMNS = [
    "Event slug",
    "Order",
    "Payment ID",
    "Creation date",
    "Completion date",
    "Status",
    "Status code",
    "Amount",
    "Payment method",
    "Comment",
    "Matching ID",
    "Payment details",
    "Invoice numbers",
]


def matching(provider: str, details: dict | None, refund: bool) -> str:
    """pretix 2026.8's matching IDs: Stripe's charge or refund id, PayPal's capture (or order)
    id; bank transfers and the other providers have none."""
    details = details or {}
    if provider.startswith("stripe"):
        return details.get("id") or ""
    if provider == "paypal" and not refund:
        return details.get("sale_id") or details.get("payment_id") or details.get("cart_id") or ""
    return ""


def rendered(provider: str, details: dict | None, refund: bool) -> str:
    """pretix 2026.8's short rendering of a payment or refund (without the data pretix's API
    leaves out): a card payment via Stripe shows the method's public name, a bank transfer
    its payer, IBAN and BIC (none here), a PayPal payment its payer's email; refunds show
    nothing but for gift cards."""
    details = details or {}
    card = (details.get("gift_card") or {}).get("secret")
    if refund:
        return (card or "Gift card") if provider == "giftcard" else ""
    return {
        "stripe": "Credit card",
        "giftcard": card or "Gift card",
        "manual": "Manual payment",
        "paypal": details.get("payer_email") or "",
    }.get(provider, "")


def paymentlist_rows(
    store: Store,
    event_ids: set[int],
    payment_states=(),
    refund_states=(),
    created: tuple[date | None, date | None] = (None, None),
    completed: tuple[date | None, date | None] = (None, None),
) -> list[list]:
    def within(event_id, moment, days) -> bool:
        first, last = days
        if first is None and last is None:
            return True
        if moment is None:
            return False
        if first is not None and moment < store.utc_midnight(event_id, first):
            return False
        return last is None or moment < store.utc_midnight(event_id, last + timedelta(days=1))

    numbers = defaultdict(list)
    for invoice in sorted(store.invoices, key=lambda i: i.id):
        numbers[invoice.order_id].append(invoice.number)
    entries = []
    for kind, objects, states, done, labels, sign in (
        ("P", store.payments, payment_states, "payment_date", PAYMENT_LABELS, 1),
        ("R", store.refunds, refund_states, "execution_date", REFUND_LABELS, -1),
    ):
        for obj in objects:
            order = store.orders[obj.order_id]
            finished = getattr(obj, done)
            if order.event_id not in event_ids or obj.state not in states:
                continue
            if not within(order.event_id, obj.created, created):
                continue
            if not within(order.event_id, finished, completed):
                continue
            local_day = store.local(order.event_id, obj.created).date()
            row = [
                store.events[order.event_id].slug,
                order.code,
                f"{order.code}-{kind}-{obj.local_id}",
                local_day,
                store.local(order.event_id, finished).date() if finished else None,
                labels[obj.state],
                obj.state,
                obj.amount * sign,
                PROVIDER_NAMES.get(obj.provider, obj.provider),
                (obj.comment or "") if kind == "R" else "",
                matching(obj.provider, obj.details, kind == "R"),
                rendered(obj.provider, obj.details, kind == "R"),
                ", ".join(numbers[order.id]),
            ]
            entries.append(((obj.created, kind, obj.id), row))
    return [row for _, row in sorted(entries, key=lambda e: e[0])]


@pytest.mark.parametrize("fmt", LIST_FORMATS)
def test_paymentlist_has_every_payment_and_refund_by_creation(fmt, client, run_jobs, shop, store):
    body = {"_format": fmt, "payment_states": PAYMENT_STATES, "refund_states": REFUND_STATES}
    response = run_export(client, run_jobs, shop.event_url("paymentlist/"), body, shop.headers())
    rows = paymentlist_rows(store, {store.event(ALPHA).id}, PAYMENT_STATES, REFUND_STATES)
    assert {r[6] for r in rows} >= {"confirmed", "failed", "done"}
    assert any(r[7] < 0 for r in rows), "refunds are negative"
    assert "Credit card" in {r[11] for r in rows}, "Stripe payments render their method"
    assert_export(response, fmt, "Payments and refunds", "alpha_payments", PAYMENT_COLUMNS, rows)


@pytest.mark.parametrize(
    "payment_states, refund_states",
    [
        (["confirmed", "refunded"], ["done", "created", "transit"]),
        (["failed"], None),
        (None, ["done"]),
        (None, None),
        ([], []),
    ],
)
def test_paymentlist_states_choose_payments_and_refunds(
    payment_states, refund_states, client, run_jobs, shop, store
):
    body = {"_format": "semicolon"}
    if payment_states is not None:
        body["payment_states"] = payment_states
    if refund_states is not None:
        body["refund_states"] = refund_states
    response = run_export(client, run_jobs, shop.event_url("paymentlist/"), body, shop.headers())
    rows = paymentlist_rows(
        store, {store.event(ALPHA).id}, payment_states or (), refund_states or ()
    )
    assert_export(response, "semicolon", "", "alpha_payments", PAYMENT_COLUMNS, rows)


@pytest.mark.parametrize(
    "body, created, completed",
    [
        (
            {"start_date_range": frame(-106, -61)},
            (day(-106), day(-61)),
            None,
        ),
        ({"start_date_range": frame(-45, None)}, (day(-45), None), None),
        ({"end_date_range": frame(None, -107)}, None, (None, day(-107))),
        (
            {"start_date_from": day(-165).isoformat(), "start_date_to": day(-46).isoformat()},
            (day(-165), day(-46)),
            None,
        ),
        (
            {"start_date_range": frame(-165, -15), "end_date_range": frame(-75, None)},
            (day(-165), day(-15)),
            (day(-75), None),
        ),
    ],
)
def test_paymentlist_date_frames_filter_by_creation_and_completion_per_event_zone(
    body, created, completed, client, run_jobs, shop, store
):
    body = {
        "_format": "default",
        "payment_states": PAYMENT_STATES,
        "refund_states": REFUND_STATES,
        **body,
    }
    response = run_export(
        client, run_jobs, shop.organizer_url("paymentlist/"), body, shop.headers()
    )
    rows = paymentlist_rows(
        store,
        set(store.events),
        PAYMENT_STATES,
        REFUND_STATES,
        created or (None, None),
        completed or (None, None),
    )
    everything = paymentlist_rows(store, set(store.events), PAYMENT_STATES, REFUND_STATES)
    assert 0 < len(rows) < len(everything)
    assert {r[0] for r in rows} == {ALPHA, BETA}
    assert_export(response, "default", "", "catalogueorg_payments", PAYMENT_COLUMNS, rows)


def test_paymentlist_frame_days_are_each_events_own_days(client, run_jobs, shop, store):
    """A payment created late in the evening in New York is on the next day in UTC."""
    beta = store.event(BETA)
    evening = [
        p
        for p in store.payments
        if store.orders[p.order_id].event_id == beta.id
        and store.local(beta.id, p.created).date() != p.created.date()
    ]
    assert evening, "the demo data has a payment on a different day in New York than in UTC"
    day = store.local(beta.id, evening[0].created).date()
    body = {
        "_format": "csv-excel",
        "payment_states": PAYMENT_STATES,
        "start_date_range": f"{day}/{day}",
        "events": [BETA],
    }
    response = run_export(
        client, run_jobs, shop.organizer_url("paymentlist/"), body, shop.headers()
    )
    rows = paymentlist_rows(store, {beta.id}, PAYMENT_STATES, (), (day, day))
    assert evening[0].order_id in {
        o.id for o in store.orders.values() if o.code in {r[1] for r in rows}
    }
    assert all(r[3] == day for r in rows)
    assert_export(response, "csv-excel", "", "catalogueorg_payments", PAYMENT_COLUMNS, rows)


@pytest.mark.parametrize(
    "body, errors",
    [
        ({}, {"_format": ["This field is required."]}),
        ({"_format": "pdf"}, {"_format": ['"pdf" is not a valid choice.']}),
        (
            {"_format": "xlsx", "payment_states": "confirmed"},
            {"payment_states": ['Expected a list of items but got type "str".']},
        ),
        (
            {"_format": "xlsx", "refund_states": ["done", "approved"]},
            {"refund_states": ['"approved" is not a valid choice.']},
        ),
        (
            {"_format": "xlsx", "start_date_range": "last week"},
            {"start_date_range": ["Invalid date frame"]},
        ),
        (
            {"_format": "xlsx", "end_date_range": "2027-05-01/2027-04-01"},
            {"end_date_range": ["Invalid date frame"]},
        ),
        (
            {"_format": "xlsx", "successful_only": True},
            {"fields": ["Additional fields not allowed: ['successful_only']."]},
        ),
    ],
)
def test_paymentlist_rejects_bad_parameters_with_pretix_messages(body, errors, client, shop):
    response = client.post(shop.event_url("paymentlist/run/"), headers=shop.headers(), json=body)
    assert response.status_code == 400
    assert response.json == errors


# checkinlist ---------------------------------------------------------------------------------
# pretix 2026.8's columns after the answers (tests/data/pretix-2026.8-headers.md).
CHECKIN_TAIL = [
    "Company",
    "Voucher code",
    "Order date",
    "Order time",
    "Requires special attention",
    "Comment",
    "Check-in text",
    "Seat ID",
    "Seat name",
    "Seat zone",
    "Seat row",
    "Seat number",
    "Blocked",
    "Valid from",
    "Valid until",
    "Address",
    "ZIP code",
    "City",
    "Country",
    "State",
]


def checkin_columns(checkin_list: CheckinList, secrets=False, questions=()) -> list[str]:
    columns = [
        "Order code",
        "Attendee name",
        "Product",
        "Price",
        "Checked in",
        "Checked out",
        "Automatically checked in",
    ]
    if checkin_list.include_pending:
        columns.append("Paid")
    if secrets:
        columns.append("Secret")
    return columns + ["Email", "Phone number", *questions, *CHECKIN_TAIL]


def short(moment: datetime | None) -> str:
    """pretix's short date-time text (English): ``2027-06-15 09:30``."""
    return moment.strftime("%Y-%m-%d %H:%M") if moment else ""


def checkin_stem(store: Store, list_id: int) -> str:
    """pretix names the file after the list: ``alpha_checkin_Main entrance``."""
    return f"alpha_checkin_{store.lists[list_id].name}"


def checkinlist_rows(
    store: Store,
    list_id: int,
    *,
    status: str = "",
    sort: str = "name",
    secrets: bool = False,
    attention_only: bool = False,
    question_ids=(),
) -> list[list]:
    checkin_list = store.lists[list_id]
    event_id = checkin_list.event_id
    by_id = {p.id: p for p in store.positions}
    items = {i.id: i for i in store.items}
    variations = {v.id: v for v in store.variations}
    vouchers = {v.id: v.code for v in store.vouchers}
    scans = defaultdict(lambda: {"entry": None, "exit": None, "auto": False})
    for scan in store.checkins:
        if scan.list_id == list_id and scan.successful:
            last = scans[scan.position_id][scan.type]
            scans[scan.position_id][scan.type] = max(filter(None, [last, scan.datetime]))
            scans[scan.position_id]["auto"] |= scan.auto_checked_in

    def admitted(position, order) -> bool:
        if order.event_id != event_id or position.canceled:
            return False
        if not checkin_list.all_products and position.item_id not in store.list_items[list_id]:
            return False
        if checkin_list.include_pending:
            return order.status in {"p", "n"}
        return order.status == "p" or (order.status == "n" and order.valid_if_pending)

    def attention(position, order) -> bool:
        variation = variations.get(position.variation_id)
        return bool(
            order.checkin_attention
            or items[position.item_id].checkin_attention
            or (variation is not None and variation.checkin_attention)
        )

    chosen = []
    for position in store.positions:
        order = store.orders[position.order_id]
        if not admitted(position, order):
            continue
        if attention_only and not attention(position, order):
            continue
        entry, exit_ = scans[position.id]["entry"], scans[position.id]["exit"]
        wanted = {
            "": True,
            "1": entry is not None,
            "2": entry is not None and (exit_ is None or exit_ < entry),
            "3": entry is not None and exit_ is not None and exit_ >= entry,
            "0": entry is None,
        }[status]
        if wanted:
            chosen.append((position, order, entry, exit_))

    def parent(position):
        return by_id.get(position.addon_to_id)

    def name(position, order):
        up = parent(position)
        return position.attendee_name or (up and up.attendee_name) or order.invoice_name

    sort_keys = {
        "name": lambda c: (name(c[0], c[1]) or c[1].code, c[0].id),
        "code": lambda c: (c[1].code, c[0].positionid, c[0].id),
        "order_datetime": lambda c: (-c[1].datetime.timestamp(), c[0].id),
    }
    rows = []
    for position, order, entry, exit_ in sorted(chosen, key=sort_keys[sort]):
        up = parent(position)
        ordered = store.local(event_id, order.datetime)
        seat = store.seats.get(position.seat_id)
        row = [
            order.code,
            name(position, order),
            store.product(position.item_id, position.variation_id),
            position.price,
            short(store.local(event_id, entry)),
            short(store.local(event_id, exit_)),
            yes_no(scans[position.id]["auto"]),
        ]
        if checkin_list.include_pending:
            row.append(yes_no(order.status == "p"))
        if secrets:
            row.append(position.secret)
        answers = {}
        for source in (up, position):
            for question_id in question_ids:
                if source is not None and (source.id, question_id) in store.answers:
                    answers[question_id] = store.answers[source.id, question_id]
        row += [
            position.attendee_email or (up and up.attendee_email) or order.email or "",
            order.phone or "",
            *(answers.get(q, "") for q in question_ids),
            position.company or order.invoice_company,
            vouchers.get(position.voucher_id, ""),
            ordered.strftime("%Y-%m-%d"),
            ordered.strftime("%H:%M:%S"),
            yes_no(attention(position, order)),
            order.comment or "",
            "\n".join(t for t in (order.checkin_text, items[position.item_id].checkin_text) if t),
            *(
                [seat.seat_guid, seat.name, seat.zone_name, seat.row_name, seat.seat_number]
                if seat
                else ["", "", "", "", ""]
            ),
            "Yes" if position.blocked else "",
            # pretix formats the validity without converting it from UTC.
            short(position.valid_from),
            short(position.valid_until),
            *(
                [position.street, position.zipcode, position.city]
                + [position.country, position.state]
                if position.street or position.zipcode or position.city
                else [order.invoice_street, order.invoice_zipcode, order.invoice_city]
                + [order.invoice_country, order.invoice_state]
            ),
        ]
        rows.append(row)
    return rows


@pytest.mark.parametrize("fmt", LIST_FORMATS)
def test_checkinlist_lists_the_admitted_positions_with_last_entry_and_exit(
    fmt, client, run_jobs, shop, store
):
    list_id = shop.lists["Main entrance"]
    body = {"_format": fmt, "list": list_id}
    response = run_export(client, run_jobs, shop.event_url("checkinlist/"), body, shop.headers())
    rows = checkinlist_rows(store, list_id)
    assert any(r[4] for r in rows) and any(r[5] for r in rows) and any(not r[4] for r in rows)
    columns = checkin_columns(store.lists[list_id])
    assert_export(response, fmt, "Check-in list", checkin_stem(store, list_id), columns, rows)


@pytest.mark.parametrize("status", ["", "1", "2", "3", "0"])
def test_checkinlist_status_filters_as_pretix_means_it(status, client, run_jobs, shop, store):
    list_id = shop.lists["Main entrance"]
    body = {"_format": "semicolon", "list": list_id, "status": status}
    response = run_export(client, run_jobs, shop.event_url("checkinlist/"), body, shop.headers())
    rows = checkinlist_rows(store, list_id, status=status)
    assert rows
    columns = checkin_columns(store.lists[list_id])
    assert_export(response, "semicolon", "", checkin_stem(store, list_id), columns, rows)


@pytest.mark.parametrize("sort", ["name", "code", "order_datetime"])
def test_checkinlist_sorts_by_name_code_or_newest_order(sort, client, run_jobs, shop, store):
    list_id = shop.lists["Main entrance"]
    body = {"_format": "csv-excel", "list": list_id, "sort": sort}
    response = run_export(client, run_jobs, shop.event_url("checkinlist/"), body, shop.headers())
    rows = checkinlist_rows(store, list_id, sort=sort)
    columns = checkin_columns(store.lists[list_id])
    assert_export(response, "csv-excel", "", checkin_stem(store, list_id), columns, rows)


def test_checkinlist_secrets_questions_and_attention_only(client, run_jobs, shop, store):
    list_id = shop.lists["Main entrance"]
    questions = [q for q in store.questions if q.event_id == store.event(ALPHA).id]
    chosen = [questions[2].id, questions[0].id]
    body = {
        "_format": "xlsx",
        "list": list_id,
        "secrets": True,
        "attention_only": True,
        "questions": chosen,
        "sort": "code",
    }
    response = run_export(client, run_jobs, shop.event_url("checkinlist/"), body, shop.headers())
    in_order = [q for q in questions if q.id in chosen]
    rows = checkinlist_rows(
        store,
        list_id,
        sort="code",
        secrets=True,
        attention_only=True,
        question_ids=[q.id for q in in_order],
    )
    assert rows and all(r[-16] == "Yes" for r in rows)
    names = [q.question for q in in_order]
    columns = checkin_columns(store.lists[list_id], secrets=True, questions=names)
    assert_export(response, "xlsx", "Check-in list", checkin_stem(store, list_id), columns, rows)


def test_checkinlist_with_pending_orders_marks_whether_paid(client, run_jobs, shop, store):
    list_id = shop.lists["Welcome desk"]
    body = {"_format": "default", "list": list_id, "status": "1"}
    response = run_export(client, run_jobs, shop.event_url("checkinlist/"), body, shop.headers())
    rows = checkinlist_rows(store, list_id, status="1")
    assert [r[7] for r in rows] == ["No"], "only the pending ticket was scanned at this desk"
    all_rows = checkinlist_rows(store, list_id)
    assert {r[7] for r in all_rows} == {"Yes", "No"}
    columns = checkin_columns(store.lists[list_id])
    assert "Paid" in columns
    assert_export(response, "default", "", checkin_stem(store, list_id), columns, rows)


def test_checkinlist_of_a_list_limited_to_products_has_only_those(client, run_jobs, shop, store):
    list_id = shop.lists["Workshops"]
    assert not store.lists[list_id].all_products and store.list_items[list_id]
    body = {"_format": "default", "list": list_id}
    response = run_export(client, run_jobs, shop.event_url("checkinlist/"), body, shop.headers())
    rows = checkinlist_rows(store, list_id)
    products = {store.product(i.id, None) for i in store.items if i.id in store.list_items[list_id]}
    assert rows and {r[2].split(" – ")[0] for r in rows} <= products
    columns = checkin_columns(store.lists[list_id])
    assert_export(response, "default", "", checkin_stem(store, list_id), columns, rows)


def test_checkinlist_and_paymentlist_read_in_chunks_across_key_boundaries(
    client, run_jobs, shop, store, monkeypatch
):
    from service.store import catalog_queries

    monkeypatch.setattr(catalog_queries, "CHUNK_SIZE", 7)
    list_id = shop.lists["Main entrance"]
    for sort in ("name", "code", "order_datetime"):
        body = {"_format": "default", "list": list_id, "sort": sort}
        response = run_export(
            client, run_jobs, shop.event_url("checkinlist/"), body, shop.headers()
        )
        rows = checkinlist_rows(store, list_id, sort=sort)
        assert len(rows) > 7 * 3
        columns = checkin_columns(store.lists[list_id])
        assert_export(response, "default", "", checkin_stem(store, list_id), columns, rows)
    body = {"_format": "default", "payment_states": PAYMENT_STATES, "refund_states": REFUND_STATES}
    response = run_export(
        client, run_jobs, shop.organizer_url("paymentlist/"), body, shop.headers()
    )
    rows = paymentlist_rows(store, set(store.events), PAYMENT_STATES, REFUND_STATES)
    assert_export(response, "default", "", "catalogueorg_payments", PAYMENT_COLUMNS, rows)


def test_checkinlist_list_must_be_one_of_this_events_lists(client, shop, store):
    other_event_lists = [
        cl.id for cl in store.lists.values() if cl.event_id == store.event(BETA).id
    ]
    cases = [
        ({"_format": "xlsx"}, {"list": ["This field is required."]}),
        ({"_format": "xlsx", "list": 999}, {"list": ['"999" is not a valid choice.']}),
        ({"_format": "xlsx", "list": "999"}, {"list": ['"999" is not a valid choice.']}),
        (
            {"_format": "xlsx", "list": other_event_lists[0]},
            {"list": [f'"{other_event_lists[0]}" is not a valid choice.']},
        ),
        (
            {"_format": "xlsx", "list": shop.lists["Main entrance"], "status": "4"},
            {"status": ['"4" is not a valid choice.']},
        ),
        (
            {"_format": "xlsx", "list": shop.lists["Main entrance"], "sort": "email"},
            {"sort": ['"email" is not a valid choice.']},
        ),
        (
            {"_format": "xlsx", "list": shop.lists["Main entrance"], "secrets": "perhaps"},
            {"secrets": ["Must be a valid boolean."]},
        ),
    ]
    for body, errors in cases:
        response = client.post(
            shop.event_url("checkinlist/run/"), headers=shop.headers(), json=body
        )
        assert response.status_code == 400, body
        assert response.json == errors, body
    accepted = client.post(
        shop.event_url("checkinlist/run/"),
        headers=shop.headers(),
        json={"_format": "xlsx", "list": str(shop.lists["Main entrance"]), "status": None},
    )
    assert accepted.status_code == 202


# eventdata -----------------------------------------------------------------------------------
EVENT_COLUMNS = [
    "Event name",
    "Short form",
    "Shop is live",
    "Event currency",
    "Timezone",
    "Event start time",
    "Event end time",
    "Admission time",
    "Start of presale",
    "End of presale",
    "Location",
    "Latitude",
    "Longitude",
    "Internal comment",
    *META_NAMES,
]


def eventdata_rows(store: Store, slugs: set[str]) -> list[list]:
    events = sorted(
        (e for e in store.events.values() if e.slug in slugs),
        key=lambda e: (e.date_from, e.name, e.slug),
    )
    return [
        [
            e.name,
            e.slug,
            yes_no(e.live),
            e.currency,
            e.timezone,
            short(store.local(e.id, e.date_from)),
            short(store.local(e.id, e.date_to)),
            short(store.local(e.id, e.date_admission)),
            short(store.local(e.id, e.presale_start)),
            short(store.local(e.id, e.presale_end)),
            e.location or "",
            float(e.geo_lat) if e.geo_lat else "",  # pretix's coordinates are floats
            float(e.geo_lon) if e.geo_lon else "",
            e.comment or "",
            *({**META_DEFAULTS, **(e.meta_data or {})}[name] for name in META_NAMES),
        ]
        for e in events
    ]


@pytest.mark.parametrize("fmt", LIST_FORMATS)
def test_eventdata_has_a_row_per_event_in_its_own_time_zone(fmt, client, run_jobs, shop, store):
    body = {"_format": fmt}
    response = run_export(client, run_jobs, shop.organizer_url("eventdata/"), body, shop.headers())
    rows = eventdata_rows(store, {ALPHA, BETA})
    assert [r[1] for r in rows] == [BETA, ALPHA], "by start date"
    assert_export(response, fmt, "Event data", "catalogueorg_events", EVENT_COLUMNS, rows)


def test_eventdata_shows_only_the_events_the_token_may_see(client, run_jobs, shop, store):
    body = {"_format": "semicolon"}
    headers = shop.headers("alpha_only")
    response = run_export(client, run_jobs, shop.organizer_url("eventdata/"), body, headers)
    rows = eventdata_rows(store, {ALPHA})
    assert_export(response, "semicolon", "", "catalogueorg_events", EVENT_COLUMNS, rows)


def test_eventdata_is_organizer_level_and_takes_an_event_choice_like_pretix(
    client, run_jobs, shop, store
):
    response = client.post(
        shop.event_url("eventdata/run/"), headers=shop.headers(), json={"_format": "xlsx"}
    )
    assert response.status_code == 404
    body = {"_format": "semicolon", "events": [ALPHA]}
    response = run_export(client, run_jobs, shop.organizer_url("eventdata/"), body, shop.headers())
    rows = eventdata_rows(store, {ALPHA})
    assert_export(response, "semicolon", "", "catalogueorg_events", EVENT_COLUMNS, rows)


# The same files on SQLite and PostgreSQL -----------------------------------------------------
BACKEND_RUNS = [
    ("itemdata", {"_format": "default"}),
    ("quotalist", {"_format": "default"}),
    (
        "paymentlist",
        {
            "_format": "default",
            "payment_states": PAYMENT_STATES,
            "refund_states": REFUND_STATES,
            "start_date_range": frame(-134, None),
        },
    ),
    (
        "checkinlist",
        {"_format": "default", "list": "Main entrance", "sort": "name", "secrets": True},
    ),
    ("checkinlist", {"_format": "default", "list": "Main entrance", "sort": "code", "status": "0"}),
    ("checkinlist", {"_format": "default", "list": "Main entrance", "sort": "order_datetime"}),
    ("mailaddrs", {"status": ["n", "p"]}),
    ("eventdata", {"_format": "default"}),
]


def export_files(database_url: str, directory) -> dict[int, bytes]:
    """Demo data in a fresh store, each of BACKEND_RUNS written by its exporter."""
    from service import create_app
    from service.exporters import REGISTRY
    from service.exporters.base import ExportScope
    from service.store import create_all, get_engine

    from .conftest import REDIS_URL

    app = create_app(
        {"DATABASE_URL": database_url, "REDIS_URL": REDIS_URL, "EXPORT_DIR": str(directory)}
    )
    files = {}
    with app.app_context():
        create_all(get_engine())
        session = get_session()
        result = generate_demo_data(session, "backends", "backendconf", orders=120, seed=5)
        event = session.get(Event, result.event_id)
        organizer = session.get(Organizer, result.organizer_id)
        lists = dict(session.execute(select(CheckinList.name, CheckinList.id)).all())
        for number, (identifier, form) in enumerate(BACKEND_RUNS):
            form = {**form, "list": lists[form["list"]]} if "list" in form else form
            level = REGISTRY[identifier].organizer_level
            scope = ExportScope(organizer, [event], None if level else event)
            path = directory / f"{number}.out"
            REGISTRY[identifier](session, scope).write(form, path, lambda fraction: None)
            files[number] = path.read_bytes()
        session.close()
        get_engine().dispose()
    return files


def test_the_exports_are_byte_identical_on_sqlite_and_postgresql(
    postgres_schemas, tmp_path, monkeypatch
):
    from service.store import catalog_queries

    monkeypatch.setattr(catalog_queries, "CHUNK_SIZE", 9)
    (tmp_path / "sqlite").mkdir()
    (tmp_path / "postgres").mkdir()
    on_sqlite = export_files(f"sqlite:///{tmp_path / 'store.db'}", tmp_path / "sqlite")
    on_postgres = export_files(postgres_schemas("catalogue_test"), tmp_path / "postgres")
    for number, (identifier, form) in enumerate(BACKEND_RUNS):
        assert on_sqlite[number].count(b"\n") > 1, identifier
        assert on_postgres[number] == on_sqlite[number], (identifier, form)
