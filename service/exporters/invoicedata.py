"""``invoicedata``, "Invoice data": one sheet with a row per invoice, one with a row per
invoice line, both by invoice number, as pretix's ``InvoiceDataExporter`` writes them.

As in pretix, ``date_range`` selects by invoice date (in the event's time zone, across
events in the first event's), ``payment_provider`` keeps invoices of orders with a payment
attempt by that provider, and "Payment providers" names the providers of the order's
confirmed, refunded, pending and created payments, "free" left out.
"""

from collections.abc import Iterator, Sequence
from decimal import Decimal
from itertools import repeat
from operator import methodcaller, sub

from ..store import invoice_queries as store
from . import params, payment_providers, register, writers
from .base import MultiSheetListExporter
from .base_types import Table
from .export_zone import day_range, export_timezone
from .invoice_texts import (
    TRANSMISSION_COLUMNS,
    TRANSMISSION_STATES,
    TRANSMISSION_TYPES,
    invoice_type,
    transmission_cells,
    yes_no,
)

SENDER = ["Name", "Address", "ZIP code", "City", "State", "Country", "Tax ID", "VAT ID"]
RECIPIENT = [
    "Company",
    "Name",
    "Street address",
    "ZIP code",
    "City",
    "Country",
    "State",
    "VAT ID",
    "Beneficiary",
    "Internal reference",
]
INVOICE_COLUMNS = [
    "Invoice number",
    "Date",
    "Order code",
    "Email address",
    "Invoice type",
    "Cancellation of",
    "Language",
    *(f"Invoice sender: {c}" for c in SENDER),
    *(f"Invoice recipient: {c}" for c in RECIPIENT),
    "Reverse charge",
    "Shown foreign currency",
    "Foreign currency rate",
    "Total value (with taxes)",
    "Total value (without taxes)",
    "Payment matching IDs",
    "Payment providers",
    "Transmission type",
    "Transmission status",
    "Transmission date",
    *TRANSMISSION_COLUMNS,
]
LINE_COLUMNS = [
    "Invoice number",
    "Line number",
    "Description",
    "Gross price",
    "Net price",
    "Tax value",
    "Tax rate",
    "Tax name",
    "Event start date",
    "Date",
    "Order code",
    "Email address",
    "Invoice type",
    "Cancellation of",
    *(f"Invoice sender: {c}" for c in SENDER if c != "State"),
    *(f"Invoice recipient: {c}" for c in RECIPIENT),
    "Payment providers",
    "Event end date",
    "Location",
]
ZERO = Decimal("0.00")
CENT = Decimal("0.01")
_to_cents = methodcaller("quantize", CENT)


def _texts(values) -> list[str]:
    """Rates with all their decimals (the CSV writer would round a decimal to cents)."""
    return ["" if value is None else str(value) for value in values]


def _or_empty(values) -> list:
    return [value or "" for value in values]


SENDER_LABELS = (
    "invoice_from_name",
    "invoice_from",
    "invoice_from_zipcode",
    "invoice_from_city",
    "invoice_from_state",
    "invoice_from_country",
    "invoice_from_tax_id",
    "invoice_from_vat_id",
)


def _sender(invoices: dict, with_state: bool) -> list:
    """The sender's columns of a batch (the lines sheet has no state)."""
    return [invoices[n] for n in SENDER_LABELS if with_state or n != "invoice_from_state"]


def _recipient(invoices: dict) -> list:
    """The recipient's columns of a batch: the street, or else the whole address block."""
    streets = zip(invoices["invoice_to_street"], invoices["invoice_to"], strict=True)
    return [
        invoices["invoice_to_company"],
        invoices["invoice_to_name"],
        [street or block for street, block in streets],
        invoices["invoice_to_zipcode"],
        invoices["invoice_to_city"],
        _or_empty(invoices["invoice_to_country"]),
        invoices["invoice_to_state"],
        _or_empty(invoices["invoice_to_vat_id"]),
        invoices["invoice_to_beneficiary"],
        invoices["internal_reference"],
    ]


class OrderPayments:
    """The "Payment providers" and "Payment matching IDs" cells of a batch's orders, from
    one read of their listed payments, each order's made once (a lines sheet has several
    rows per order)."""

    def __init__(self, session, order_ids) -> None:
        payments = store.payments_of(session, order_ids, store.LISTED_PAYMENT_STATES)
        self.providers = {
            order: payment_providers.listed_names(p.provider for p in paid)
            for order, paid in payments.items()
        }
        self.matching = {}
        for order, paid in payments.items():
            found = (payment_providers.matching_id(p.provider, p.details) for p in paid)
            self.matching[order] = "\n".join(m for m in found if m)

    def provider_cells(self, order_ids) -> list[str]:
        return list(map(self.providers.get, order_ids, repeat("")))

    def matching_cells(self, order_ids) -> list[str]:
        return list(map(self.matching.get, order_ids, repeat("")))


@register
class InvoiceDataExporter(MultiSheetListExporter):
    identifier = "invoicedata"
    verbose_name = "Invoice data"
    description = (
        "Every invoice and cancellation with sender, recipient, totals and payment "
        "providers, and a sheet with every invoice line: for accounting."
    )
    multi_event = True
    file_stem = "invoices"
    sheets = (("invoices", "Invoices"), ("lines", "Invoice lines"))

    def additional_fields(self) -> dict[str, params.Param]:
        return {
            "date_range": params.DateFrame(),
            "payment_provider": params.Choice(
                payment_providers.choices_for(self.scope), labels=payment_providers.NAMES
            ),
        }

    def _filter(self, form: dict) -> store.InvoiceFilter:
        first, last = day_range(form.get("date_range"), export_timezone(self.scope))
        return store.InvoiceFilter(
            [e.id for e in self.scope.events], first, last, form.get("payment_provider") or None
        )

    def table(self, sheet: str, form: dict) -> Table:
        where = self._filter(form)
        batch_rows = writers.CSV_BATCH_ROWS
        if sheet == "invoices":
            total = store.count_invoices(self.session, where)
            batches = store.invoice_batches(self.session, where, batch_rows)
            return Table.of_column_batches(INVOICE_COLUMNS, total, self._invoice_columns(batches))
        total = store.count_lines(self.session, where)
        batches = store.line_batches(self.session, where, batch_rows)
        return Table.of_column_batches(LINE_COLUMNS, total, self._line_columns(batches))

    def _invoice_columns(self, batches) -> Iterator[list[Sequence]]:
        """Each batch of invoices as the invoices sheet's columns."""
        for invoices in batches:
            payments = OrderPayments(self.session, invoices["order_id"])
            gross = [value or ZERO for value in invoices["gross"]]
            tax = [value or ZERO for value in invoices["tax"]]
            kinds, states = invoices["transmission_type"], invoices["transmission_status"]
            yield [
                invoices["number"],
                invoices["date"],
                invoices["order_code"],
                invoices["order_email"],
                list(map(invoice_type, invoices["is_cancellation"])),
                _or_empty(invoices["refers_number"]),
                invoices["locale"],
                *_sender(invoices, with_state=True),
                *_recipient(invoices),
                list(map(yes_no, invoices["reverse_charge"])),
                _or_empty(invoices["foreign_currency_display"]),
                _texts(invoices["foreign_currency_rate"]),
                gross,
                list(map(_to_cents, map(sub, gross, tax))),
                payments.matching_cells(invoices["order_id"]),
                payments.provider_cells(invoices["order_id"]),
                list(map(TRANSMISSION_TYPES.get, kinds, kinds)),
                list(map(TRANSMISSION_STATES.get, states, states)),
                _or_empty(invoices["transmission_date"]),
                *zip(
                    *map(transmission_cells, invoices["invoice_to_transmission_info"]), strict=True
                ),
            ]

    def _line_columns(self, batches) -> Iterator[list[Sequence]]:
        """Each batch of lines as the lines sheet's columns."""
        for lines in batches:
            payments = OrderPayments(self.session, lines["order_id"])
            yield [
                lines["number"],
                lines["position"],
                [text.replace("<br />", " - ") for text in lines["description"]],
                lines["gross_value"],
                list(map(sub, lines["gross_value"], lines["tax_value"])),
                lines["tax_value"],
                lines["tax_rate"],
                lines["tax_name"],
                _dates(lines["event_date_from"]),
                lines["date"],
                lines["order_code"],
                lines["order_email"],
                list(map(invoice_type, lines["is_cancellation"])),
                _or_empty(lines["refers_number"]),
                *_sender(lines, with_state=False),
                *_recipient(lines),
                payments.provider_cells(lines["order_id"]),
                _dates(lines["event_date_to"]),
                _or_empty(lines["event_location"]),
            ]


def _dates(moments) -> list:
    """The day of each moment, empty text for none."""
    return [moment.date() if moment else "" for moment in moments]
