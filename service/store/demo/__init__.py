"""Demo data: an organizer, an event with a small catalogue and a reproducible set of orders.

It exists so that the exporters can be tried out (``make run``), tested and benchmarked
against data that looks like a real ticket shop: orders in every status, add-ons, canceled
positions, fees, several payments (some with gift cards), refunds, check-ins, question
answers, orders made in customer accounts, names and addresses beyond ASCII and answers that
a spreadsheet would read as formulas.

The same arguments always give the same rows: everything comes from numpy generators seeded
from ``seed`` (and the batch) and from fixed dates. Orders are made in batches, a column at a
time (``orders``, ``payments``, ``sales``), and loaded in bulk with explicit
primary keys (``bulk_load``: COPY on PostgreSQL), so that a million orders take about a
minute.
"""

import os
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import NamedTuple

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..bulk_columns import seconds_of
from ..bulk_load import BulkLoader, refresh_statistics
from ..models import (
    Checkin,
    CheckinList,
    Customer,
    Event,
    GiftCard,
    GiftCardTransaction,
    Invoice,
    InvoiceLine,
    Item,
    ItemAddOn,
    ItemCategory,
    ItemVariation,
    Order,
    OrderFee,
    OrderPayment,
    OrderPosition,
    OrderRefund,
    Organizer,
    Question,
    QuestionAnswer,
    Quota,
    TaxRule,
    Transaction,
    answer_options,
)
from . import shop as demo_shop
from .draws import CODE_ALPHABET, generator, spelled
from .orders import Products, Shop, make_orders
from .payments import Issuer, make_payments
from .sales import make_sales

__all__ = ["CODE_ALPHABET", "EVENT_START", "DemoResult", "generate_demo_data"]

# Orders made and sent to the store at a time.
BATCH_ORDERS = 20_000
CENT = Decimal("0.01")
FEE_TAX_RATE = Decimal("19.00")
VAT = "VAT"

ORGANIZER_NAMES = {"bigevents": "Big Events Ltd."}
EVENT_NAMES = {"sampleconf": "Sample Conference"}

# The event's first day: fixed, so that tests and benchmarks see the same data every time.
# DEMO_EVENT_START (YYYY-MM-DD) moves the event and everything dated from it; ``make run`` sets
# it 13 weeks ahead, so that the six months of sales lie half in the past and half in the
# future ("previous month" has orders).
EVENT_DAY = date.fromisoformat(os.environ.get("DEMO_EVENT_START") or "2027-06-15")
EVENT_START = datetime.combine(EVENT_DAY, time(8, 0))
EVENT_END = EVENT_START + timedelta(days=2, hours=8)
ADMISSION = EVENT_START - timedelta(hours=1)
PRESALE_START = EVENT_START - timedelta(days=196) + timedelta(hours=1)
PRESALE_END = EVENT_START - timedelta(hours=2)
SALES_FROM = EVENT_START - timedelta(days=182)
SALES_SECONDS = int((EVENT_START - timedelta(days=1) - SALES_FROM).total_seconds())
LOCATION = "Berlin Congress Center\nAlexanderstraße 11\n10178 Berlin"

# The tables the orders fill, in the order their foreign keys need.
LOADED = (
    Order,
    GiftCard,
    OrderPosition,
    OrderFee,
    OrderPayment,
    OrderRefund,
    GiftCardTransaction,
    QuestionAnswer,
    answer_options,
    Checkin,
    Invoice,
    InvoiceLine,
    Transaction,
)
WITH_IDS = tuple(model for model in LOADED if model is not answer_options)
# The generators of a batch, one per part of the data (``generator(seed, part, batch)``).
PARTS = ("times", "codes", "orders", "positions", "secrets", "payments", "sales")
# Order codes have five letters: at most this many orders per event.
CODE_LENGTH = 5
CODES = len(CODE_ALPHABET) ** CODE_LENGTH


@dataclass(frozen=True)
class DemoResult:
    organizer_id: int
    event_id: int
    orders_created: int


class Product(NamedTuple):
    item_id: int
    variation_id: int | None
    label: str
    line_name: str
    price: Decimal
    tax_rate: Decimal
    admission: bool
    personalized: bool
    tax_rule_id: int | None


@dataclass(frozen=True)
class Catalogue:
    tickets: tuple[Product, ...]
    ticket_cum: tuple[int, ...]
    dinner: Product
    shirts: tuple[Product, ...]
    shirt_cum: tuple[int, ...]
    questions: dict[str, int]
    checkin_list_id: int
    fee_tax_rule_id: int | None


def generate_demo_data(
    session: Session,
    organizer_slug: str = "bigevents",
    event_slug: str = "sampleconf",
    orders: int = 1000,
    seed: int = 1,
) -> DemoResult:
    """Create the event with its catalogue and ``orders`` orders, unless it has orders already."""
    if orders < 0:
        raise ValueError("orders must not be negative")
    if orders > CODES // 2:
        raise ValueError(f"at most {CODES // 2:,} demo orders per event")
    organizer = _get_or_create_organizer(session, organizer_slug)
    event = _get_or_create_event(session, organizer, event_slug)
    if session.scalar(select(Order.id).where(Order.event_id == event.id).limit(1)) is not None:
        session.commit()
        return DemoResult(organizer.id, event.id, 0)

    catalogue = _ensure_catalogue(session, event)
    demo_shop.ensure_organizer(session, organizer.id, seed)
    demo_shop.ensure_event(session, organizer.id, event)
    products = _products(catalogue)
    shop = Shop(
        event_id=event.id,
        questions=catalogue.questions,
        checkin_list_id=catalogue.checkin_list_id,
        admission=seconds_of(ADMISSION),
        fee_tax_rule_id=catalogue.fee_tax_rule_id,
        customers=_customers(session, organizer.id),
    )
    place = demo_shop.sales_place(session, event, catalogue.fee_tax_rule_id)
    issuer = Issuer(organizer.id, organizer.slug, event.id)
    invoices = session.scalar(
        select(func.count()).select_from(Invoice).where(Invoice.event_id == event.id)
    )
    ids = _IdCounter(session)
    times = _order_times(seed, orders)
    codes = _OrderCodes()
    tables = [getattr(model, "__table__", model) for model in LOADED]
    loader = BulkLoader(session, tables, orders)
    try:
        for number, start in enumerate(range(0, orders, BATCH_ORDERS)):
            rngs = {part: generator(seed, index, number) for index, part in enumerate(PARTS)}
            when = times[start : start + BATCH_ORDERS]
            batch = make_orders(
                rngs, products, shop, ids, start, when, codes.take(rngs["codes"], len(when))
            )
            placed, positions, fees, answers, checkins = batch.rows
            cards, payments, refunds, card_moves = make_payments(
                rngs["payments"], batch, issuer, ids
            )
            options, invoice_rows, lines, transactions, failed_scans = make_sales(
                rngs["sales"], batch, products, place, ids, invoices
            )
            invoices += invoice_rows.length
            loader.add(
                [
                    placed,
                    cards,
                    positions,
                    fees,
                    payments,
                    refunds,
                    card_moves,
                    answers,
                    options,
                    checkins,
                    failed_scans,
                    invoice_rows,
                    lines,
                    transactions,
                ]
            )
        loader.finish()
    finally:
        loader.close()
    session.commit()
    refresh_statistics(session, tables)
    return DemoResult(organizer.id, event.id, orders)


# Organizer, event and catalogue


def _get_or_create_organizer(session: Session, slug: str) -> Organizer:
    organizer = session.scalar(select(Organizer).where(Organizer.slug == slug))
    if organizer is None:
        organizer = Organizer(slug=slug, name=ORGANIZER_NAMES.get(slug) or _title(slug))
        session.add(organizer)
        session.flush()
    return organizer


def _get_or_create_event(session: Session, organizer: Organizer, slug: str) -> Event:
    event = session.scalar(
        select(Event).where(Event.organizer_id == organizer.id, Event.slug == slug)
    )
    if event is None:
        event = Event(
            organizer_id=organizer.id,
            slug=slug,
            name=EVENT_NAMES.get(slug) or _title(slug),
            currency="EUR",
            timezone="Europe/Berlin",
            date_from=EVENT_START,
            date_to=EVENT_END,
            date_admission=ADMISSION,
            presale_start=PRESALE_START,
            presale_end=PRESALE_END,
            location=LOCATION,
            live=True,
            locales=["en", "de"],
            locale="en",
        )
        session.add(event)
        session.flush()
    return event


def _title(slug: str) -> str:
    return slug.replace("-", " ").replace("_", " ").title()


def _ensure_catalogue(session: Session, event: Event) -> Catalogue:
    if session.scalar(select(Item.id).where(Item.event_id == event.id).limit(1)) is None:
        _create_catalogue(session, event.id)
    return _load_catalogue(session, event.id)


def _create_catalogue(session: Session, event_id: int) -> None:
    tickets = ItemCategory(
        event_id=event_id, name="Tickets", name_i18n={"en": "Tickets", "de": "Tickets"}, position=1
    )
    extras = ItemCategory(
        event_id=event_id,
        name="Extras",
        name_i18n={"en": "Extras", "de": "Extras"},
        description="Add these to a ticket.",
        position=2,
        is_addon=True,
    )
    session.add_all([tickets, extras])
    session.flush()
    regular, workshop, dinner, shirt = _create_products(session, event_id, tickets, extras)
    session.add_all(
        [
            ItemAddOn(base_item_id=regular.id, addon_category_id=extras.id, max_count=2),
            ItemAddOn(base_item_id=workshop.id, addon_category_id=extras.id, max_count=2),
            Quota(
                event_id=event_id,
                name="Tickets",
                size=5000,
                items=[regular, workshop],
                variations=list(workshop.variations),
            ),
            Quota(event_id=event_id, name="Dinner", size=800, items=[dinner]),
            Quota(
                event_id=event_id,
                name="T-shirts",
                size=None,
                items=[shirt],
                variations=list(shirt.variations),
            ),
            Question(
                event_id=event_id,
                question="Dietary requirements",
                identifier="DIET",
                type="S",
                position=1,
                help_text="We will do our best.",
            ),
            Question(
                event_id=event_id, question="T-shirt size", identifier="SHIRT", type="C", position=2
            ),
            Question(
                event_id=event_id, question="Company role", identifier="ROLE", type="T", position=3
            ),
            CheckinList(event_id=event_id, name="Main entrance", all_products=True),
            CheckinList(
                event_id=event_id, name="Workshops", all_products=False, include_pending=False
            ),
        ]
    )
    session.flush()


def _create_products(
    session: Session, event_id: int, tickets: ItemCategory, extras: ItemCategory
) -> list[Item]:
    """The four products on sale, plus an early-bird ticket that is no longer sold."""
    rule_19 = TaxRule(event_id=event_id, internal_name="VAT 19", name=VAT, rate=Decimal("19.00"))
    rule_7 = TaxRule(event_id=event_id, internal_name="VAT 7", name=VAT, rate=Decimal("7.00"))
    session.add_all([rule_19, rule_7])
    session.flush()
    vat_19 = {"tax_rate": rule_19.rate, "tax_name": VAT, "tax_rule_id": rule_19.id}
    vat_7 = {"tax_rate": rule_7.rate, "tax_name": VAT, "tax_rule_id": rule_7.id}
    ticket = {"category_id": tickets.id, "admission": True, "personalized": True, **vat_19}
    products = [
        Item(
            name="Regular ticket",
            name_i18n={"en": "Regular ticket", "de": "Normales Ticket"},
            internal_name="REG",
            default_price=Decimal("250.00"),
            max_per_order=10,
            **ticket,
        ),
        Item(
            name="Workshop ticket",
            name_i18n={"en": "Workshop ticket", "de": "Workshop-Ticket"},
            default_price=Decimal("100.00"),
            variations=[
                ItemVariation(
                    value="Beginner",
                    value_i18n={"en": "Beginner", "de": "Einsteiger"},
                    default_price=Decimal("100.00"),
                    position=1,
                ),
                ItemVariation(
                    value="Advanced",
                    value_i18n={"en": "Advanced", "de": "Fortgeschrittene"},
                    default_price=Decimal("150.00"),
                    position=2,
                ),
            ],
            **ticket,
        ),
        Item(
            name="Conference dinner",
            name_i18n={"en": "Conference dinner", "de": "Konferenz-Dinner"},
            description="Three courses at the venue on the first evening.",
            default_price=Decimal("49.90"),
            category_id=extras.id,
            # Sold online only, no ticket of its own, no waiting list.
            all_sales_channels=False,
            limit_sales_channels=["web"],
            generate_tickets=False,
            allow_waitinglist=False,
            **vat_19,
        ),
        Item(
            name="T-shirt",
            name_i18n={"en": "T-shirt", "de": "T-Shirt"},
            default_price=Decimal("25.00"),
            category_id=extras.id,
            generate_tickets=False,
            variations=[ItemVariation(value=size, position=n) for n, size in enumerate("SML", 1)],
            **vat_7,
        ),
        Item(
            name="Early bird ticket",
            name_i18n={"en": "Early bird ticket", "de": "Frühbucher-Ticket"},
            default_price=Decimal("199.00"),
            original_price=Decimal("250.00"),
            active=False,
            available_until=datetime(2027, 1, 31, 23, 0),
            **ticket,
        ),
    ]
    for position, product in enumerate(products, 1):
        product.event_id = event_id
        product.position = position
    session.add_all(products)
    session.flush()
    return products[:4]


def _load_catalogue(session: Session, event_id: int) -> Catalogue:
    items = {i.name: i for i in session.scalars(select(Item).where(Item.event_id == event_id))}
    questions = dict(
        session.execute(
            select(Question.identifier, Question.id).where(Question.event_id == event_id)
        ).all()
    )
    checkin_lists = dict(
        session.execute(
            select(CheckinList.name, CheckinList.id).where(CheckinList.event_id == event_id)
        ).all()
    )
    fee_rule = session.scalar(
        select(TaxRule.id)
        .where(TaxRule.event_id == event_id, TaxRule.rate == FEE_TAX_RATE)
        .order_by(TaxRule.id)
        .limit(1)
    )
    try:
        return Catalogue(
            tickets=(
                _product(items["Regular ticket"]),
                _product(items["Workshop ticket"], "Beginner"),
                _product(items["Workshop ticket"], "Advanced"),
            ),
            ticket_cum=(70, 88, 100),
            dinner=_product(items["Conference dinner"]),
            shirts=tuple([_product(items["T-shirt"], size) for size in "SML"]),
            shirt_cum=(30, 75, 100),
            questions={key: questions[key] for key in ("DIET", "SHIRT", "ROLE")},
            checkin_list_id=checkin_lists["Main entrance"],
            fee_tax_rule_id=fee_rule,
        )
    except KeyError as exc:
        raise LookupError(
            f"event {event_id} has a catalogue without the demo product, question "
            f"or check-in list {exc}"
        ) from exc


def _product(item: Item, variation: str | None = None) -> Product:
    price, variation_id = item.default_price, None
    if variation is not None:
        found = {v.value: v for v in item.variations}[variation]
        variation_id = found.id
        if found.default_price is not None:
            price = found.default_price
    return Product(
        item.id,
        variation_id,
        variation or item.name,
        f"{item.name} - {variation}" if variation else item.name,
        Decimal(price).quantize(CENT),
        Decimal(item.tax_rate).quantize(CENT),
        item.admission,
        item.personalized,
        item.tax_rule_id,
    )


# Orders


def _products(catalogue: Catalogue) -> Products:
    """The catalogue as arrays: the tickets, then the dinner, then the T-shirt sizes."""
    every = (*catalogue.tickets, catalogue.dinner, *catalogue.shirts)

    def array(values) -> np.ndarray:
        return np.array(list(values), dtype=np.int64)

    return Products(
        item_id=array(p.item_id for p in every),
        variation_id=array(p.variation_id or 0 for p in every),
        price=array(int(p.price * 100) for p in every),
        tax_rate=array(int(p.tax_rate * 100) for p in every),
        tax_rule_id=array(p.tax_rule_id or 0 for p in every),
        admission=np.array([p.admission for p in every]),
        personalized=np.array([p.personalized for p in every]),
        line_name=tuple(p.line_name for p in every),
        tickets=len(catalogue.tickets),
        ticket_cum=catalogue.ticket_cum,
        dinner=len(catalogue.tickets),
        first_shirt=len(catalogue.tickets) + 1,
        shirt_cum=catalogue.shirt_cum,
    )


def _customers(session: Session, organizer_id: int) -> list[tuple[int, str, str]]:
    """The organizer's active customer accounts, which orders can be made in."""
    return [
        tuple(row)
        for row in session.execute(
            select(Customer.id, Customer.identifier, Customer.email)
            .where(Customer.organizer_id == organizer_id, Customer.is_active)
            .order_by(Customer.id)
        )
    ]


class _IdCounter:
    """The next free primary key per loaded table, so that rows can be inserted in bulk."""

    def __init__(self, session: Session) -> None:
        self._next = {
            model: (session.scalar(select(func.max(model.id))) or 0) + 1 for model in WITH_IDS
        }

    def take(self, model, count: int = 1) -> int:
        """The first of ``count`` new ids."""
        value = self._next[model]
        self._next[model] = value + count
        return value


def _order_times(seed: int, count: int) -> np.ndarray:
    """Order times (seconds since 1970) over the six months before the event, more of them
    close to it, in order."""
    rng = generator(seed, PARTS.index("times"), 0)
    offsets = rng.triangular(0, SALES_SECONDS * 0.8, SALES_SECONDS, count).astype(np.int64)
    return seconds_of(SALES_FROM) + np.sort(offsets)


class _OrderCodes:
    """Five-letter order codes, drawn at random and each given once."""

    def __init__(self) -> None:
        self.used = np.zeros(CODES, dtype=bool)

    def take(self, rng: np.random.Generator, count: int) -> list[str]:
        codes = np.empty(0, dtype=np.int64)
        while len(codes) < count:
            drawn = rng.integers(0, CODES, count - len(codes))
            codes = np.concatenate([codes, drawn])
            # Keep each code's first draw, unless an earlier batch has it.
            _, first = np.unique(codes, return_index=True)
            fresh = np.zeros(len(codes), dtype=bool)
            fresh[first] = True
            codes = codes[fresh & ~self.used[codes]]
        self.used[codes] = True
        return spelled(codes, CODE_LENGTH)
