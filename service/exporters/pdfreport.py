"""``pdfreport``, "Order overview (PDF)": how many of each product and variation were
ordered and what they come to, by order status, as pretix's ``OverviewReport`` prints it:
canceled, expired, pending and paid, and the total purchased (pending and paid); products
under their category, variations under their product, then fees, then the sum of all.

``date_axis`` and ``date_range`` narrow the orders by order date or date of last payment;
without an axis the range selects nothing out. ``skip_empty_lines`` leaves out products
nobody ordered. Canceled positions of orders that stand count as canceled.
"""

from collections import defaultdict
from decimal import Decimal
from pathlib import Path

from ..store import overview_queries as store
from ..store.catalog_queries import load_catalogue
from . import dateframes, params, register
from .base import BaseExporter, ExportFile, ProgressCallback
from .orderlist import FEE_TYPE_LABELS
from .pdf.paged import PagedDocument
from .pdf.table import Column, Row, page_size, print_table
from .pdf_documents import PDF_TYPE, event_line

AXES = {"": "Filter by…", "order_date": "Order date", "last_payment_date": "Date of last payment"}
STATUSES = [("c", "Canceled"), ("e", "Expired"), ("n", "Pending"), ("p", "Paid")]
ZERO = Decimal("0.00")


class Sums:
    """Count and amount per status, and the purchased total (pending and paid)."""

    def __init__(self) -> None:
        self.by_status = defaultdict(lambda: [0, ZERO])

    def add(self, status: str, count: int, gross) -> None:
        found = self.by_status[status]
        found[0] += count
        found[1] += Decimal(gross)

    def merge(self, other: "Sums") -> None:
        for status, (count, gross) in other.by_status.items():
            self.add(status, count, gross)

    def empty(self) -> bool:
        return not any(count for count, _ in self.by_status.values())

    def cells(self) -> list:
        cells = []
        for status, _title in STATUSES:
            count, gross = self.by_status.get(status, (0, ZERO))
            cells += [count, f"{gross:.2f}"]
        count = sum(self.by_status.get(s, (0, ZERO))[0] for s in "np")
        gross = sum((self.by_status.get(s, (0, ZERO))[1] for s in "np"), ZERO)
        return cells + [count, f"{gross:.2f}"]


@register
class OverviewReport(BaseExporter):
    identifier = "pdfreport"
    verbose_name = "Order overview (PDF)"
    description = (
        "Sold, pending, expired and canceled tickets and their amounts per product and "
        "variation on one printable page: for a quick look at sales."
    )
    file_stem = "order_overview"

    def parameter_fields(self) -> dict[str, params.Param]:
        return {
            "date_axis": params.Choice(list(AXES), labels=AXES, **params.ui("Date filter", "")),
            "date_range": params.DateFrame(**params.ui("Date range")),
            "skip_empty_lines": params.Boolean(**params.ui("Hide products without orders")),
        }

    def write(self, form: dict, path: Path, progress: ProgressCallback) -> ExportFile:
        event = self.scope.event
        start = end = None
        if form.get("date_range"):
            start, end = dateframes.resolve(form["date_range"], event.timezone)
        axis = form.get("date_axis") or ""
        positions = defaultdict(Sums)
        for item, variation, status, count, gross in store.position_sums(
            self.session, event.id, axis, start, end
        ):
            positions[item, variation].add(status, count, gross)
        progress(0.5)
        fees = defaultdict(Sums)
        for fee_type, status, count, gross in store.fee_sums(
            self.session, event.id, axis, start, end
        ):
            fees[fee_type].add(status, count, gross)
        rows = self._rows(load_catalogue(self.session, event.id), positions, fees, form)
        columns = [Column("Product", 4)]
        for _status, title in [*STATUSES, ("", "Total")]:
            columns += [Column(title, 1.1, "right"), Column("Amount", 1.3, "right")]
        context = [event_line(event), f"Currency: {event.currency}"]
        if axis and form.get("date_range"):
            context.append(f"{AXES[axis]}: {form['date_range']}")
        with PagedDocument(path, self.verbose_name, page_size(columns)) as doc:
            print_table(doc, self.verbose_name, context, columns, rows)
        progress(1.0)
        return ExportFile(self.base_filename() + ".pdf", PDF_TYPE)

    @staticmethod
    def _rows(catalogue, positions, fees, form) -> list[Row]:
        skip = form.get("skip_empty_lines")
        rows, everything = [], Sums()
        category = object()
        for item in catalogue.items:
            variations = catalogue.variations.get(item.id, [])
            product = Sums()
            product.merge(positions.get((item.id, None), Sums()))
            lines = []
            for variation in variations:
                sums = positions.get((item.id, variation.id), Sums())
                product.merge(sums)
                if not (skip and sums.empty()):
                    lines.append(Row([f"    {variation.value}", *sums.cells()]))
            if skip and product.empty():
                continue
            if item.category_id != category:
                category = item.category_id
                name = catalogue.categories.get(category, "Uncategorized")
                rows.append(Row([name, *[""] * 10], bold=True))
            rows.append(Row([item.name, *product.cells()]))
            rows += lines
            everything.merge(product)
        fee_rows = []
        for fee_type, sums in sorted(fees.items()):
            if not (skip and sums.empty()):
                fee_rows.append(Row([FEE_TYPE_LABELS.get(fee_type, fee_type), *sums.cells()]))
            everything.merge(sums)
        if fee_rows:
            rows += [Row(["Fees", *[""] * 10], bold=True), *fee_rows]
        rows.append(Row(["Total", *everything.cells()], bold=True))
        return rows
