"""``invoicedata``, "Invoice data": one sheet with a row per invoice, one with a row per
invoice line, both by invoice number, as pretix's ``InvoiceDataExporter`` writes them.

As in pretix, ``date_range`` selects by invoice date (in the event's time zone, across
events in the first event's), ``payment_provider`` keeps invoices of orders with a payment
attempt by that provider, and "Payment providers" names the providers of the order's
confirmed, refunded, pending and created payments, "free" left out.
"""

from collections.abc import Iterator
from decimal import Decimal

from ..store import invoice_queries as store
from . import params, payment_providers, register
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


def _text(value) -> str:
    """A rate with all its decimals (the CSV writer would round a decimal to cents)."""
    return "" if value is None else str(value)


def _sender(invoice, with_state: bool) -> list:
    cells = [
        invoice.invoice_from_name,
        invoice.invoice_from,
        invoice.invoice_from_zipcode,
        invoice.invoice_from_city,
    ]
    if with_state:
        cells.append(invoice.invoice_from_state)
    return cells + [
        invoice.invoice_from_country,
        invoice.invoice_from_tax_id,
        invoice.invoice_from_vat_id,
    ]


def _recipient(invoice) -> list:
    return [
        invoice.invoice_to_company,
        invoice.invoice_to_name,
        invoice.invoice_to_street or invoice.invoice_to,
        invoice.invoice_to_zipcode,
        invoice.invoice_to_city,
        invoice.invoice_to_country or "",
        invoice.invoice_to_state,
        invoice.invoice_to_vat_id or "",
        invoice.invoice_to_beneficiary,
        invoice.internal_reference,
    ]


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
        if sheet == "invoices":
            total = store.count_invoices(self.session, where)
            return Table(INVOICE_COLUMNS, total, self._invoice_rows(where))
        total = store.count_lines(self.session, where)
        return Table(LINE_COLUMNS, total, self._line_rows(where))

    def _chunks(self, where) -> Iterator[tuple[list, dict]]:
        """Chunks of invoices, each with its orders' listed payments."""
        for chunk in store.iter_invoices(self.session, where):
            payments = store.payments_of(
                self.session, [row.order_id for row in chunk], store.LISTED_PAYMENT_STATES
            )
            yield chunk, payments

    def _invoice_rows(self, where) -> Iterator[list]:
        for chunk, payments in self._chunks(where):
            totals = store.line_totals(self.session, [row.id for row in chunk])
            for row in chunk:
                invoice = row
                paid = payments.get(invoice.order_id, [])
                gross, tax = totals.get(invoice.id, (None, None))
                matching = (payment_providers.matching_id(p.provider, p.details) for p in paid)
                yield [
                    invoice.number,
                    invoice.date,
                    row.order_code,
                    row.order_email,
                    invoice_type(invoice.is_cancellation),
                    row.refers_number or "",
                    invoice.locale,
                    *_sender(invoice, with_state=True),
                    *_recipient(invoice),
                    yes_no(invoice.reverse_charge),
                    invoice.foreign_currency_display or "",
                    _text(invoice.foreign_currency_rate),
                    gross or ZERO,
                    ((gross or ZERO) - (tax or ZERO)).quantize(CENT),
                    "\n".join(m for m in matching if m),
                    payment_providers.listed_names(p.provider for p in paid),
                    TRANSMISSION_TYPES.get(invoice.transmission_type, invoice.transmission_type),
                    TRANSMISSION_STATES.get(
                        invoice.transmission_status, invoice.transmission_status
                    ),
                    invoice.transmission_date or "",
                    *transmission_cells(invoice.invoice_to_transmission_info),
                ]

    def _line_rows(self, where) -> Iterator[list]:
        for chunk, payments in self._chunks(where):
            lines = store.lines_of(self.session, [row.id for row in chunk])
            for row in chunk:
                invoice = row
                providers = payment_providers.listed_names(
                    p.provider for p in payments.get(invoice.order_id, [])
                )
                head = [
                    invoice.date,
                    row.order_code,
                    row.order_email,
                    invoice_type(invoice.is_cancellation),
                    row.refers_number or "",
                    *_sender(invoice, with_state=False),
                    *_recipient(invoice),
                    providers,
                ]
                for line in lines.get(invoice.id, []):
                    yield [
                        invoice.number,
                        line.position,
                        line.description.replace("<br />", " - "),
                        line.gross_value,
                        line.gross_value - line.tax_value,
                        line.tax_value,
                        line.tax_rate,
                        line.tax_name,
                        line.event_date_from.date() if line.event_date_from else "",
                        *head,
                        line.event_date_to.date() if line.event_date_to else "",
                        line.event_location or "",
                    ]
