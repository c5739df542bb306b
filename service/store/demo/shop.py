"""The rest of the demo shop, beside the orders ``demo`` makes: the organizer's sales
channels, gate and device, customers with memberships, gift cards with transactions and
reusable media; the event's vouchers, waiting list, question options and check-in list
limits (made once, with the ORM); and what ``sales`` needs to know of the event.

Everything comes from generators of its own (seeded from the demo's seed), so the same seed
gives the same rows.
"""

import random
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from ..models import (
    CheckinList,
    Customer,
    Device,
    Event,
    Gate,
    GiftCard,
    GiftCardTransaction,
    Item,
    Membership,
    MembershipType,
    Question,
    QuestionOption,
    ReusableMedium,
    SalesChannel,
    Voucher,
    WaitingListEntry,
    checkin_list_gates,
    checkin_list_items,
)
from .sales import SalesPlace

CUSTOMERS = 200
GIFT_CARDS = 40
VOUCHERS = (
    ("EARLYBIRD", "early-bird", "percent", "20.00"),
    ("PARTNER", "partner", "subtract", "50.00"),
)
WAITING = 25
START = datetime(2026, 11, 1, 9, 0)
NAMES = ("Anna Schulz", "Jürgen Weiß", "Zoë Ström", "Łukasz Nowak", "Chloé Dubois", "李娜")
FAILURES = ("already_redeemed", "unpaid", "canceled", "product", "rules")


def ensure_organizer(session: Session, organizer_id: int, seed: int) -> None:
    """The organizer's own data, made once."""
    if session.scalar(select(SalesChannel.id).where(SalesChannel.organizer_id == organizer_id)):
        return
    rng = random.Random(f"shop-{seed}")
    session.add_all(
        [
            SalesChannel(
                organizer_id=organizer_id, identifier="web", type="web", label="Online shop"
            ),
            SalesChannel(
                organizer_id=organizer_id,
                identifier="resellers",
                type="api",
                label="Resellers",
                position=1,
            ),
        ]
    )
    gate = Gate(organizer_id=organizer_id, name="Main gate", identifier="G1")
    season = MembershipType(organizer_id=organizer_id, name="Season pass", max_usages=10)
    session.add_all([gate, season])
    session.flush()
    session.add(
        Device(
            organizer_id=organizer_id,
            name="Scanner 1",
            unique_serial=f"DEMO{organizer_id:04d}",
            all_events=True,
            created=START,
            software_brand="pretixSCAN",
            gate_id=gate.id,
        )
    )
    customers = [
        Customer(
            organizer_id=organizer_id,
            identifier=f"C{organizer_id:02d}{n:05d}",
            external_identifier=f"CRM-{n:05d}" if n % 3 == 0 else None,
            email=f"customer{n}@example.org",
            name=rng.choice(NAMES),
            is_active=n % 29 != 0,
            is_verified=n % 5 != 0,
            date_joined=START + timedelta(hours=n),
            last_login=START + timedelta(days=10, hours=n) if n % 2 else None,
            locale=rng.choice(("en", "de")),
            notes="VIP" if n % 50 == 0 else None,
        )
        for n in range(1, CUSTOMERS + 1)
    ]
    session.add_all(customers)
    session.flush()
    session.add_all(
        Membership(
            customer_id=customer.id,
            membership_type_id=season.id,
            date_start=datetime(2027, 1, 1),
            date_end=datetime(2027, 12, 31, 22, 59),
            canceled=n == 3,
            attendee_name_parts={"_scheme": "full", "full_name": customer.name},
        )
        for n, customer in enumerate(customers[:20])
    )
    cards = []
    for n in range(1, GIFT_CARDS + 1):
        value = Decimal(rng.choice(("25.00", "50.00", "100.00")))
        card = GiftCard(
            organizer_id=organizer_id,
            secret=f"DEMO-GIFT-{organizer_id:02d}{n:04d}",
            issuance=START + timedelta(days=n),
            value=value,
            expires=datetime(2028, 12, 31, 22, 59) if n % 4 == 0 else None,
            conditions="Not valid for workshops" if n % 10 == 0 else None,
        )
        card.transactions = [
            GiftCardTransaction(datetime=card.issuance, value=value, text="Initial value")
        ]
        if n % 6 == 0:
            card.transactions.append(
                GiftCardTransaction(
                    datetime=card.issuance + timedelta(days=30),
                    value=-value,
                    text="Paid at box office",
                )
            )
            card.value = Decimal("0.00")
        cards.append(card)
    session.add_all(cards)
    session.flush()
    session.add_all(
        ReusableMedium(
            organizer_id=organizer_id,
            created=START + timedelta(days=n),
            type="nfc_uid" if n % 2 else "barcode",
            identifier=f"04DEMO{organizer_id:02d}{n:04d}",
            active=n != 3,
            customer_id=customers[n].id if n % 3 == 0 else None,
            linked_giftcard_id=cards[n].id if n % 2 else None,
            notes="Lost and replaced" if n == 3 else None,
        )
        for n in range(1, 11)
    )
    session.flush()


def ensure_event(session: Session, organizer_id: int, event: Event) -> None:
    """The event's vouchers, waiting list, question options and list limits, made once."""
    if session.scalar(select(Voucher.id).where(Voucher.event_id == event.id).limit(1)):
        return
    items = {i.name: i for i in session.scalars(select(Item).where(Item.event_id == event.id))}
    session.add_all(
        Voucher(
            event_id=event.id,
            code=f"{code}{event.id}",
            created=START,
            max_usages=40,
            price_mode=mode,
            value=Decimal(value),
            tag=tag,
            item_id=items["Regular ticket"].id if tag == "early-bird" else None,
            budget=Decimal("400.00") if tag == "partner" else None,
        )
        for code, tag, mode, value in VOUCHERS
    )
    rng = random.Random(f"waiting-{event.id}")
    session.add_all(
        WaitingListEntry(
            event_id=event.id,
            created=START + timedelta(days=100, hours=7 * n),
            name=rng.choice(NAMES),
            email=f"waiting{n}@example.net",
            phone="+49 170 5550000" if n % 2 else None,
            item_id=items["Regular ticket"].id,
            locale=rng.choice(("en", "de")),
            priority=1 if n % 10 == 0 else 0,
        )
        for n in range(WAITING)
    )
    shirt = session.scalar(
        select(Question).where(Question.event_id == event.id, Question.identifier == "SHIRT")
    )
    if shirt is not None:
        session.add_all(
            QuestionOption(question_id=shirt.id, identifier=size, answer=size, position=n)
            for n, size in enumerate(("S", "M", "L", "XL"))
        )
    lists = {
        c.name: c.id
        for c in session.scalars(select(CheckinList).where(CheckinList.event_id == event.id))
    }
    gate = session.scalar(select(Gate.id).where(Gate.organizer_id == organizer_id))
    session.flush()
    if "Workshops" in lists and "Workshop ticket" in items:
        session.execute(
            insert(checkin_list_items),
            [{"list_id": lists["Workshops"], "item_id": items["Workshop ticket"].id}],
        )
    if "Main entrance" in lists and gate:
        session.execute(
            insert(checkin_list_gates), [{"list_id": lists["Main entrance"], "gate_id": gate}]
        )


def sales_place(session: Session, event: Event, fee_tax_rule_id: int | None) -> SalesPlace:
    """What the event's invoices, answers and failed scans refer to."""
    organizer = event.organizer_id
    options = session.execute(
        select(QuestionOption.identifier, QuestionOption.id)
        .join(Question)
        .where(Question.event_id == event.id, Question.identifier == "SHIRT")
    ).all()
    return SalesPlace(
        event_id=event.id,
        prefix=event.slug.upper(),
        date_from=event.date_from,
        date_to=event.date_to,
        shirt_options=dict(options),
        list_id=session.scalar(
            select(CheckinList.id).where(CheckinList.event_id == event.id).order_by(CheckinList.id)
        ),
        gate_id=session.scalar(select(Gate.id).where(Gate.organizer_id == organizer)),
        device_id=session.scalar(select(Device.id).where(Device.organizer_id == organizer)),
        fee_tax_rule_id=fee_tax_rule_id,
    )
