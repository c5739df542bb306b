"""pretix's quota availability on a small hand-made shop, where every number below is
counted by hand from pretix's rules (``QuotaAvailability`` in pretix 2026.8): which quotas a
position, voucher or waiting list entry counts for, exited positions, closed and unlimited
quotas, and the "disable waiting list" moment, fixed or relative to the event."""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from service.exporters.i18n_strings import localize
from service.store import create_all, make_engine
from service.store.models import (
    Checkin,
    CheckinList,
    Event,
    Item,
    ItemVariation,
    Order,
    OrderPosition,
    Organizer,
    Quota,
    Voucher,
    WaitingListEntry,
)
from service.store.quota_availability import quota_availability
from service.store.relative_dates import resolve

NOW = datetime(2027, 5, 1, 12, 0, tzinfo=UTC)
START = datetime(2027, 6, 15, 8, 0)  # stored naive UTC: 10:00 in Berlin
BERLIN = ZoneInfo("Europe/Berlin")


@dataclass
class Shop:
    session: Session
    event_id: int


@pytest.fixture(params=["sqlite", "postgresql"])
def shop(request, tmp_path) -> Shop:
    """The shop in a store of its own, on each backend (the exited positions are found by a
    query of its own)."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'store.db'}"
    else:
        url = request.getfixturevalue("postgres_schemas")("quotas")
    engine = make_engine(url)
    create_all(engine)
    with Session(engine) as session:
        yield Shop(session, build_shop(session))
    engine.dispose()


def build_shop(session: Session) -> int:
    organizer = Organizer(slug="quotaquirks", name="Quota quirks")
    session.add(organizer)
    session.flush()
    event = Event(
        organizer_id=organizer.id,
        slug="quirks",
        name="Quirks",
        timezone="Europe/Berlin",
        date_from=START,
    )
    session.add(event)
    session.flush()

    def product(name, *variations):
        item = Item(event_id=event.id, name=name, default_price=Decimal("10.00"))
        item.variations = [ItemVariation(value=v) for v in variations]
        session.add(item)
        return item

    ticket, workshop = product("Ticket"), product("Workshop", "Morning", "Evening")
    parking = product("Parking")
    session.flush()
    morning, evening = workshop.variations
    everything = Quota(event_id=event.id, name="Everything", size=100, items=[ticket, workshop])
    everything.variations = [morning, evening]
    mornings = Quota(
        event_id=event.id,
        name="Mornings",
        size=10,
        items=[workshop],
        variations=[morning],
        release_after_exit=True,
    )
    closed = Quota(event_id=event.id, name="Closed", size=50, items=[ticket], closed=True)
    unlimited = Quota(event_id=event.id, name="Unlimited", size=None, items=[ticket])
    parking_quota = Quota(event_id=event.id, name="Parking", size=3)  # lists nothing
    session.add_all([everything, mornings, closed, unlimited, parking_quota])
    exit_list = CheckinList(event_id=event.id, name="Gate", allow_entry_after_exit=False)
    open_list = CheckinList(event_id=event.id, name="Lounge", allow_entry_after_exit=True)
    session.add_all([exit_list, open_list])
    session.flush()

    def order(code, status, *lines):
        placed = Order(
            event_id=event.id,
            code=code,
            status=status,
            datetime=START - timedelta(days=30),
            total=Decimal("0.00"),
        )
        session.add(placed)
        session.flush()
        positions = []
        for number, (item, variation, canceled) in enumerate(lines, 1):
            position = OrderPosition(
                order_id=placed.id,
                positionid=number,
                item_id=item.id,
                variation_id=variation.id if variation else None,
                price=Decimal("10.00"),
                secret=f"{code}{number}",
                canceled=canceled,
            )
            session.add(position)
            positions.append(position)
        session.flush()
        return positions

    paid = order(
        "PAID1",
        "p",
        (ticket, None, False),
        (ticket, None, False),
        (ticket, None, True),  # canceled: counts nowhere
        (workshop, morning, False),  # exits below, no re-entry
        (workshop, morning, False),  # exits and comes back
        (workshop, morning, False),  # exits on a list that allows re-entry
        (workshop, evening, False),
        (parking, None, False),  # in no quota
    )
    order("PEND1", "n", (ticket, None, False), (workshop, morning, False))
    order("GONE1", "e", (ticket, None, False), (ticket, None, False))
    order("CANC1", "c", (workshop, morning, False))
    left, back, lounge = paid[3], paid[4], paid[5]
    at = START + timedelta(hours=1)

    def scan(position, where, kind, minutes, successful=True):
        return Checkin(
            list_id=where.id,
            position_id=position.id,
            datetime=at + timedelta(minutes=minutes),
            type=kind,
            successful=successful,
        )

    session.add_all(
        [
            scan(left, exit_list, "entry", 0),
            scan(left, exit_list, "exit", 30),
            scan(left, exit_list, "entry", 60, successful=False),  # refused: still out
            scan(back, exit_list, "entry", 0),
            scan(back, exit_list, "exit", 30),
            scan(back, exit_list, "entry", 60),
            scan(lounge, open_list, "entry", 0),
            scan(lounge, open_list, "exit", 30),
        ]
    )

    def voucher(code, **fields):
        return Voucher(event_id=event.id, code=code, block_quota=True, **fields)

    session.add_all(
        [
            voucher("TICKET3", item_id=ticket.id, max_usages=3, redeemed=1),  # 2 left
            voucher("MORNINGS", quota_id=mornings.id, max_usages=2),  # 2, that quota
            voucher("ANYWS", item_id=workshop.id, max_usages=1),  # every workshop quota
            voucher("OVERUSED", item_id=workshop.id, variation_id=evening.id, redeemed=2),
            voucher("OLD", item_id=ticket.id, valid_until=datetime(2027, 4, 1)),
            Voucher(event_id=event.id, code="FREE", item_id=ticket.id, block_quota=False),
        ]
    )
    session.flush()
    sent = session.scalars(select(Voucher).where(Voucher.code == "FREE")).one()

    def entry(item, variation=None, voucher_id=None):
        return WaitingListEntry(
            event_id=event.id,
            created=START - timedelta(days=10),
            email="wait@example.org",
            item_id=item.id,
            variation_id=variation.id if variation else None,
            voucher_id=voucher_id,
        )

    session.add_all(
        [
            entry(ticket),
            entry(ticket),
            entry(workshop, morning),
            entry(ticket, voucher_id=sent.id),  # has its voucher: counts nowhere
            entry(parking),  # in no quota
        ]
    )
    session.commit()
    return event.id


def counts_of(shop: Shop, auto_disable: str | None = None) -> dict[str, tuple]:
    session = shop.session
    event = session.get(Event, shop.event_id)
    event.waiting_list_auto_disable = auto_disable
    session.flush()
    found = {
        c.quota.name: (c.paid, c.pending, c.vouchers, c.waiting_list, c.exited, c.available)
        for c in quota_availability(session, event, now=NOW)
    }
    session.rollback()
    return found


def test_each_quota_counts_what_pretix_counts(shop):
    #                    paid pending vouchers waiting exited available
    assert counts_of(shop) == {
        # Tickets 2 + mornings 3 + evening 1 paid; ticket + morning pending; 2 ticket
        # redemptions and the workshop voucher; 2 ticket entries and the morning one.
        "Closed": (2, 1, 2, 2, 0, 0),
        "Everything": (6, 2, 3, 3, 0, 100 - 8 - 3 - 3),
        # The exited morning position is counted as paid and as exited, and takes nothing.
        "Mornings": (3, 1, 3, 1, 1, 10 - 3 - 3 - 1),
        "Parking": (0, 0, 0, 0, 0, 3),
        "Unlimited": (2, 1, 2, 2, 0, None),
    }


def test_the_order_of_quotas_is_by_name(shop):
    assert list(counts_of(shop)) == [
        "Closed",
        "Everything",
        "Mornings",
        "Parking",
        "Unlimited",
    ]


def test_a_passed_waiting_list_end_stops_the_waiting_list_from_counting(shop):
    passed = counts_of(shop, "2027-04-30T00:00:00+02:00")
    assert {name: c[3] for name, c in passed.items()} == dict.fromkeys(passed, 0)
    assert passed["Everything"][5] == 100 - 8 - 3
    ahead = counts_of(shop, "RELDATE/7/18:00:00/event__date_from/")
    assert ahead["Everything"][3] == 3


# Relative dates --------------------------------------------------------------------------------
@dataclass
class EventDates:
    timezone: str = "Europe/Berlin"
    date_from: datetime = START
    date_to: datetime | None = START + timedelta(days=2)
    date_admission: datetime | None = None
    presale_start: datetime | None = None
    presale_end: datetime | None = None


@pytest.mark.parametrize(
    ("value", "wall_clock"),
    [
        ("2027-06-01T00:00:00+02:00", datetime(2027, 6, 1, 0, 0)),
        ("RELDATE/3/18:00:00/date_from/", datetime(2027, 6, 12, 18, 0)),
        ("RELDATE/3/-/event__date_to/", datetime(2027, 6, 14, 10, 0)),
        ("RELDATE/1/09:30:00/event__date_to/after", datetime(2027, 6, 18, 9, 30)),
        ("RELDATE/minutes/90/event__date_from/after", datetime(2027, 6, 15, 11, 30)),
        ("RELDATE/minutes/30/event__date_from/", datetime(2027, 6, 15, 9, 30)),
        # A date the event does not have: its start instead, as pretix does.
        ("RELDATE/2/-/presale_end/", datetime(2027, 6, 13, 10, 0)),
    ],
)
def test_relative_dates_resolve_as_pretix_resolves_them(value, wall_clock):
    assert resolve(value, EventDates()) == wall_clock.replace(tzinfo=BERLIN)


@pytest.mark.parametrize("value", [None, "", "RELDATE/1/-/order__expires/", "RELDATE/x", "soon"])
def test_what_names_no_moment_of_the_event_resolves_to_none(value):
    assert resolve(value, EventDates()) is None


# Translated texts ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("texts", "language", "shown"),
    [
        ({"en": "Dinner", "de": "Abendessen"}, "de", "Abendessen"),
        ({"en": "Dinner", "de": "Abendessen"}, "fr", "Dinner"),
        ({"en": "Dinner", "de": "Abendessen"}, "de-informal", "Abendessen"),
        ({"en": "Dinner", "de-informal": "Essen"}, "de", "Essen"),
        ({"en": "", "fr": "Dîner", "nl": "Diner"}, "de", "Dîner"),
        ({"en": "Dinner", "de": ""}, "de", "Dinner"),
        ({"de": "", "en": ""}, "de", ""),
        (None, "de", "plain"),
    ],
)
def test_translations_are_picked_as_pretix_picks_them(texts, language, shown):
    assert localize(texts, language, "plain") == shown
