"""Demo data: an organizer, an event with a small catalogue and a reproducible set of orders.

It exists so that the exporters can be tried out (``make run``), tested and benchmarked
against data that looks like a real ticket shop: orders in every status, add-ons, canceled
positions, fees, several payments, refunds, check-ins, question answers, names and addresses
beyond ASCII and answers that a spreadsheet would read as formulas.

The same arguments always give the same rows: everything comes from ``random.Random(seed)``
and fixed dates. Orders are inserted in bulk with explicit primary keys, so that a benchmark's
100,000 orders take well under a minute.
"""

import os
import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from typing import NamedTuple

from sqlalchemy import func, insert, select, text
from sqlalchemy.orm import Session

from . import demo_shop
from .models import (
    Checkin,
    CheckinList,
    Event,
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

BATCH_SIZE = 5000
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ3789"
CENT = Decimal("0.01")
ZERO = Decimal("0.00")
FEE_TAX_RATE = Decimal("19.00")
VAT = "VAT"
CHECKIN_TEXT = "Please welcome in person."

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

# Tables that get rows with explicit ids, in the order their foreign keys need.
ORDER_MODELS = (
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
# Link tables filled with the orders (no ids of their own).
ORDER_LINKS = (answer_options,)

FIRST_NAMES = (
    ("Anna", "anna"),
    ("Jürgen", "juergen"),
    ("José", "jose"),
    ("Łukasz", "lukasz"),
    ("Zoë", "zoe"),
    ("Søren", "soeren"),
    ("Ayşe", "ayse"),
    ("Chloé", "chloe"),
    ("Björn", "bjoern"),
    ("Noémie", "noemie"),
    ("Oğuz", "oguz"),
    ("Émile", "emile"),
    ("Małgorzata", "malgorzata"),
    ("Íñigo", "inigo"),
    ("François", "francois"),
    ("Hélène", "helene"),
    ("Ðorđe", "djordje"),
    ("Ingrid", "ingrid"),
    ("Mateo", "mateo"),
    ("Olga", "olga"),
    ("Fatima", "fatima"),
    ("Priya", "priya"),
    ("Thomas", "thomas"),
    ("Sarah", "sarah"),
    ("Kenji", "kenji"),
)
LAST_NAMES = (
    ("Müller", "mueller"),
    ("García", "garcia"),
    ("Øster", "oester"),
    ("Nowak", "nowak"),
    ("Schmidt", "schmidt"),
    ("Dubois", "dubois"),
    ("Yılmaz", "yilmaz"),
    ("Doğan", "dogan"),
    ("Šimůnek", "simunek"),
    ("Ström", "stroem"),
    ("Kowalczyk", "kowalczyk"),
    ("O'Brien", "obrien"),
    ("Nguyễn", "nguyen"),
    ("Fernández", "fernandez"),
    ("Lefèvre", "lefevre"),
    ("Jensen", "jensen"),
    ("Weiß", "weiss"),
    ("Smith", "smith"),
    ("van der Berg", "vanderberg"),
    ("Łęcka", "lecka"),
)
FULL_NAMES = (
    ("李娜", "li.na"),
    ("王伟", "wang.wei"),
    ("田中 花子", "hanako.tanaka"),
    ("김민준", "minjun.kim"),
)
EMAIL_DOMAINS = ("example.com", "example.org", "example.net", "mail.example.de", "example.fr")


class Place(NamedTuple):
    country: str
    city: str
    zipcode: str
    street: str
    number_first: bool
    state: str
    calling_code: str


PLACES = (
    Place("DE", "Berlin", "10115", "Invalidenstraße", False, "", "49"),
    Place("DE", "München", "80331", "Marienplatz", False, "", "49"),
    Place("DE", "Köln", "50667", "Hohe Straße", False, "", "49"),
    Place("AT", "Wien", "1010", "Kärntner Straße", False, "", "43"),
    Place("CH", "Zürich", "8001", "Bahnhofstrasse", False, "", "41"),
    Place("FR", "Paris", "75001", "rue de Rivoli", True, "", "33"),
    Place("FR", "Lyon", "69002", "rue de la République", True, "", "33"),
    Place("ES", "Madrid", "28013", "Calle Mayor", False, "", "34"),
    Place("PL", "Kraków", "31-001", "ulica Floriańska", False, "", "48"),
    Place("DK", "København K", "1160", "Strøget", False, "", "45"),
    Place("TR", "İstanbul", "34430", "İstiklal Caddesi", False, "", "90"),
    Place("NL", "Amsterdam", "1012 JS", "Damrak", False, "", "31"),
    Place("GB", "London", "NW1 6XE", "Baker Street", True, "", "44"),
    Place("US", "New York", "10001", "Fifth Avenue", True, "NY", "1"),
    Place("CN", "北京", "100000", "长安街", False, "", "86"),
)
VAT_ID_FORMATS = {
    "DE": ("DE", 9),
    "AT": ("ATU", 8),
    "FR": ("FR", 11),
    "ES": ("ESB", 8),
    "PL": ("PL", 10),
    "DK": ("DK", 8),
    "NL": ("NL", 9),
}
COMPANIES = (
    "Müller & Söhne GmbH",
    "Øresund Tech ApS",
    "Société Générale d'Événements SARL",
    "García y Asociados S.L.",
    "Kraków Software Sp. z o.o.",
    "DOĞAN Yazılım A.Ş.",
    "Initech Inc.",
    "Globex Corporation",
    "Acme, Inc.",
    'Umbrella "Research" Ltd.',
    "北京科技有限公司",
)
STREET_SUFFIXES = ("c/o Accounting", "Hinterhaus, 3. OG", "Bâtiment B")
COMMENTS = (
    "Please send the invoice to our accounting department.",
    'Invoice reference: "PO-2027-118"; cost centre 4711',
    "Wheelchair access needed.\nThank you!",
    "Rechnung bitte mit Bestellnummer, danke.",
    "Merci de m'envoyer une facture détaillée.",
)

DIET_ANSWERS = (
    "None",
    "Vegetarian",
    "Vegan",
    "Gluten-free",
    "Halal",
    "Kosher",
    "Lactose-free, no nuts",
    "Keine Nüsse",
    "Végétarien",
)
SHIRT_SIZES = ("S", "M", "L", "XL")
ROLE_ANSWERS = (
    "Software engineer",
    "CTO",
    "Head of Marketing",
    "Étudiante",
    "Geschäftsführer",
    "Developer; team lead",
    'Product "owner"',
    "-",
    "Research\nand teaching",
    "=1+2",
)
FORMULA_ANSWERS = ('=HYPERLINK("http://x")', "=1+2")
FORMULA_EVERY = 50
EMPTY_INVOICE = {
    "invoice_company": "",
    "invoice_name": "",
    "invoice_street": "",
    "invoice_zipcode": "",
    "invoice_city": "",
    "invoice_country": "",
    "invoice_state": "",
    "invoice_vat_id": "",
}

STATUS_CUM = (60, 80, 90, 100)
STATUSES = ("p", "n", "e", "c")
LOCALES = ("en", "de", "fr")
LOCALE_CUM = (50, 85, 100)
PROVIDERS = ("banktransfer", "stripe", "paypal")
PROVIDER_CUM = (45, 80, 100)
TICKET_COUNTS = (1, 2, 3, 4)
TICKET_COUNT_CUM = (55, 80, 92, 100)


@dataclass(frozen=True)
class DemoResult:
    organizer_id: int
    event_id: int
    orders_created: int


class Product(NamedTuple):
    item_id: int
    variation_id: int | None
    label: str
    price: Decimal
    tax_rate: Decimal
    admission: bool
    personalized: bool
    tax_rule_id: int | None


class Person(NamedTuple):
    name: str
    email: str


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
    organizer = _get_or_create_organizer(session, organizer_slug)
    event = _get_or_create_event(session, organizer, event_slug)
    if session.scalar(select(Order.id).where(Order.event_id == event.id).limit(1)) is not None:
        session.commit()
        return DemoResult(organizer.id, event.id, 0)

    catalogue = _ensure_catalogue(session, event)
    demo_shop.ensure_organizer(session, organizer.id, seed)
    demo_shop.ensure_event(session, organizer.id, event)
    # Secrets come from a generator of their own: the other values stay what they were
    # before orders had secrets.
    rngs = random.Random(seed), random.Random(f"secrets-{seed}")
    ids = _IdCounter(session)
    maker = _OrderMaker(*rngs, catalogue, event.id, ids)
    shop = demo_shop.ShopRows(session, event, ids.take, seed)
    times = _order_times(maker.rng, orders)
    for start in range(0, orders, BATCH_SIZE):
        rows = {model: [] for model in ORDER_MODELS + ORDER_LINKS}
        for index in range(start, min(start + BATCH_SIZE, orders)):
            maker.add_order(index, times[index], rows)
        shop.add(rows)
        _insert(session, rows)
    _reset_sequences(session)
    session.commit()
    _refresh_statistics(session)
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
        Decimal(price).quantize(CENT),
        Decimal(item.tax_rate).quantize(CENT),
        item.admission,
        item.personalized,
        item.tax_rule_id,
    )


# Orders


class _IdCounter:
    """The next free primary key per order table, so that rows can be inserted in bulk."""

    def __init__(self, session: Session) -> None:
        self._next = {
            model: (session.scalar(select(func.max(model.id))) or 0) + 1 for model in ORDER_MODELS
        }

    def take(self, model) -> int:
        value = self._next[model]
        self._next[model] = value + 1
        return value


def _order_times(rng: random.Random, count: int) -> list[datetime]:
    """Order times over the six months before the event, more of them close to it."""
    offsets = sorted(
        int(rng.triangular(0, SALES_SECONDS, SALES_SECONDS * 0.8)) for _ in range(count)
    )
    return [SALES_FROM + timedelta(seconds=offset) for offset in offsets]


def _cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


@lru_cache(maxsize=4096)
def _tax(value: Decimal, rate: Decimal) -> Decimal:
    return _cents(value * rate / (100 + rate))


def _seconds(rng: random.Random, low: int, high: int) -> timedelta:
    return timedelta(seconds=rng.randint(low, high))


class _OrderMaker:
    """Builds the rows of one order at a time, all of them drawn from one random generator."""

    def __init__(
        self,
        rng: random.Random,
        secrets: random.Random,
        catalogue: Catalogue,
        event_id: int,
        ids: _IdCounter,
    ) -> None:
        self.rng = rng
        self.secrets = secrets
        self.catalogue = catalogue
        self.event_id = event_id
        self.ids = ids
        self.codes: set[str] = set()

    def add_order(self, index: int, when: datetime, rows: dict[type, list[dict]]) -> None:
        rng = self.rng
        order_id = self.ids.take(Order)
        status = rng.choices(STATUSES, cum_weights=STATUS_CUM)[0]
        buyer = self._person()
        provider = rng.choices(PROVIDERS, cum_weights=PROVIDER_CUM)[0]
        positions = self._positions(order_id, status, buyer)
        rows[OrderPosition].extend(row for row, _ in positions)
        active = sum((row["price"] for row, _ in positions if not row["canceled"]), ZERO)
        canceled = sum((row["price"] for row, _ in positions if row["canceled"]), ZERO)
        total = active + self._fees(order_id, provider, active, rows[OrderFee])
        self._answers(positions, index % FORMULA_EVERY == 0, rows[QuestionAnswer])
        if status == "p":
            self._checkins(positions, rows[Checkin])
        self._payments(order_id, status, provider, when, total, canceled, rows)
        rows[Order].append(self._order_row(order_id, status, buyer, when, total))

    def _order_row(self, order_id, status, buyer, when, total) -> dict:
        rng = self.rng
        invoice, place = self._invoice(buyer)
        followup = status == "n" and rng.random() < 0.05
        row = {
            "id": order_id,
            "event_id": self.event_id,
            "code": self._code(),
            "status": status,
            "email": buyer.email if rng.random() < 0.98 else None,
            "phone": self._phone(place) if rng.random() < 0.3 else None,
            "locale": rng.choices(LOCALES, cum_weights=LOCALE_CUM)[0],
            "datetime": when,
            "expires": when + timedelta(days=14),
            "total": total,
            "comment": rng.choice(COMMENTS) if rng.random() < 0.06 else "",
            "custom_followup_at": (when + timedelta(days=7)).date() if followup else None,
            "checkin_attention": rng.random() < 0.01,
            "require_approval": status == "n" and rng.random() < 0.03,
            "testmode": False,
            "sales_channel": "web" if rng.random() < 0.95 else "resellers",
            "email_known_to_work": status == "p" and rng.random() < 0.7,
            "customer_identifier": self._token(6) if rng.random() < 0.15 else None,
            "secret": self._secret(),
            **invoice,
        }
        row["checkin_text"] = CHECKIN_TEXT if row["checkin_attention"] else None
        return row

    def _code(self) -> str:
        while True:
            code = self._token(5)
            if code not in self.codes:
                self.codes.add(code)
                return code

    def _secret(self) -> str:
        """32 hex digits, like pretix's order secrets, from the secrets' own generator."""
        return f"{self.secrets.getrandbits(128):032x}"

    def _token(self, length: int) -> str:
        return "".join(self.rng.choices(CODE_ALPHABET, k=length))

    def _person(self) -> Person:
        rng = self.rng
        if rng.random() < 0.06:
            name, local = rng.choice(FULL_NAMES)
        else:
            first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            name, local = f"{first[0]} {last[0]}", f"{first[1]}.{last[1]}"
        suffix = str(rng.randint(1, 99)) if rng.random() < 0.3 else ""
        return Person(name, f"{local}{suffix}@{rng.choice(EMAIL_DOMAINS)}")

    def _invoice(self, buyer: Person) -> tuple[dict, Place]:
        rng = self.rng
        place = rng.choice(PLACES)
        if rng.random() < 0.5:
            return EMPTY_INVOICE, place
        company = rng.choice(COMPANIES) if rng.random() < 0.4 else ""
        number = rng.randint(1, 120)
        street = f"{number} {place.street}" if place.number_first else f"{place.street} {number}"
        if rng.random() < 0.1:
            street += "\n" + rng.choice(STREET_SUFFIXES)
        with_vat_id = company and rng.random() < 0.6
        return {
            "invoice_company": company,
            "invoice_name": buyer.name,
            "invoice_street": street,
            "invoice_zipcode": place.zipcode,
            "invoice_city": place.city,
            "invoice_country": place.country,
            "invoice_state": place.state,
            "invoice_vat_id": self._vat_id(place.country) if with_vat_id else "",
        }, place

    def _vat_id(self, country: str) -> str:
        if country not in VAT_ID_FORMATS:
            return ""
        prefix, digits = VAT_ID_FORMATS[country]
        return prefix + "".join(self.rng.choices("0123456789", k=digits))

    def _phone(self, place: Place) -> str:
        rng = self.rng
        return f"+{place.calling_code} {rng.randint(20, 999)} {rng.randint(100000, 9999999)}"

    # Positions, fees, answers and check-ins

    def _positions(self, order_id: int, status: str, buyer: Person) -> list[tuple[dict, Product]]:
        """1-4 tickets, each followed by its add-ons; in some paid orders the last is canceled."""
        rng = self.rng
        catalogue = self.catalogue
        count = rng.choices(TICKET_COUNTS, cum_weights=TICKET_COUNT_CUM)[0]
        cancel_last = status == "p" and count > 1 and rng.random() < 0.08
        positions: list[tuple[dict, Product]] = []
        for number in range(count):
            product = rng.choices(catalogue.tickets, cum_weights=catalogue.ticket_cum)[0]
            attendee = buyer if number == 0 and rng.random() < 0.7 else self._person()
            canceled = cancel_last and number == count - 1
            price = self._ticket_price(product, number)
            ticket = self._position(order_id, len(positions) + 1, product, price, attendee)
            ticket["canceled"] = canceled
            positions.append((ticket, product))
            for addon in self._addons():
                row = self._position(order_id, len(positions) + 1, addon, addon.price, None)
                row.update(addon_to_id=ticket["id"], canceled=canceled)
                positions.append((row, addon))
        return positions

    def _ticket_price(self, product: Product, number: int) -> Decimal:
        """Mostly the full price; some discounts, and some free tickets beside a paid one."""
        roll = self.rng.random()
        if number > 0 and roll < 0.03:
            return ZERO
        if roll < 0.10:
            return _cents(product.price * Decimal("0.8"))
        return product.price

    def _addons(self) -> list[Product]:
        rng = self.rng
        catalogue = self.catalogue
        addons = []
        if rng.random() < 0.25:
            addons.append(catalogue.dinner)
        if rng.random() < 0.15:
            addons.append(rng.choices(catalogue.shirts, cum_weights=catalogue.shirt_cum)[0])
        return addons

    def _position(
        self, order_id: int, positionid: int, product: Product, price: Decimal, attendee
    ) -> dict:
        rng = self.rng
        return {
            "id": self.ids.take(OrderPosition),
            "order_id": order_id,
            "positionid": positionid,
            "item_id": product.item_id,
            "variation_id": product.variation_id,
            "price": price,
            "tax_rate": product.tax_rate,
            "tax_value": _tax(price, product.tax_rate),
            "tax_name": VAT,
            "tax_rule_id": product.tax_rule_id,
            "attendee_name": attendee.name if attendee else None,
            "attendee_email": attendee.email if attendee and rng.random() < 0.4 else None,
            "company": rng.choice(COMPANIES) if attendee and rng.random() < 0.1 else None,
            "street": None,
            "zipcode": None,
            "city": None,
            "country": None,
            "state": None,
            "secret": f"{rng.getrandbits(128):032x}",
            "pseudonymization_id": self._token(10),
            "addon_to_id": None,
            "valid_from": None,
            "valid_until": None,
            "blocked": None,
            "canceled": False,
            "web_secret": self._secret(),
        }

    def _fees(self, order_id: int, provider: str, positions_total: Decimal, out: list) -> Decimal:
        """PayPal orders pay a payment fee; a few orders have shipping or a service fee."""
        rng = self.rng
        fees = []
        if provider == "paypal":
            value = _cents(Decimal("0.35") + positions_total * Decimal("0.0249"))
            fees.append(("payment", "PayPal", value))
        if rng.random() < 0.04:
            fees.append(("shipping", "Shipping", Decimal("4.90")))
        if rng.random() < 0.06:
            fees.append(("service", "Service fee", Decimal("1.50")))
        for fee_type, description, value in fees:
            out.append(
                {
                    "id": self.ids.take(OrderFee),
                    "order_id": order_id,
                    "fee_type": fee_type,
                    "description": description,
                    "value": value,
                    "tax_rate": FEE_TAX_RATE,
                    "tax_value": _tax(value, FEE_TAX_RATE),
                    "tax_name": VAT,
                    "tax_rule_id": self.catalogue.fee_tax_rule_id,
                    "canceled": False,
                }
            )
        return sum((value for _, _, value in fees), ZERO)

    def _answers(self, positions, with_formula: bool, out: list[dict]) -> None:
        """Most attendees answer some questions; the T-shirt size matches a T-shirt add-on."""
        rng = self.rng
        questions = self.catalogue.questions
        shirt_sizes = {
            row["addon_to_id"]: product.label
            for row, product in positions
            if product in self.catalogue.shirts
        }
        for row, product in positions:
            if not product.personalized:
                continue
            answers = {}
            if rng.random() < 0.85:
                if rng.random() < 0.7:
                    answers["DIET"] = rng.choice(DIET_ANSWERS)
                if rng.random() < 0.8 or row["id"] in shirt_sizes:
                    answers["SHIRT"] = shirt_sizes.get(row["id"]) or rng.choice(SHIRT_SIZES)
                if rng.random() < 0.6:
                    answers["ROLE"] = rng.choice(ROLE_ANSWERS)
            if with_formula:
                answers["ROLE"] = rng.choice(FORMULA_ANSWERS)
                with_formula = False
            for identifier, answer in answers.items():
                out.append(
                    {
                        "id": self.ids.take(QuestionAnswer),
                        "position_id": row["id"],
                        "question_id": questions[identifier],
                        "answer": answer,
                    }
                )

    def _checkins(self, positions, out: list[dict]) -> None:
        """Half of the admitted attendees came in, mostly on the first morning; some left."""
        rng = self.rng
        for row, product in positions:
            if row["canceled"] or not product.admission or rng.random() >= 0.5:
                continue
            day = rng.choices((0, 1, 2), cum_weights=(70, 90, 100))[0]
            entry = ADMISSION + timedelta(days=day, seconds=int(rng.triangular(0, 28800, 1800)))
            moments = [("entry", entry)]
            if rng.random() < 0.15:
                moments.append(("exit", entry + _seconds(rng, 3600, 9 * 3600)))
            for kind, moment in moments:
                out.append(
                    {
                        "id": self.ids.take(Checkin),
                        "list_id": self.catalogue.checkin_list_id,
                        "position_id": row["id"],
                        "datetime": moment,
                        "type": kind,
                        "successful": True,
                    }
                )

    # Payments and refunds

    def _payments(self, order_id, status, provider, when, total, canceled, rows) -> None:
        """Paid orders are paid in full (refunded for canceled positions); canceled orders
        were sometimes paid and refunded; pending ones may have a payment under way."""
        rng = self.rng
        payments = _Payments(order_id, self.ids, rows[OrderPayment])
        created = when + _seconds(rng, 5, 300)
        if status == "p":
            confirmed = self._paid(payments, provider, created, total + canceled)
            if canceled:
                self._refund(order_id, confirmed, canceled, rows[OrderRefund])
        elif status == "n":
            if rng.random() < 0.7:
                state = "created" if provider == "banktransfer" else "pending"
                payments.add(state, total, provider, created)
        elif status == "c" and rng.random() < 0.55:
            paid_at = self._paid_at(provider, created)
            confirmed = payments.add("confirmed", total, provider, created, paid_at)
            if rng.random() < 0.8:
                self._refund(order_id, confirmed, total, rows[OrderRefund])
        elif rng.random() < 0.4:
            payments.add("canceled", total, provider, created)

    def _paid(self, payments: "_Payments", provider, created, amount) -> dict:
        """The payments of a paid order: after a failed attempt, in two parts, or at once."""
        rng = self.rng
        roll = rng.random()
        if roll < 0.08:
            payments.add("failed", amount, "stripe", created)
            created += _seconds(rng, 60, 3600)
        elif roll < 0.15 and provider == "banktransfer" and amount >= Decimal("0.02"):
            first = _cents(amount * Decimal(rng.choice(("0.3", "0.5"))))
            payments.add("confirmed", first, provider, created, self._paid_at(provider, created))
            created += _seconds(rng, 86400, 14 * 86400)
            amount -= first
        return payments.add(
            "confirmed", amount, provider, created, self._paid_at(provider, created)
        )

    def _paid_at(self, provider: str, created: datetime) -> datetime:
        if provider == "banktransfer":
            return created + _seconds(self.rng, 86400, 10 * 86400)
        return created + _seconds(self.rng, 10, 120)

    def _refund(self, order_id: int, payment: dict, amount: Decimal, out: list[dict]) -> None:
        rng = self.rng
        created = payment["payment_date"] + _seconds(rng, 86400, 30 * 86400)
        out.append(
            {
                "id": self.ids.take(OrderRefund),
                "order_id": order_id,
                "payment_id": payment["id"],
                "local_id": 1,
                "state": "done",
                "source": "admin" if rng.random() < 0.7 else "buyer",
                "amount": amount,
                "provider": payment["provider"],
                "created": created,
                "execution_date": created + _seconds(rng, 0, 3 * 86400),
            }
        )


class _Payments:
    """The payment rows of one order, numbered from 1 like pretix's ``local_id``."""

    def __init__(self, order_id: int, ids: _IdCounter, out: list[dict]) -> None:
        self.order_id = order_id
        self.ids = ids
        self.out = out
        self.count = 0

    def add(self, state, amount, provider, created, payment_date=None) -> dict:
        self.count += 1
        row = {
            "id": self.ids.take(OrderPayment),
            "order_id": self.order_id,
            "local_id": self.count,
            "state": state,
            "amount": amount,
            "provider": provider,
            "created": created,
            "payment_date": payment_date,
        }
        self.out.append(row)
        return row


def _insert(session: Session, rows: dict[type, list[dict]]) -> None:
    """One executemany per table; the plain table insert skips the ORM's per-row bookkeeping.

    On PostgreSQL, ``COPY`` instead: psycopg sends an executemany row by row, and COPY loads
    the same rows in about half the time.
    """
    copy = session.get_bind().dialect.name == "postgresql"
    for model in ORDER_MODELS + ORDER_LINKS:
        table = getattr(model, "__table__", model)
        # Rows of one kind may differ in their columns (failed scans say more): one
        # statement per shape.
        shapes: dict[tuple, list[dict]] = {}
        for row in rows[model]:
            shapes.setdefault(tuple(row), []).append(row)
        for shape in shapes.values():
            if copy:
                _copy_rows(session, table, shape)
            else:
                session.execute(insert(table), shape)


def _copy_rows(session: Session, table, rows: list[dict]) -> None:
    """COPY sees no model defaults: columns the rows leave out get theirs here."""
    names = list(rows[0])
    defaults = {
        column.name: column.default.arg
        for column in table.columns
        if column.name not in rows[0] and column.default is not None and column.default.is_scalar
    }
    statement = f"COPY {table.name} ({', '.join(names + list(defaults))}) FROM STDIN"
    tail = list(defaults.values())
    cursor = session.connection().connection.driver_connection.cursor()
    with cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row([row[name] for name in names] + tail)


def _refresh_statistics(session: Session) -> None:
    """After a bulk load the planner's row estimates are stale and, on PostgreSQL, no page
    of the new rows is marked all-visible yet: exports would pick slow plans, and read the
    tables where an index alone would do, until autovacuum caught up. Do its work now."""
    bind = session.get_bind()
    if bind.dialect.name != "postgresql":
        session.execute(text("ANALYZE"))
        session.commit()
        return
    with bind.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        for model in ORDER_MODELS:
            connection.exec_driver_sql(f"VACUUM ANALYZE {model.__tablename__}")


def _reset_sequences(session: Session) -> None:
    """On PostgreSQL, move the id sequences past the explicit ids inserted above."""
    if session.get_bind().dialect.name != "postgresql":
        return
    for model in ORDER_MODELS:
        table = model.__tablename__
        session.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT MAX(id) FROM {table}))"
            )
        )
