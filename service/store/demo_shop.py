"""The rest of the demo shop, beside the orders ``demo`` makes: the organizer's sales
channels, gate and device, customers with memberships, gift cards with transactions and
reusable media; the event's vouchers, waiting list, question options and check-in list
limits; and, batch by batch with the orders, their invoices with lines, order transactions,
chosen options and failed scans.

Everything comes from generators of its own (seeded from the demo's seed), so the orders'
values stay what they were before this module existed, and the same seed gives the same rows.
"""

import random
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from .models import (
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
    ItemVariation,
    Membership,
    MembershipType,
    Order,
    OrderFee,
    OrderPosition,
    Question,
    QuestionAnswer,
    QuestionOption,
    ReusableMedium,
    SalesChannel,
    Transaction,
    Voucher,
    WaitingListEntry,
    answer_options,
    checkin_list_gates,
    checkin_list_items,
)

CUSTOMERS = 200
GIFT_CARDS = 40
VOUCHERS = (
    ("EARLYBIRD", "early-bird", "percent", "20.00"),
    ("PARTNER", "partner", "subtract", "50.00"),
)
WAITING = 25
SENDER = {
    "invoice_from_name": "Big Events Ltd.",
    "invoice_from": "Eventstraße 1",
    "invoice_from_zipcode": "10115",
    "invoice_from_city": "Berlin",
    "invoice_from_country": "DE",
    "invoice_from_vat_id": "DE999999999",
}
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


class ShopRows:
    """Adds to a batch of demo orders their invoices (paid orders), order transactions, the
    options chosen in answers and a few failed scans. ``take(model)`` gives the next id."""

    def __init__(self, session: Session, event: Event, take, seed: int) -> None:
        self.rng = random.Random(f"shop-rows-{seed}")
        self.take = take
        self.event = event
        self.prefix = event.slug.upper()
        self.number = session.scalar(
            select(func.count()).select_from(Invoice).where(Invoice.event_id == event.id)
        )
        self.items = dict(
            session.execute(select(Item.id, Item.name).where(Item.event_id == event.id)).all()
        )
        self.variations = dict(
            session.execute(
                select(ItemVariation.id, ItemVariation.value)
                .join(Item)
                .where(Item.event_id == event.id)
            ).all()
        )
        self.options = dict(
            session.execute(
                select(QuestionOption.identifier, QuestionOption.id)
                .join(Question)
                .where(Question.event_id == event.id, Question.identifier == "SHIRT")
            ).all()
        )
        self.shirt = session.scalar(
            select(Question.id).where(Question.event_id == event.id, Question.identifier == "SHIRT")
        )
        organizer = event.organizer_id
        self.device = session.scalar(select(Device.id).where(Device.organizer_id == organizer))
        self.gate = session.scalar(select(Gate.id).where(Gate.organizer_id == organizer))
        self.list_id = session.scalar(
            select(CheckinList.id).where(CheckinList.event_id == event.id).order_by(CheckinList.id)
        )

    def add(self, rows: dict) -> None:
        positions, fees = {}, {}
        for row in rows[OrderPosition]:
            positions.setdefault(row["order_id"], []).append(row)
        for row in rows[OrderFee]:
            fees.setdefault(row["order_id"], []).append(row)
        for order in rows[Order]:
            mine, my_fees = positions.get(order["id"], []), fees.get(order["id"], [])
            self._transactions(order, mine, my_fees, rows[Transaction])
            if order["status"] == "p":
                self._invoice(order, mine, my_fees, rows)
            self._failed_scans(order, mine, rows[Checkin])
        for answer in rows[QuestionAnswer]:
            option = (
                self.options.get(answer["answer"]) if answer["question_id"] == self.shirt else None
            )
            if option is not None:
                rows[answer_options].append({"answer_id": answer["id"], "option_id": option})

    def _transactions(self, order, positions, fees, out) -> None:
        when = order["datetime"]
        for row in positions:
            lines = [(1, when)]
            if row["canceled"]:
                lines.append((-1, when + timedelta(days=3)))
            for count, moment in lines:
                out.append(
                    {
                        "id": self.take(Transaction),
                        "order_id": order["id"],
                        "created": moment,
                        "datetime": moment,
                        "migrated": False,
                        "positionid": row["positionid"],
                        "count": count,
                        "item_id": row["item_id"],
                        "variation_id": row["variation_id"],
                        "price": row["price"],
                        "tax_rate": row["tax_rate"],
                        "tax_rule_id": row["tax_rule_id"],
                        "tax_code": "S/standard",
                        "tax_value": row["tax_value"],
                        "fee_type": None,
                        "internal_type": None,
                    }
                )
        for row in fees:
            out.append(
                {
                    "id": self.take(Transaction),
                    "order_id": order["id"],
                    "created": when,
                    "datetime": when,
                    "migrated": False,
                    "positionid": None,
                    "count": 1,
                    "item_id": None,
                    "variation_id": None,
                    "price": row["value"],
                    "tax_rate": row["tax_rate"],
                    "tax_rule_id": row["tax_rule_id"],
                    "tax_code": "S/standard",
                    "tax_value": row["tax_value"],
                    "fee_type": row["fee_type"],
                    "internal_type": "",
                }
            )

    def _invoice(self, order, positions, fees, rows) -> None:
        self.number += 1
        invoice_id = self.take(Invoice)
        rows[Invoice].append(
            {
                "id": invoice_id,
                "event_id": self.event.id,
                "order_id": order["id"],
                "number": f"{self.prefix}-{self.number:05d}",
                "is_cancellation": False,
                "refers_id": None,
                "date": order["datetime"].date(),
                "locale": order["locale"],
                **SENDER,
                "invoice_from_state": "",
                "invoice_from_tax_id": "",
                "invoice_to": "\n".join(
                    v
                    for v in (
                        order["invoice_company"],
                        order["invoice_name"],
                        order["invoice_street"],
                        f"{order['invoice_zipcode']} {order['invoice_city']}".strip(),
                    )
                    if v
                ),
                "invoice_to_is_business": bool(order["invoice_company"]),
                "invoice_to_company": order["invoice_company"],
                "invoice_to_name": order["invoice_name"],
                "invoice_to_street": order["invoice_street"],
                "invoice_to_zipcode": order["invoice_zipcode"],
                "invoice_to_city": order["invoice_city"],
                "invoice_to_state": order["invoice_state"],
                "invoice_to_country": order["invoice_country"] or None,
                "invoice_to_vat_id": order["invoice_vat_id"] or None,
                "invoice_to_beneficiary": "",
                "internal_reference": "",
                "reverse_charge": False,
                "payment_provider_text": "The payment for this invoice has already been received.",
                "payment_provider_stamp": "paid",
                "transmission_type": "email",
                "transmission_status": "completed" if self.rng.random() < 0.9 else "pending",
            }
        )
        line = 0
        for row in positions:
            if row["canceled"]:
                continue
            line += 1
            name = self.items[row["item_id"]]
            if row["variation_id"]:
                name += f" - {self.variations[row['variation_id']]}"
            rows[InvoiceLine].append(
                self._line(invoice_id, line, name, row["price"], row, row["attendee_name"])
                | {"item_id": row["item_id"], "variation_id": row["variation_id"]}
            )
        for row in fees:
            line += 1
            rows[InvoiceLine].append(
                self._line(invoice_id, line, row["description"], row["value"], row, None)
                | {"fee_type": row["fee_type"]}
            )

    def _line(self, invoice_id, number, description, gross, row, attendee) -> dict:
        event = self.event
        return {
            "id": self.take(InvoiceLine),
            "invoice_id": invoice_id,
            "position": number,
            "description": description + (f"<br />Attendee: {attendee}" if attendee else ""),
            "item_id": None,
            "variation_id": None,
            "attendee_name": attendee,
            "event_date_from": event.date_from,
            "event_date_to": event.date_to,
            "period_start": event.date_from,
            "period_end": event.date_to,
            "gross_value": gross,
            "tax_value": row["tax_value"],
            "tax_rate": row["tax_rate"],
            "tax_name": "VAT",
            "tax_code": "S/standard",
            "fee_type": None,
            "fee_internal_type": None,
            "event_location": None,
        }

    def _failed_scans(self, order, positions, out) -> None:
        """Some tickets are scanned where they may not pass: twice, unpaid, canceled; and
        now and then a code that is no ticket at all."""
        rng = self.rng
        if not positions or rng.random() >= 0.03:
            return
        row = positions[0]
        reason = {"p": "already_redeemed", "n": "unpaid", "c": "canceled"}.get(
            order["status"], "invalid"
        )
        when = self.event.date_from - timedelta(minutes=rng.randint(10, 120))
        unknown = reason == "invalid"
        out.append(
            {
                "id": self.take(Checkin),
                "list_id": self.list_id,
                "position_id": None if unknown else row["id"],
                "datetime": when,
                "type": "entry",
                "successful": False,
                "error_reason": reason,
                "error_explanation": None,
                "created": when + timedelta(seconds=rng.randint(1, 5)),
                "auto_checked_in": False,
                "gate_id": self.gate,
                "device_id": self.device,
                "forced": False,
                "force_sent": rng.random() < 0.2,
                "raw_barcode": f"{rng.getrandbits(64):016x}" if unknown else None,
            }
        )
