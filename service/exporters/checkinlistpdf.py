"""``checkinlistpdf``, "Check-in list (PDF)": the check-in list to print for the entrance,
as pretix's ``PDFCheckinList``: one row per admitted position with a box to tick, order
code, name (the email below), product, price, and the chosen questions' answers.

The positions, filters (``status``, ``attention_only``), order (``sort``) and answers are
exactly ``checkinlist``'s, whose rows this reads; only the layout is the PDF's. Positions
that need special attention are marked "(!)" after the name, unpaid ones of a list that
admits pending orders "(unpaid)" after the code.
"""

from pathlib import Path

from . import register
from .base import ExportFile, ProgressCallback
from .checkin_files import list_file_stem
from .checkinlist import CheckinListExporter
from .pdf.paged import PagedDocument
from .pdf.table import CHECKBOX, Column, Row, page_size, print_table
from .pdf_documents import PDF_TYPE, event_line
from .writers import RowCounter


@register
class CheckinListPDFExporter(CheckinListExporter):
    identifier = "checkinlistpdf"
    verbose_name = "Check-in list (PDF)"
    description = (
        "The attendees of a check-in list on paper, a box to tick for each: for an entrance "
        "without scanners."
    )

    def parameter_fields(self):
        fields = self.additional_fields()
        fields.pop("secrets", None)
        return fields

    def write(self, form: dict, path: Path, progress: ProgressCallback) -> ExportFile:
        from ..store.models import CheckinList

        checkin_list = self.session.get(CheckinList, form["list"])
        table = self.table(form)
        at = {name: index for index, name in enumerate(table.columns)}
        first_question = at["Phone number"] + 1
        questions = table.columns[first_question : at["Company"]]
        columns = [
            Column("", 0.35),
            Column("Order code", 1.3),
            Column("Name", 3),
            Column("Product", 3),
            Column("Price", 1.2, "right"),
            *(Column(q, 2) for q in questions),
        ]
        paid_at = at.get("Paid")

        def rows():
            for cells in table.rows:
                code = cells[at["Order code"]]
                if paid_at is not None and cells[paid_at] != "Yes":
                    code += " (unpaid)"
                name = cells[at["Attendee name"]] or ""
                if cells[at["Requires special attention"]] == "Yes":
                    name += " (!)"
                answers = cells[first_question : first_question + len(questions)]
                yield Row(
                    [CHECKBOX, code, name, cells[at["Product"]], f"{cells[at['Price']]:.2f}"]
                    + [a or "" for a in answers],
                    below=["", "", cells[at["Email"]] or "", "", "", *("" for _ in questions)],
                )

        self.file_stem = list_file_stem(checkin_list.name)
        event = self.scope.event
        title = f"Check-in list: {checkin_list.name}"
        context = [event_line(event), f"{table.total} attendees"]
        counter = RowCounter(table.total, progress)
        with PagedDocument(path, title, page_size(columns)) as doc:
            print_table(doc, title, context, columns, rows(), counter.tick, two_lines=True)
        return ExportFile(self.base_filename() + ".pdf", PDF_TYPE)
