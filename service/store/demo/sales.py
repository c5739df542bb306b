"""What a ticket shop keeps beside a batch of demo orders: an invoice with its lines for each
paid order, the order transactions (pretix's history of what each order held), the options
chosen in answers, and a few failed scans at the entrance."""

from dataclasses import dataclass
from datetime import datetime
from types import SimpleNamespace

import numpy as np

from ..bulk_columns import Choice, Const, Days, Flags, Ints, Money, Rows, Stamps, Texts, seconds_of
from ..models import Checkin, Invoice, InvoiceLine, Transaction, answer_options
from .draws import between, chance, hex_secrets, rank_in_group
from .orders import DAY, FEES, PAID, SHIRT_SIZES, STATUSES, VAT, OrderBatch, Products
from .people import NAMES

SENDER = {
    "invoice_from_name": "Big Events Ltd.",
    "invoice_from": "Eventstraße 1",
    "invoice_from_zipcode": "10115",
    "invoice_from_city": "Berlin",
    "invoice_from_country": "DE",
    "invoice_from_vat_id": "DE999999999",
}
TAX_CODE = "S/standard"
PAID_TEXT = "The payment for this invoice has already been received."
# Why a scan failed, by the order's status; an expired order's ticket stands for a code
# that is no ticket at all.
FAILURES = {"p": "already_redeemed", "n": "unpaid", "c": "canceled", "e": "invalid"}
FAILED_SCAN_SHARE = 0.03


@dataclass(frozen=True)
class SalesPlace:
    """The event's side of the shop: its invoice numbers, dates, options, scanner."""

    event_id: int
    prefix: str
    date_from: datetime
    date_to: datetime
    shirt_options: dict[str, int]
    list_id: int | None
    gate_id: int | None
    device_id: int | None
    fee_tax_rule_id: int | None


def make_sales(
    rng: np.random.Generator,
    batch: OrderBatch,
    products: Products,
    place: SalesPlace,
    ids,
    invoices_before: int,
) -> list[Rows]:
    """Rows of answer options, invoices, invoice lines, transactions and failed scans."""
    return [
        _answer_options(batch, place),
        *_invoices(rng, batch, products, place, ids, invoices_before),
        _transactions(batch, products, place, ids),
        _failed_scans(rng, batch, place, ids),
    ]


def _answer_options(batch: OrderBatch, place: SalesPlace) -> Rows:
    answers, sizes = batch.shirt_answers
    options = np.array([place.shirt_options.get(size, 0) for size in SHIRT_SIZES])
    option = options[sizes]
    known = option > 0
    return Rows(
        answer_options, {"answer_id": Ints(answers[known]), "option_id": Ints(option[known])}
    )


def _invoices(rng, batch: OrderBatch, products: Products, place: SalesPlace, ids, before):
    """An invoice per paid order, numbered on from the event's last; its lines are the
    order's positions that are not canceled, then its fees."""
    paid = np.flatnonzero(batch.status == PAID)
    count = len(paid)
    invoice_ids = ids.take(Invoice, count) + np.arange(count)
    invoice_of = np.full(len(batch), -1)
    invoice_of[paid] = np.arange(count)
    address = {
        name: [values[row] for row in paid.tolist()] for name, values in batch.address.items()
    }
    recipient = [
        "\n".join(part for part in (company, name, street, f"{zipcode} {city}".strip()) if part)
        for company, name, street, zipcode, city in zip(
            address["invoice_company"],
            address["invoice_name"],
            address["invoice_street"],
            address["invoice_zipcode"],
            address["invoice_city"],
            strict=True,
        )
    ]
    numbers = [f"{place.prefix}-{n:05d}" for n in range(before + 1, before + count + 1)]
    invoices = Rows(
        Invoice.__table__,
        {
            "id": Ints(invoice_ids),
            "event_id": Const(place.event_id, count),
            "order_id": Ints(batch.ids[paid]),
            "number": Texts(numbers),
            "is_cancellation": Const(False, count),
            "refers_id": Const(None, count),
            "date": Days(batch.when[paid] // DAY),
            "locale": Choice(batch.locale[paid], ("en", "de", "fr")),
            **{name: Const(value, count) for name, value in SENDER.items()},
            "invoice_from_state": Const("", count),
            "invoice_from_tax_id": Const("", count),
            "invoice_to": Texts(recipient),
            "invoice_to_is_business": Flags([bool(c) for c in address["invoice_company"]]),
            "invoice_to_company": Texts(address["invoice_company"]),
            "invoice_to_name": Texts(address["invoice_name"]),
            "invoice_to_street": Texts(address["invoice_street"]),
            "invoice_to_zipcode": Texts(address["invoice_zipcode"]),
            "invoice_to_city": Texts(address["invoice_city"]),
            "invoice_to_state": Texts(address["invoice_state"]),
            "invoice_to_country": Texts([c or None for c in address["invoice_country"]]),
            "invoice_to_vat_id": Texts([v or None for v in address["invoice_vat_id"]]),
            "invoice_to_beneficiary": Const("", count),
            "internal_reference": Const("", count),
            "reverse_charge": Const(False, count),
            "payment_provider_text": Const(PAID_TEXT, count),
            "payment_provider_stamp": Const("paid", count),
            "transmission_type": Const("email", count),
            "transmission_status": Choice(
                chance(rng, count, 0.1).astype(int), ["completed", "pending"]
            ),
        },
    )
    return invoices, _invoice_lines(batch, products, place, ids, invoice_ids, invoice_of)


def _invoice_lines(batch, products: Products, place: SalesPlace, ids, invoice_ids, invoice_of):
    positions, fees = batch.positions, batch.fees
    on_invoice = (invoice_of[positions.order] >= 0) & ~positions.canceled
    rows = np.flatnonzero(on_invoice)
    fee_rows = np.flatnonzero(invoice_of[fees.order] >= 0)
    order = np.concatenate([positions.order[rows], fees.order[fee_rows]])
    is_fee = np.concatenate([np.zeros(len(rows), int), np.ones(len(fee_rows), int)])
    source = np.concatenate([rows, fee_rows])
    sort = np.lexsort((source, is_fee, order))
    order, is_fee, source = order[sort], is_fee[sort], source[sort]
    count = len(order)
    line = np.where(is_fee == 1, 0, source)
    fee = np.where(is_fee == 1, source, 0)
    positions, fees = _padded(positions), _padded(fees)
    product = positions.product[line]
    attendee = np.where(is_fee == 1, -1, positions.attendee[line])
    # The description: the product (or fee), and the attendee where there is one.
    names = len(NAMES)
    descriptions = (
        list(products.line_name)
        + [text for _, text, _ in FEES]
        + [f"{name}<br />Attendee: {person}" for name in products.line_name for person in NAMES]
    )
    fee_start = len(products.line_name)
    attendee_start = fee_start + len(FEES)
    description = np.where(
        is_fee == 1,
        fee_start + fees.kind[fee],
        np.where(attendee >= 0, attendee_start + product * names + attendee, product),
    )
    gross = np.where(is_fee == 1, fees.value[fee], positions.price[line])
    tax = np.where(is_fee == 1, fees.tax[fee], positions.tax[line])
    rate = np.where(is_fee == 1, 1900, products.tax_rate[product])
    item = np.where(is_fee == 1, 0, products.item_id[product])
    variation = np.where(is_fee == 1, 0, products.variation_id[product])
    return Rows(
        InvoiceLine.__table__,
        {
            "id": Ints(ids.take(InvoiceLine, count) + np.arange(count)),
            "invoice_id": Ints(invoice_ids[invoice_of[order]]),
            "position": Ints(rank_in_group(order, len(batch))),
            "description": Choice(description, descriptions),
            "item_id": Ints(item, null=item == 0),
            "variation_id": Ints(variation, null=variation == 0),
            "attendee_name": Choice(np.where(attendee >= 0, attendee, names), (*NAMES, None)),
            "event_date_from": Const(place.date_from, count),
            "event_date_to": Const(place.date_to, count),
            "period_start": Const(place.date_from, count),
            "period_end": Const(place.date_to, count),
            "gross_value": Money(gross),
            "tax_value": Money(tax),
            "tax_rate": Money(rate),
            "tax_name": Const(VAT, count),
            "tax_code": Const(TAX_CODE, count),
            "fee_type": Choice(
                np.where(is_fee == 1, fees.kind[fee], len(FEES)),
                [fee_type for fee_type, _, _ in FEES] + [None],
            ),
            "fee_internal_type": Const(None, count),
            "event_location": Const(None, count),
        },
    )


def _transactions(batch: OrderBatch, products: Products, place: SalesPlace, ids) -> Rows:
    """A transaction per position and fee when the order was placed; a canceled position
    has a second one, three days later, that takes it back."""
    positions, fees = batch.positions, batch.fees
    taken_back = np.flatnonzero(positions.canceled)
    every = np.arange(len(positions.ids))
    source = np.concatenate([every, taken_back, np.arange(len(fees.ids))])
    kind = np.concatenate(
        [np.zeros(len(every), int), np.ones(len(taken_back), int), np.full(len(fees.ids), 2)]
    )
    order = np.concatenate([positions.order, positions.order[taken_back], fees.order])
    # By order; positions (each followed by its cancellation) before fees.
    sort = np.lexsort((kind, source, kind == 2, order))
    source, kind, order = source[sort], kind[sort], order[sort]
    count = len(source)
    is_fee = kind == 2
    line = np.where(is_fee, 0, source)
    fee = np.where(is_fee, source, 0)
    positions, fees = _padded(positions), _padded(fees)
    product = positions.product[line]
    moment = Stamps(batch.when[order] + np.where(kind == 1, 3 * DAY, 0))
    item = np.where(is_fee, 0, products.item_id[product])
    variation = np.where(is_fee, 0, products.variation_id[product])
    rule = np.where(is_fee, place.fee_tax_rule_id or 0, products.tax_rule_id[product])
    return Rows(
        Transaction.__table__,
        {
            "id": Ints(ids.take(Transaction, count) + np.arange(count)),
            "order_id": Ints(batch.ids[order]),
            "created": moment,
            "datetime": moment,
            "migrated": Const(False, count),
            "positionid": Ints(positions.number[line], null=is_fee),
            "count": Ints(np.where(kind == 1, -1, 1)),
            "item_id": Ints(item, null=item == 0),
            "variation_id": Ints(variation, null=variation == 0),
            "price": Money(np.where(is_fee, fees.value[fee], positions.price[line])),
            "tax_rate": Money(np.where(is_fee, 1900, products.tax_rate[product])),
            "tax_rule_id": Ints(rule, null=rule == 0),
            "tax_code": Const(TAX_CODE, count),
            "tax_value": Money(np.where(is_fee, fees.tax[fee], positions.tax[line])),
            "fee_type": Choice(
                np.where(is_fee, fees.kind[fee], len(FEES)),
                [fee_type for fee_type, _, _ in FEES] + [None],
            ),
            "internal_type": Choice(is_fee.astype(int), [None, ""]),
        },
    )


def _padded(lines):
    """``lines`` (positions or fees) with one more, empty, so that index 0 exists where a
    batch has none: the rows that gather from it with 0 take their values elsewhere."""
    return SimpleNamespace(
        **{
            name: np.append(value, np.zeros(1, dtype=value.dtype))
            for name, value in vars(lines).items()
            if isinstance(value, np.ndarray)
        }
    )


def _failed_scans(rng, batch: OrderBatch, place: SalesPlace, ids) -> Rows:
    """3% of the orders had a ticket scanned where it may not pass: twice, unpaid,
    canceled; an expired order's scan stands for a code that is no ticket at all."""
    count = len(batch)
    scanned = np.flatnonzero(chance(rng, count, FAILED_SCAN_SHARE))
    total = len(scanned)
    first_position = np.searchsorted(batch.positions.order, scanned)
    reason = batch.status[scanned]
    reasons = [FAILURES[status] for status in STATUSES]
    unknown = reason == STATUSES.index("e")
    when = seconds_of(place.date_from) - 60 * between(rng, 10, 120, total)
    created = when + between(rng, 1, 5, total)
    barcodes = np.asarray(hex_secrets(rng, total, 16), dtype=object)
    return Rows(
        Checkin.__table__,
        {
            "id": Ints(ids.take(Checkin, total) + np.arange(total)),
            "list_id": Const(place.list_id, total),
            "position_id": Ints(batch.positions.ids[first_position], null=unknown),
            "datetime": Stamps(when),
            "type": Const("entry", total),
            "successful": Const(False, total),
            "error_reason": Choice(reason, reasons),
            "error_explanation": Const(None, total),
            "created": Stamps(created),
            "auto_checked_in": Const(False, total),
            "gate_id": Const(place.gate_id, total),
            "device_id": Const(place.device_id, total),
            "forced": Const(False, total),
            "force_sent": Flags(chance(rng, total, 0.2)),
            "raw_barcode": Texts(np.where(unknown, barcodes, None)),
        },
    )
