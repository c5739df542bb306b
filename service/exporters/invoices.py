"""``invoices``, "All invoices": a ZIP with one PDF per invoice (cancellations included),
named by invoice number as pretix names them (``INV-00001.pdf``).

pretix zips the PDFs it rendered when it issued each invoice; the store keeps each
invoice's texts as issued (sender, recipient, lines), so the PDF is rendered from them
here, one at a time, each written to the archive before the next is drawn: memory stays
flat for 50,000 invoices. ``date_range`` (invoice date) and ``payment_provider`` select
as in ``invoicedata``.
"""

import zipfile
from pathlib import Path

from ..store import invoice_queries as store
from ..store.models import Event
from . import params, payment_providers, register
from .base import EMPTY_EXPORT, BaseExporter, ExportError, ExportFile, ProgressCallback
from .export_zone import day_range, export_timezone
from .files_in_zip import member_name
from .pdf import invoice as invoice_pdf
from .pdf_documents import ZIP_TYPE
from .writers import RowCounter


@register
class InvoiceExporter(BaseExporter):
    identifier = "invoices"
    verbose_name = "All invoices"
    description = "Every invoice as a PDF, in one ZIP file: for the accountant or the archive."
    multi_event = True
    file_stem = "invoices"

    def parameter_fields(self) -> dict[str, params.Param]:
        return {
            "date_range": params.DateFrame(**params.ui("Date range")),
            "payment_provider": params.Choice(
                payment_providers.choices_for(self.scope),
                labels=payment_providers.NAMES,
                **params.ui("Payment provider", ""),
            ),
        }

    def write(self, form: dict, path: Path, progress: ProgressCallback) -> ExportFile:
        first, last = day_range(form.get("date_range"), export_timezone(self.scope))
        where = store.InvoiceFilter(
            [e.id for e in self.scope.events], first, last, form.get("payment_provider") or None
        )
        total = store.count_invoices(self.session, where)
        if not total:
            raise ExportError(EMPTY_EXPORT)
        events = {e.id: e for e in self.session.query(Event).filter(Event.id.in_(where.event_ids))}
        counter = RowCounter(total, progress)
        names: set[str] = set()
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
            for chunk in store.iter_invoices(self.session, where):
                # Rows carry the invoice's columns, or the invoice itself as ``Invoice``.
                invoices = [(getattr(row, "Invoice", row), row.order_code) for row in chunk]
                lines = store.lines_of(self.session, [invoice.id for invoice, _ in invoices])
                for invoice, order_code in invoices:
                    event = events[invoice.event_id]
                    pdf = invoice_pdf.render(
                        invoice,
                        lines.get(invoice.id, []),
                        event.currency,
                        event.name,
                        order_code,
                    )
                    name = member_name(f"{invoice.number}.pdf", names)
                    archive.writestr(zipfile.ZipInfo(name, (2000, 1, 1, 0, 0, 0)), pdf)
                    counter.tick()
        return ExportFile(self.base_filename() + ".zip", ZIP_TYPE)
