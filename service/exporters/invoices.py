"""``invoices``, "All invoices": a ZIP with one PDF per invoice (cancellations included),
named by invoice number as pretix names them (``INV-00001.pdf``).

pretix zips the PDFs it rendered when it issued each invoice; the store keeps each
invoice's texts as issued (sender, recipient, lines), so the PDF is rendered from them
here, one at a time, each written to the archive before the next is drawn: memory stays
flat for 50,000 invoices. ``date_range`` (invoice date) and ``payment_provider`` select
as in ``invoicedata``.

Rendering is Python work that keeps one core busy: with more cores and enough invoices,
runs of invoices (by number) are rendered side by side in child processes, each writing
its PDFs to a part file, and the parent zips them in order (``member_parts``), naming them
as one process would.
"""

import os
import zipfile
from collections.abc import Iterator
from dataclasses import replace
from functools import partial
from pathlib import Path

from ..store import invoice_queries as store
from ..store.models import Event
from . import params, payment_providers, register
from .base import EMPTY_EXPORT, BaseExporter, ExportError, ExportFile, ProgressCallback
from .export_zone import day_range, export_timezone
from .files_in_zip import member_name
from .member_parts import read_members, write_member
from .parallel import parts_written_in_parallel
from .pdf import fonts
from .pdf import invoice as invoice_pdf
from .pdf_documents import ZIP_TYPE
from .writers import RowCounter

# Below this, starting processes costs more than sharing the work saves.
SPLIT_MIN_INVOICES = 1000
# The share of the progress bar that rendering takes when the parent zips the parts after.
RENDERING_SHARE = 0.95
# Members are dated as pretix's archives are not: one fixed date, for reproducible files.
MEMBER_DATE = (2000, 1, 1, 0, 0, 0)


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
        events = {
            e.id: (e.currency, e.name)
            for e in self.session.query(Event).filter(Event.id.in_(where.event_ids))
        }
        parts = os.cpu_count() or 1
        if parts > 1 and total >= SPLIT_MIN_INVOICES:
            self._write_in_parallel(where, events, total, parts, path, progress)
        else:
            counter = RowCounter(total, progress)
            with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
                members = _Members(archive)
                for wanted, pdf in self._rendered(where, events):
                    members.add(wanted, pdf)
                    counter.tick()
        return ExportFile(self.base_filename() + ".zip", ZIP_TYPE)

    def _rendered(self, where: store.InvoiceFilter, events: dict) -> Iterator[tuple[str, bytes]]:
        """Each chosen invoice by number: the name it wants in the archive, and its PDF."""
        for chunk in store.iter_invoices(self.session, where):
            # Rows carry the invoice's columns, or the invoice itself as ``Invoice``.
            invoices = [(getattr(row, "Invoice", row), row.order_code) for row in chunk]
            lines = store.lines_of(self.session, [invoice.id for invoice, _ in invoices])
            for invoice, order_code in invoices:
                currency, event_name = events[invoice.event_id]
                lines_of_invoice = lines.get(invoice.id, [])
                pdf = invoice_pdf.render(
                    invoice, lines_of_invoice, currency, event_name, order_code
                )
                yield f"{invoice.number}.pdf", pdf

    def _write_in_parallel(self, where, events, total, parts, path, progress) -> None:
        keys = store.split_keys(self.session, where, parts, total)
        bounds = zip([None, *keys], [*keys, None], strict=True)
        runs = [replace(where, after=after, until=until) for after, until in bounds]
        # Loaded once here, for every child to inherit.
        fonts.register()
        part_writers = [partial(self._write_part, run, events) for run in runs]
        rendering = partial(_scaled, progress, RENDERING_SHARE)
        with parts_written_in_parallel(path, part_writers, rendering, self._own_session) as files:
            counter = RowCounter(total, progress, start=RENDERING_SHARE, span=1 - RENDERING_SHARE)
            with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
                members = _Members(archive)
                for part in files:
                    for wanted, pdf in read_members(part):
                        members.add(wanted, pdf)
                        counter.tick()

    def _write_part(self, where, events, target: Path, begin, count) -> None:
        """In a child: one run of invoices rendered into a part file."""
        begin(store.count_invoices(self.session, where))
        with open(target, "wb") as handle:
            for wanted, pdf in self._rendered(where, events):
                write_member(handle, wanted, pdf)
                count(1)


class _Members:
    """An archive's PDFs, each under the name its invoice wants, or the next free one."""

    def __init__(self, archive: zipfile.ZipFile) -> None:
        self.archive = archive
        self.names: set[str] = set()

    def add(self, wanted: str, pdf: bytes) -> None:
        name = member_name(wanted, self.names)
        self.archive.writestr(zipfile.ZipInfo(name, MEMBER_DATE), pdf)


def _scaled(progress: ProgressCallback, share: float, fraction: float) -> None:
    progress(share * fraction)
