"""Long tables over as many pages as they need, as pretix's PDF reports print them: a title
and lines of context on every page, the header row repeated, one line per row (text cut
with "…" where it would overflow), a thin rule between rows, and the page number."""

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from reportlab.lib.pagesizes import A4, landscape

from . import fonts
from .paged import PagedDocument

MARGIN = 36
SIZE = 8
CHECKBOX = object()  # a cell drawn as an empty box to tick by hand


@dataclass
class Column:
    title: str
    weight: float = 1  # share of the page width
    align: str = "left"  # or "right"


@dataclass
class Row:
    cells: list
    bold: bool = False
    # A second, smaller line under each cell (an email under a name), or None.
    below: list | None = None


def page_size(columns: list[Column]):
    return landscape(A4) if len(columns) > 7 else A4


class TablePrinter:
    def __init__(
        self,
        doc: PagedDocument,
        title: str,
        context: list[str],
        columns: list[Column],
        two_lines: bool = False,
    ) -> None:
        self.doc = doc
        self.title = title
        self.context = context
        self.columns = columns
        self.row_height = 20 if two_lines else 13
        page_width, self.page_height = doc.pagesize
        room = page_width - 2 * MARGIN
        total = sum(c.weight for c in columns)
        self.widths = [room * c.weight / total for c in columns]
        self.lefts = [MARGIN + sum(self.widths[:i]) for i in range(len(columns))]
        self.y = None

    def _start_page(self) -> None:
        c = self.doc.canvas
        top = self.page_height - MARGIN
        c.setFont(fonts.BOLD, 14)
        c.drawString(MARGIN, top - 14, fonts.fit(self.title, self.widths_total(), 14, True))
        c.setFont(fonts.REGULAR, 8)
        y = top - 28
        for line in self.context:
            c.drawString(MARGIN, y, fonts.fit(line, self.widths_total(), 8))
            y -= 11
        y -= 6
        c.setFillGray(0.88)
        c.rect(MARGIN, y - 4, self.widths_total(), 14, stroke=0, fill=1)
        c.setFillGray(0)
        self._cells([col.title for col in self.columns], y, bold=True)
        self.y = y - 4 - self.row_height + 4
        c.setFont(fonts.REGULAR, 7)
        c.drawRightString(MARGIN + self.widths_total(), MARGIN / 2, f"Page {self.doc.page_number}")

    def widths_total(self) -> float:
        return sum(self.widths)

    def _cells(self, values: list, y: float, bold: bool = False, size: float = SIZE) -> None:
        c = self.doc.canvas
        c.setFont(fonts.BOLD if bold else fonts.REGULAR, size)
        for value, left, width, column in zip(
            values, self.lefts, self.widths, self.columns, strict=True
        ):
            if value is CHECKBOX:
                c.rect(left + 2, y - 1, 8, 8, stroke=1, fill=0)
                continue
            text = fonts.fit("" if value is None else str(value), width - 4, size, bold)
            if column.align == "right":
                c.drawRightString(left + width - 2, y, text)
            else:
                c.drawString(left + 2, y, text)

    def add(self, row: Row) -> None:
        if self.y is None:
            self._start_page()
        elif self.y < MARGIN + self.row_height:
            self.doc.show_page()
            self._start_page()
        c = self.doc.canvas
        top_line = self.y + self.row_height - 11
        self._cells(row.cells, top_line, bold=row.bold)
        if row.below:
            c.setFillGray(0.35)
            self._cells(row.below, top_line - 9, size=6.5)
            c.setFillGray(0)
        c.setStrokeGray(0.75)
        c.setLineWidth(0.4)
        c.line(MARGIN, self.y - 1, MARGIN + self.widths_total(), self.y - 1)
        c.setStrokeGray(0)
        self.y -= self.row_height

    def finish(self) -> None:
        if self.y is None:
            self._start_page()
        self.doc.show_page()


def print_table(
    doc: PagedDocument,
    title: str,
    context: list[str],
    columns: list[Column],
    rows: Iterable[Row],
    on_row: Callable[[], None] = lambda: None,
    two_lines: bool = False,
) -> None:
    """All ``rows`` under one header, page after page; ``on_row`` counts progress."""
    printer = TablePrinter(doc, title, context, columns, two_lines)
    for row in rows:
        printer.add(row)
        on_row()
    printer.finish()
