"""``ordertaxes``, "Tax split list (PDF)": pretix's ``OrderTaxListReportPDF``, the tax split
list to print: one row per order with its date, status, payment date and total, gross and
tax per tax rate, and the sums of each rate in the last row.

The orders and sums are ``ordertaxeslist``'s orders sheet (same ``status`` and ``sort``;
as there, a left out ``status`` selects no orders and a left out ``sort`` sorts by last
payment date).
"""

from pathlib import Path

from . import params, register
from .base import ExportFile, ProgressCallback
from .ordertaxeslist import SORTS, STATUS_LABELS, OrderTaxListReport
from .pdf.paged import PagedDocument
from .pdf.table import Column, Row, print_table
from .pdf_documents import PDF_TYPE, event_line
from .writers import RowCounter

SHOWN = ["Order code", "Order date", "Status", "Payment date", "Order total"]


@register
class OrderTaxListReportPDF(OrderTaxListReport):
    identifier = "ordertaxes"
    verbose_name = "Tax split list (PDF)"
    description = (
        "Gross and tax per tax rate for every order, and the sum of each rate, to print: for "
        "the accountant's folder."
    )
    file_stem = "taxes"

    def base_filename(self) -> str:
        return f"{self.scope.slug}_{self.file_stem}"

    def parameter_fields(self) -> dict[str, params.Param]:
        return {
            "status": params.MultipleChoice(
                list(STATUS_LABELS), labels=STATUS_LABELS, **params.ui("Order status")
            ),
            "sort": params.Choice(list(SORTS), labels=SORTS, **params.ui("Sort by")),
        }

    def write(self, form: dict, path: Path, progress: ProgressCallback) -> ExportFile:
        table = self.table("orders", form)
        at = {name: index for index, name in enumerate(table.columns)}
        rate_columns = table.columns[at["Order total"] + 1 :]
        columns = [
            Column("Order code", 1.2),
            Column("Order date", 1.3),
            Column("Status", 1.1),
            Column("Payment date", 1.3),
            Column("Order total", 1.3, "right"),
            *(Column(name.replace(" % ", " %: "), 1.3, "right") for name in rate_columns),
        ]
        picked = [at[name] for name in SHOWN]
        first_rate = at["Order total"] + 1

        def rows():
            for cells in table.rows:
                values = [cells[i] for i in picked] + cells[first_rate:]
                shown = [_text(v) for v in values]
                yield Row(shown, bold=cells[0] == "Total")

        event = self.scope.event
        statuses = ", ".join(STATUS_LABELS[s] for s in form.get("status") or []) or "none"
        context = [event_line(event), f"Order status: {statuses}", f"Currency: {event.currency}"]
        counter = RowCounter(table.total, progress)
        size = (842, 595) if len(columns) > 7 else (595, 842)
        with PagedDocument(path, self.verbose_name, size) as doc:
            print_table(doc, self.verbose_name, context, columns, rows(), counter.tick)
        return ExportFile(self.base_filename() + ".pdf", PDF_TYPE)


def _text(value) -> str:
    if hasattr(value, "quantize"):
        return f"{value:.2f}"
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return "" if value is None else str(value)
