"""The demo orders, many at a time: orders in every status with their positions (1–4
tickets, each followed by its add-ons, the last one canceled in some paid orders), fees,
question answers and check-ins.

Each batch of orders is drawn column by column from generators of its own, so the same seed
gives the same rows. The arrays of a batch (``OrderBatch``) are what the payments and the
rest of the shop (``payments``, ``sales``) are made from.
"""

from dataclasses import dataclass

import numpy as np

from ..bulk_columns import (
    Choice,
    Const,
    Days,
    Flags,
    Ints,
    Money,
    Rows,
    Stamps,
    Texts,
)
from ..models import Checkin, Order, OrderFee, OrderPosition, QuestionAnswer
from .draws import (
    between,
    chance,
    first_of_groups,
    hex_secrets,
    percent_of,
    pick,
    rank_in_group,
    tax_of,
    tokens,
)
from .people import COMMENTS, COMPANIES, NAMES, invoice_addresses, people, phones

DAY = 86400
VAT = "VAT"
CHECKIN_TEXT = "Please welcome in person."
STATUSES = ("p", "n", "e", "c")
PAID, PENDING, EXPIRED, CANCELED = range(4)
STATUS_CUM = (60, 80, 90, 100)
LOCALES = ("en", "de", "fr")
LOCALE_CUM = (50, 85, 100)
PROVIDERS = ("banktransfer", "stripe", "paypal")
BANK_TRANSFER, STRIPE, PAYPAL = range(3)
PROVIDER_CUM = (45, 80, 100)
TICKET_COUNT_CUM = (55, 80, 92, 100)
CUSTOMER_SHARE = 0.15

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
ANSWER_TEXTS = DIET_ANSWERS + SHIRT_SIZES + ROLE_ANSWERS + FORMULA_ANSWERS
DIET, SHIRT, ROLE = range(3)

# Fees: (type, description, value in cents or None for PayPal's share).
FEES = (("payment", "PayPal", None), ("shipping", "Shipping", 490), ("service", "Service fee", 150))
FEE_TAX_RATE = 1900


@dataclass(frozen=True)
class Products:
    """The products an order can have, as arrays indexed by product: the tickets, then the
    dinner, then the T-shirt sizes."""

    item_id: np.ndarray
    variation_id: np.ndarray  # 0 for none
    price: np.ndarray  # cents
    tax_rate: np.ndarray  # hundredths of a percent
    tax_rule_id: np.ndarray  # 0 for none
    admission: np.ndarray
    personalized: np.ndarray
    line_name: tuple[str, ...]
    tickets: int
    ticket_cum: tuple[int, ...]
    dinner: int
    first_shirt: int
    shirt_cum: tuple[int, ...]


@dataclass(frozen=True)
class Shop:
    """What the orders refer to: the event, its questions, lists and fee tax rule, and the
    organizer's customers (id, identifier, email)."""

    event_id: int
    questions: dict[str, int]
    checkin_list_id: int
    admission: int  # seconds since 1970
    fee_tax_rule_id: int | None
    customers: list[tuple[int, str, str]]


@dataclass
class Positions:
    """The positions of a batch, in order; ``order`` indexes the batch's orders."""

    ids: np.ndarray
    order: np.ndarray
    number: np.ndarray  # positionid
    product: np.ndarray
    price: np.ndarray  # cents
    tax: np.ndarray  # cents
    canceled: np.ndarray
    attendee: np.ndarray  # index into NAMES, -1 for add-ons
    # The tickets: their rows among the positions, their number in the order (from 0) and
    # the size of their T-shirt add-on (-1 for none).
    tickets: np.ndarray
    ticket_number: np.ndarray
    ticket_shirt: np.ndarray
    rows: Rows


@dataclass
class Fees:
    ids: np.ndarray
    order: np.ndarray
    kind: np.ndarray  # index into FEES
    value: np.ndarray  # cents
    tax: np.ndarray  # cents


@dataclass
class OrderBatch:
    """One batch of orders as arrays, with their positions and fees; ``rows`` are the
    rows this module makes of them."""

    first_index: int
    ids: np.ndarray
    when: np.ndarray  # seconds since 1970
    status: np.ndarray
    provider: np.ndarray
    locale: np.ndarray
    total: np.ndarray  # cents
    canceled_total: np.ndarray  # cents of the canceled positions
    address: dict[str, list]
    positions: Positions
    fees: Fees
    shirt_answers: tuple[np.ndarray, np.ndarray] = ()  # (answer id, size index)
    rows: tuple[Rows, ...] = ()

    def __len__(self) -> int:
        return len(self.ids)


def make_orders(
    rngs: dict[str, np.random.Generator],
    products: Products,
    shop: Shop,
    ids,
    first_index: int,
    when: np.ndarray,
    codes: list[str],
) -> OrderBatch:
    """``len(when)`` orders placed at ``when``, the first being the event's order number
    ``first_index`` (counting from 0); ``ids.take(model, count)`` gives the first of
    ``count`` new ids."""
    rng = rngs["orders"]
    count = len(when)
    order_ids = ids.take(Order, count) + np.arange(count)
    status = pick(rng, count, STATUS_CUM)
    buyers = people(rng, count)
    provider = pick(rng, count, PROVIDER_CUM)
    positions = _positions(rngs, products, ids, order_ids, status, buyers)
    price = positions.price
    active = np.bincount(
        positions.order, weights=np.where(positions.canceled, 0, price), minlength=count
    ).astype(np.int64)
    canceled_total = np.bincount(
        positions.order, weights=np.where(positions.canceled, price, 0), minlength=count
    ).astype(np.int64)
    fees = _fees(rng, ids, provider, active)
    fee_total = np.bincount(fees.order, weights=fees.value, minlength=count).astype(np.int64)
    batch = OrderBatch(
        first_index=first_index,
        ids=order_ids,
        when=when,
        status=status,
        provider=provider,
        locale=pick(rng, count, LOCALE_CUM),
        total=active + fee_total,
        canceled_total=canceled_total,
        address=invoice_addresses(rng, buyers.name),
        positions=positions,
        fees=fees,
    )
    answers = _answers(rng, products, shop, ids, batch)
    checkins = _checkins(rng, products, shop, ids, batch)
    orders = _order_rows(rng, rngs["secrets"], shop, batch, buyers, codes)
    batch.rows = (orders, positions.rows, _fee_rows(batch, shop), answers, checkins)
    return batch


def _positions(rngs, products: Products, ids, order_ids, status, buyers) -> Positions:
    """1–4 tickets per order, each followed by its add-ons (dinner, T-shirt); in 8% of the
    paid orders with more than one ticket the last ticket and its add-ons are canceled."""
    rng = rngs["positions"]
    count = len(order_ids)
    tickets = pick(rng, count, TICKET_COUNT_CUM) + 1
    cancel_last = (status == PAID) & (tickets > 1) & chance(rng, count, 0.08)
    ticket_order = np.repeat(np.arange(count), tickets)
    ticket_count = len(ticket_order)
    number = np.arange(ticket_count) - first_of_groups(ticket_order, count)[ticket_order]
    product = pick(rng, ticket_count, products.ticket_cum)
    is_buyer = (number == 0) & chance(rng, ticket_count, 0.7)
    others = people(rng, ticket_count)
    attendee = np.where(is_buyer, buyers.name[ticket_order], others.name)
    # Mostly the full price; some get 20% off, and some tickets beside a paid one are free.
    roll = rng.random(ticket_count)
    free = (number > 0) & (roll < 0.03)
    full = products.price[product]
    ticket_price = np.where(free, 0, np.where(roll < 0.10, percent_of(full, 80), full))
    ticket_canceled = cancel_last[ticket_order] & (number == tickets[ticket_order] - 1)
    dinner = chance(rng, ticket_count, 0.25)
    shirt = chance(rng, ticket_count, 0.15)
    size = pick(rng, ticket_count, products.shirt_cum)
    with_email = chance(rng, ticket_count, 0.4)
    with_company = chance(rng, ticket_count, 0.1)
    company = rng.integers(0, len(COMPANIES), ticket_count)

    group = 1 + dinner + shirt
    ticket = np.repeat(np.arange(ticket_count), group)
    ticket_rows = first_of_groups(ticket, ticket_count)
    slot = np.arange(len(ticket)) - ticket_rows[ticket]
    shirt_product = products.first_shirt + size[ticket]
    addon = np.where((slot == 1) & dinner[ticket], products.dinner, shirt_product)
    position_product = np.where(slot == 0, product[ticket], addon)
    position_order = ticket_order[ticket]
    position_count = len(ticket)
    position_ids = ids.take(OrderPosition, position_count) + np.arange(position_count)
    is_ticket = slot == 0
    price = np.where(is_ticket, ticket_price[ticket], products.price[position_product])
    tax = tax_of(price, products.tax_rate[position_product])
    canceled = ticket_canceled[ticket]
    number_in_order = rank_in_group(position_order, count)

    emails = np.full(ticket_count, None, dtype=object)
    from_buyer = with_email & is_buyer
    emails[from_buyer] = np.asarray(buyers.emails(), dtype=object)[ticket_order[from_buyer]]
    from_other = with_email & ~is_buyer
    emails[from_other] = others.emails(from_other)
    companies = np.asarray((*COMPANIES, None), dtype=object)
    company = np.where(with_company, company, len(COMPANIES))

    rows = Rows(
        OrderPosition.__table__,
        {
            "id": Ints(position_ids),
            "order_id": Ints(order_ids[position_order]),
            "positionid": Ints(number_in_order),
            "item_id": Ints(products.item_id[position_product]),
            "variation_id": _optional_ids(products.variation_id[position_product]),
            "price": Money(price),
            "tax_rate": Money(products.tax_rate[position_product]),
            "tax_value": Money(tax),
            "tax_name": Const(VAT, position_count),
            "tax_rule_id": _optional_ids(products.tax_rule_id[position_product]),
            "attendee_name": Choice(
                np.where(is_ticket, attendee[ticket], len(NAMES)), (*NAMES, None)
            ),
            "attendee_email": Texts(np.where(is_ticket, emails[ticket], None)),
            "company": Texts(np.where(is_ticket, companies[company[ticket]], None)),
            "street": Const(None, position_count),
            "zipcode": Const(None, position_count),
            "city": Const(None, position_count),
            "country": Const(None, position_count),
            "state": Const(None, position_count),
            "secret": Texts(hex_secrets(rng, position_count)),
            "pseudonymization_id": Texts(tokens(rng, position_count, 10)),
            "addon_to_id": Ints(position_ids[ticket_rows][ticket], null=is_ticket),
            "valid_from": Const(None, position_count),
            "valid_until": Const(None, position_count),
            "blocked": Const(None, position_count),
            "canceled": Flags(canceled),
            "web_secret": Texts(hex_secrets(rngs["secrets"], position_count)),
        },
    )
    return Positions(
        ids=position_ids,
        order=position_order,
        number=number_in_order,
        product=position_product,
        price=price,
        tax=tax,
        canceled=canceled,
        attendee=np.where(is_ticket, attendee[ticket], -1),
        tickets=ticket_rows,
        ticket_number=number,
        ticket_shirt=np.where(shirt, size, -1),
        rows=rows,
    )


def _optional_ids(values: np.ndarray) -> Ints:
    return Ints(values, null=values == 0)


def _fees(rng, ids, provider, active) -> Fees:
    """PayPal orders pay a payment fee (0.35 and 2.49%); 4% of the orders pay shipping, 6% a
    service fee. By order, then kind."""
    count = len(provider)
    wanted = (provider == PAYPAL, chance(rng, count, 0.04), chance(rng, count, 0.06))
    paypal = 35 + (active * 249 + 5000) // 10000
    orders, kinds, values = [], [], []
    for kind, (_, _, value) in enumerate(FEES):
        rows = np.flatnonzero(wanted[kind])
        orders.append(rows)
        kinds.append(np.full(len(rows), kind))
        values.append(paypal[rows] if value is None else np.full(len(rows), value))
    order, kind, value = (np.concatenate(parts) for parts in (orders, kinds, values))
    sort = np.lexsort((kind, order))
    order, kind, value = order[sort], kind[sort], value[sort]
    fee_ids = ids.take(OrderFee, len(order)) + np.arange(len(order))
    return Fees(fee_ids, order, kind, value, tax_of(value, FEE_TAX_RATE))


def _fee_rows(batch: OrderBatch, shop: Shop) -> Rows:
    fees = batch.fees
    count = len(fees.ids)
    return Rows(
        OrderFee.__table__,
        {
            "id": Ints(fees.ids),
            "order_id": Ints(batch.ids[fees.order]),
            "fee_type": Choice(fees.kind, [fee_type for fee_type, _, _ in FEES]),
            "description": Choice(fees.kind, [text for _, text, _ in FEES]),
            "value": Money(fees.value),
            "tax_rate": Money(np.full(count, FEE_TAX_RATE)),
            "tax_value": Money(fees.tax),
            "tax_name": Const(VAT, count),
            "tax_rule_id": Const(shop.fee_tax_rule_id, count),
            "canceled": Const(False, count),
        },
    )


def _answers(rng, products: Products, shop: Shop, ids, batch: OrderBatch) -> Rows:
    """85% of the attendees answer: the diet (70%), the T-shirt size (80%, always with a
    T-shirt add-on, then its size) and the role (60%). The first attendee of every 50th
    order gives an answer that looks like a spreadsheet formula."""
    positions = batch.positions
    tickets = positions.tickets
    n = len(tickets)
    personalized = products.personalized[positions.product[tickets]]
    answered = personalized & chance(rng, n, 0.85)
    with_shirt = positions.ticket_shirt >= 0
    diet = answered & chance(rng, n, 0.7)
    diet_text = rng.integers(0, len(DIET_ANSWERS), n)
    shirt = answered & (chance(rng, n, 0.8) | with_shirt)
    size = np.where(with_shirt, positions.ticket_shirt, rng.integers(0, len(SHIRT_SIZES), n))
    role = answered & chance(rng, n, 0.6)
    role_text = rng.integers(0, len(ROLE_ANSWERS), n)
    order = positions.order[tickets]
    every = (batch.first_index + order) % FORMULA_EVERY == 0
    formula = personalized & (positions.ticket_number == 0) & every
    role |= formula
    offset = len(DIET_ANSWERS) + len(SHIRT_SIZES)
    role_text = np.where(
        formula, offset + len(ROLE_ANSWERS) + rng.integers(0, 2, n), offset + role_text
    )
    texts = (diet_text, len(DIET_ANSWERS) + size, role_text)
    which, question, text = [], [], []
    for slot, wanted in enumerate((diet, shirt, role)):
        rows = np.flatnonzero(wanted)
        which.append(rows)
        question.append(np.full(len(rows), slot))
        text.append(texts[slot][rows])
    which, question, text = (np.concatenate(parts) for parts in (which, question, text))
    sort = np.lexsort((question, which))
    which, question, text = which[sort], question[sort], text[sort]
    answer_ids = ids.take(QuestionAnswer, len(which)) + np.arange(len(which))
    is_shirt = question == SHIRT
    batch.shirt_answers = (answer_ids[is_shirt], text[is_shirt] - len(DIET_ANSWERS))
    question_ids = [shop.questions[key] for key in ("DIET", "SHIRT", "ROLE")]
    return Rows(
        QuestionAnswer.__table__,
        {
            "id": Ints(answer_ids),
            "position_id": Ints(positions.ids[tickets[which]]),
            "question_id": Choice(question, question_ids),
            "answer": Choice(text, ANSWER_TEXTS),
        },
    )


def _checkins(rng, products: Products, shop: Shop, ids, batch: OrderBatch) -> Rows:
    """Half of the admitted attendees of paid orders came in, mostly on the first morning;
    15% of them left again."""
    positions = batch.positions
    count = len(positions.ids)
    came = (
        (batch.status[positions.order] == PAID)
        & ~positions.canceled
        & products.admission[positions.product]
        & chance(rng, count, 0.5)
    )
    day = pick(rng, count, (70, 90, 100))
    entry = shop.admission + day * DAY + rng.triangular(0, 1800, 28800, count).astype(np.int64)
    left = chance(rng, count, 0.15)
    exit_ = entry + between(rng, 3600, 9 * 3600, count)
    entries = np.flatnonzero(came)
    exits = np.flatnonzero(came & left)
    position = np.concatenate([entries, exits])
    kind = np.concatenate([np.zeros(len(entries), int), np.ones(len(exits), int)])
    sort = np.lexsort((kind, position))
    position, kind = position[sort], kind[sort]
    moment = np.where(kind == 0, entry[position], exit_[position])
    total = len(position)
    return Rows(
        Checkin.__table__,
        {
            "id": Ints(ids.take(Checkin, total) + np.arange(total)),
            "list_id": Const(shop.checkin_list_id, total),
            "position_id": Ints(positions.ids[position]),
            "datetime": Stamps(moment),
            "type": Choice(kind, ["entry", "exit"]),
            "successful": Const(True, total),
        },
    )


def _order_rows(rng, secrets, shop: Shop, batch: OrderBatch, buyers, codes) -> Rows:
    count = len(batch)
    status = batch.status
    when = batch.when
    emails = np.asarray(buyers.emails(), dtype=object)
    emails[~chance(rng, count, 0.98)] = None
    phone = phones(rng, batch.address.pop("place"), chance(rng, count, 0.3))
    comment = np.where(
        chance(rng, count, 0.06), rng.integers(0, len(COMMENTS), count), len(COMMENTS)
    )
    followup = (status == PENDING) & chance(rng, count, 0.05)
    attention = chance(rng, count, 0.01)
    approval = (status == PENDING) & chance(rng, count, 0.03)
    resellers = chance(rng, count, 0.05)
    known = (status == PAID) & chance(rng, count, 0.7)
    # Some orders are made in a customer account: they carry its identifier and address.
    customer = np.full(count, len(shop.customers))
    if shop.customers:
        linked = chance(rng, count, CUSTOMER_SHARE)
        customer = np.where(linked, rng.integers(0, len(shop.customers), count), customer)
        addresses = np.asarray([email for _, _, email in shop.customers] + [None], dtype=object)
        emails = np.where(linked, addresses[customer], emails)
    customer_ids = [c[0] for c in shop.customers] + [None]
    identifiers = [c[1] for c in shop.customers] + [None]
    return Rows(
        Order.__table__,
        {
            "id": Ints(batch.ids),
            "event_id": Const(shop.event_id, count),
            "code": Texts(codes),
            "status": Choice(status, STATUSES),
            "email": Texts(emails),
            "phone": Texts(phone),
            "locale": Choice(batch.locale, LOCALES),
            "datetime": Stamps(when),
            "expires": Stamps(when + 14 * DAY),
            "total": Money(batch.total),
            "comment": Choice(comment, COMMENTS + ("",)),
            "custom_followup_at": Days((when + 7 * DAY) // DAY, null=~followup),
            "checkin_attention": Flags(attention),
            "require_approval": Flags(approval),
            "testmode": Const(False, count),
            "sales_channel": Choice(resellers.astype(int), ["web", "resellers"]),
            "email_known_to_work": Flags(known),
            "customer_identifier": Choice(customer, identifiers),
            "customer_id": Choice(customer, customer_ids),
            "secret": Texts(hex_secrets(secrets, count)),
            **{name: Texts(values) for name, values in batch.address.items()},
            "checkin_text": Choice(attention.astype(int), [None, CHECKIN_TEXT]),
        },
    )
