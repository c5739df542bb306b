"""``accountingreport``, "Accounting report": what an accountant reconciles for a period,
as pretix's accounting report prints it: sales per tax rate (net, tax, gross, from the
order transactions, so cancellations within the period count against it), payments
received per payment provider, refunds made per provider, and what was received net.

``date_range`` is the period (in the event's time zone; across events the first event's),
open at both ends when left out; ``no_testmode`` leaves out test mode orders (pretix's
form default is to leave them out, its API's to keep them: left out, they count).
``split_subevents`` is accepted at organizer level and changes nothing, as the store has
no event series.
"""

from decimal import Decimal
from pathlib import Path

from ..store import accounting_queries as store
from . import dateframes, params, payment_providers, register
from .base import BaseExporter, ExportFile, ProgressCallback
from .base_types import format_rate
from .export_zone import export_timezone
from .pdf.paged import PagedDocument
from .pdf.table import Column, Row, TablePrinter
from .pdf_documents import PDF_TYPE, event_line

ZERO = Decimal("0.00")
COLUMNS = [Column("", 4), Column("Count", 1, "right")]
COLUMNS += [Column(t, 1.6, "right") for t in ("Net", "Tax", "Gross")]


def _money(value) -> str:
    return f"{Decimal(value or 0):.2f}"


@register
class AccountingReport(BaseExporter):
    identifier = "accountingreport"
    verbose_name = "Accounting report"
    description = (
        "Sales per tax rate, payments and refunds per payment provider over a period, on "
        "paper: for the month's bookkeeping."
    )
    multi_event = True
    file_stem = "accountingreport"

    def parameter_fields(self) -> dict[str, params.Param]:
        fields = {
            "date_range": params.DateFrame(**params.ui("Date range")),
            "no_testmode": params.Boolean(**params.ui("Exclude test mode orders", True)),
        }
        if self.scope.is_multievent:
            fields["split_subevents"] = params.Boolean(**params.ui("Split by date"))
        return fields

    def write(self, form: dict, path: Path, progress: ProgressCallback) -> ExportFile:
        event_ids = [e.id for e in self.scope.events]
        start = end = None
        if form.get("date_range"):
            start, end = dateframes.resolve(form["date_range"], export_timezone(self.scope))
        testmode = not form.get("no_testmode")
        args = (self.session, event_ids, start, end, testmode)
        sales = store.sales_by_rate(*args)
        payments = store.payments_by_provider(*args)
        refunds = store.refunds_by_provider(*args)
        progress(0.5)
        if self.scope.is_multievent:
            first = f"{self.scope.organizer.name}: {len(event_ids)} events"
        else:
            first = event_line(self.scope.event)
        period = form.get("date_range") or "all time"
        context = [
            first,
            f"Period: {period}",
            "Test mode orders: " + ("included" if testmode else "excluded"),
        ]
        title = self.verbose_name
        with PagedDocument(path, title) as doc:
            printer = TablePrinter(doc, title, context, COLUMNS)
            for row in self._rows(sales, payments, refunds):
                printer.add(row)
            printer.finish()
        progress(1.0)
        return ExportFile(self.base_filename() + ".pdf", PDF_TYPE)

    @staticmethod
    def _rows(sales, payments, refunds):
        yield Row(["Sales", "", "", "", ""], bold=True)
        count, gross_sum, tax_sum = 0, ZERO, ZERO
        for rate, number, gross, tax in sales:
            gross, tax = Decimal(gross), Decimal(tax)
            yield Row(
                [
                    f"Tax rate {format_rate(rate)} %",
                    number,
                    _money(gross - tax),
                    _money(tax),
                    _money(gross),
                ]
            )
            count, gross_sum, tax_sum = count + number, gross_sum + gross, tax_sum + tax
        yield Row(
            ["Sales total", count, _money(gross_sum - tax_sum), _money(tax_sum), _money(gross_sum)],
            bold=True,
        )
        received = ZERO
        for heading, found, sign in (("Payments", payments, 1), ("Refunds", refunds, -1)):
            yield Row(["", "", "", "", ""])
            yield Row([heading, "", "", "", ""], bold=True)
            total, number_sum = ZERO, 0
            for provider, number, amount in found:
                amount = Decimal(amount or 0)
                yield Row([payment_providers.name(provider), number, "", "", _money(amount)])
                total, number_sum = total + amount, number_sum + number
            yield Row([f"{heading} total", number_sum, "", "", _money(total)], bold=True)
            received += sign * total
        yield Row(["", "", "", "", ""])
        yield Row(["Received (payments less refunds)", "", "", "", _money(received)], bold=True)
