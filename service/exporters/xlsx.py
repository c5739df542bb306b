"""A streaming xlsx writer: worksheet XML written straight into the zip, row by row.

openpyxl's write-only mode manages a few thousand rows a second and keeps each worksheet in
a temporary file until the end; an order export of a big event has hundreds of thousands of
rows. This writer produces the same cell values and types (checked by reading its files back
with openpyxl in the tests): numbers as numbers, dates as dates, all text as inline strings
(so text that looks like a formula stays text), characters XML cannot hold removed.

Excel and LibreOffice open at most 1,048,576 rows per worksheet. A table longer than that
goes on over continuation sheets, "Order positions (2)", "Order positions (3)", …, each
starting with the header row.
"""

from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import date, datetime, time
from decimal import Decimal
from itertools import chain, islice
from pathlib import Path
from xml.sax.saxutils import quoteattr

from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import to_excel

from .zip_writer import Piece, PieceWriter, ZipWriter

INFINITY = float("inf")
SHEET_NAME_FORBIDDEN = str.maketrans({c: "_" for c in "[]:*?/\\"})

# One pass per string: drop what XML 1.0 cannot carry, escape what it must.
_TEXT_TABLE = {c: None for c in range(32) if c not in (9, 10, 13)}
_TEXT_TABLE.update({ord("&"): "&amp;", ord("<"): "&lt;", ord(">"): "&gt;"})
TEXT_TABLE = str.maketrans(_TEXT_TABLE)

# Rows per worksheet, the header included: Excel's limit. Read at each call, so that tests
# may set a small one.
MAX_SHEET_ROWS = 1_048_576
DATE_STYLE, DATETIME_STYLE, TIME_STYLE = 1, 2, 3
ROWS_PER_WRITE = 500

CONTENT_TYPES = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">\
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>\
<Default Extension="xml" ContentType="application/xml"/>\
<Override PartName="/xl/workbook.xml" \
ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>\
<Override PartName="/xl/styles.xml" \
ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>\
{sheets}</Types>"""

SHEET_CONTENT_TYPE = (
    '<Override PartName="/xl/worksheets/sheet{n}.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
)

ROOT_RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">\
<Relationship Id="rId1" \
Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" \
Target="xl/workbook.xml"/></Relationships>"""

WORKBOOK = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" \
xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">\
<sheets>{sheets}</sheets></workbook>"""

WORKBOOK_RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">\
{sheets}<Relationship Id="rIdStyles" \
Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" \
Target="styles.xml"/></Relationships>"""

STYLES = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">\
<numFmts count="3"><numFmt numFmtId="164" formatCode="yyyy-mm-dd"/>\
<numFmt numFmtId="165" formatCode="yyyy-mm-dd h:mm:ss"/>\
<numFmt numFmtId="166" formatCode="h:mm:ss"/></numFmts>\
<fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>\
<fills count="2"><fill><patternFill patternType="none"/></fill>\
<fill><patternFill patternType="gray125"/></fill></fills>\
<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>\
<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>\
<cellXfs count="4"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>\
<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>\
<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>\
<xf numFmtId="166" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>\
</cellXfs><cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>\
</styleSheet>"""

SHEET_START = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
)
SHEET_END = "</sheetData></worksheet>"


def sheet_title(title: str) -> str:
    """Excel's rules: at most 31 characters, none of ``[]:*?/\\``."""
    return title.translate(SHEET_NAME_FORBIDDEN).translate(TEXT_TABLE)[:31] or "Sheet"


def continuation_title(title: str, number: int) -> str:
    """The title of a table's ``number``-th worksheet: the title itself, then "Title (2)", …,
    shortened so that the number always fits Excel's 31 characters."""
    title = sheet_title(title)
    if number == 1:
        return title
    suffix = f" ({number})"
    return title[: 31 - len(suffix)] + suffix


def sheet_runs(rows: Iterable[Sequence], max_rows: int | None = None) -> Iterator[Iterator]:
    """The rows (the first one is the header) cut into runs that each fill at most one
    worksheet, every run starting with the header. Each run must be read to its end before
    the next is taken; a table without data rows is one run, the header alone."""
    max_rows = max_rows or MAX_SHEET_ROWS
    if max_rows < 2:
        raise ValueError("a worksheet needs room for the header and a row")
    rows = iter(rows)
    header = next(rows, None)
    if header is None:
        yield iter(())
        return
    first = True
    for row in rows:
        first = False
        yield chain([header, row], islice(rows, max_rows - 2))
    if first:
        yield iter([header])


def _cell(ref: str, value) -> str:
    """One ``<c>`` element, or "" for an empty cell (which xlsx simply leaves out)."""
    kind = value.__class__
    if kind is str:
        return _text_cell(ref, value) if value else ""
    if kind is int or kind is Decimal or kind is float:
        return f'<c r="{ref}"><v>{number_text(value)}</v></c>'
    if kind is bool:
        return f'<c r="{ref}" t="b"><v>{int(value)}</v></c>'
    if kind is datetime:
        return f'<c r="{ref}" s="{DATETIME_STYLE}"><v>{to_excel(value)}</v></c>'
    if kind is date:
        return f'<c r="{ref}" s="{DATE_STYLE}"><v>{to_excel(value)}</v></c>'
    if kind is time:
        return f'<c r="{ref}" s="{TIME_STYLE}"><v>{to_excel(value)}</v></c>'
    if value is None:
        return ""
    return _cell(ref, str(value))


def number_text(value) -> str:
    """Numbers as openpyxl writes them (16 significant digits), so files read back alike."""
    if value != value or value in (INFINITY, -INFINITY):
        return ""
    return "%.16g" % value  # noqa: UP031 (float formatting, also for Decimal)


def xml_text(value: str) -> str:
    """``value`` as XML 1.0 text. Most strings need nothing done, and finding that out with
    ``in`` and ``isprintable`` (false for every control character) is several times cheaper
    than translating them: 140 ns against 870 ns for a name or an email address."""
    if "&" in value or "<" in value or ">" in value or not value.isprintable():
        return value.translate(TEXT_TABLE)
    return value


def _text_cell(ref: str, value: str) -> str:
    """An inline string; ``xml:space="preserve"`` only where Excel would otherwise drop
    spaces at the ends (``strip`` returns the string itself when there are none)."""
    text = xml_text(value)
    if text.strip() is text:
        return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'
    return f'<c r="{ref}" t="inlineStr"><is><t xml:space="preserve">{text}</t></is></c>'


# Whole numbers below 2**53 are exact as floats: for them ``str`` writes what "%.16g" writes,
# in a third of the time.
EXACT_INT = 2**53
# Amounts repeat (a few prices, fees and sums): each one's text is made once per process,
# up to a bound.
_DECIMAL_TEXTS: dict[Decimal, str] = {}
MAX_DECIMAL_TEXTS = 50_000
# Days of orders and payments, each converted once per process (a few thousand at most).
_DATE_SERIALS: dict[date, float] = {}


def row_xml(number: int, letters: list[str], values: Sequence) -> str:
    """A ``<row>``; text and numbers, the common cells, are handled inline for speed."""
    parts = [f'<row r="{number}">']
    append = parts.append
    for letter, value in zip(letters, values, strict=False):
        if value is None:
            continue
        kind = value.__class__
        if kind is str:
            if value:
                # _text_cell, inlined: a call per cell costs a tenth of the sheet's time.
                if "&" in value or "<" in value or ">" in value or not value.isprintable():
                    value = value.translate(TEXT_TABLE)
                if value.strip() is value:
                    append(f'<c r="{letter}{number}" t="inlineStr"><is><t>{value}</t></is></c>')
                else:
                    append(
                        f'<c r="{letter}{number}" t="inlineStr"><is><t xml:space="preserve">'
                        f"{value}</t></is></c>"
                    )
        elif kind is int:
            text = str(value) if -EXACT_INT < value < EXACT_INT else number_text(value)
            append(f'<c r="{letter}{number}"><v>{text}</v></c>')
        elif kind is Decimal:
            text = _DECIMAL_TEXTS.get(value)
            if text is None:
                text = "%.16g" % value  # noqa: UP031
                if len(_DECIMAL_TEXTS) < MAX_DECIMAL_TEXTS:
                    _DECIMAL_TEXTS[value] = text
            append(f'<c r="{letter}{number}"><v>{text}</v></c>')
        elif kind is date:
            serial = _DATE_SERIALS.get(value)
            if serial is None:
                serial = _DATE_SERIALS[value] = to_excel(value)
            append(f'<c r="{letter}{number}" s="{DATE_STYLE}"><v>{serial}</v></c>')
        else:
            append(_cell(f"{letter}{number}", value))
    append("</row>")
    return "".join(parts)


def sheet_xml(rows: Iterable[Sequence], on_row=None) -> Iterator[bytes]:
    """A worksheet's XML in chunks of a few hundred rows; ``on_row`` is called per data row."""
    yield SHEET_START.encode()
    letters: list[str] = []
    buffer = []
    for index, row in enumerate(rows, start=1):
        if len(letters) < len(row):
            letters = [get_column_letter(i) for i in range(1, len(row) + 1)]
        buffer.append(row_xml(index, letters, row))
        if len(buffer) >= ROWS_PER_WRITE:
            yield "".join(buffer).encode()
            buffer.clear()
        if on_row is not None and index > 1:
            on_row()
    buffer.append(SHEET_END)
    yield "".join(buffer).encode()


def sheet_pieces(
    header: Sequence,
    rows: Iterable[Sequence],
    before: int,
    table_rows: int,
    path_of: Callable[[int], Path],
    on_row: Callable[[], None] | None = None,
) -> list[tuple[int, Piece]]:
    """One run of a table's data rows, the ones after the first ``before`` of its
    ``table_rows``, deflated into a piece per worksheet they fall on (at ``path_of(worksheet
    number)``): ``(number, piece)`` each. Rows are numbered as in the whole table's
    worksheets; the piece with a worksheet's first row begins the sheet and its header row,
    the one with its last row ends the sheet. An empty table is a worksheet with the header
    row alone."""
    per_sheet = MAX_SHEET_ROWS - 1
    letters = [get_column_letter(i) for i in range(1, len(header) + 1)]
    pieces: list[tuple[int, Piece]] = []
    if table_rows == 0:
        writer = PieceWriter(path_of(1))
        writer.write((SHEET_START + row_xml(1, letters, header) + SHEET_END).encode())
        return [(1, writer.close(last=True))]
    writer, sheet, buffer, index = None, 0, [], before
    for row in rows:
        if writer is None:
            sheet = index // per_sheet
            writer = PieceWriter(path_of(sheet + 1))
            if index == sheet * per_sheet:
                buffer.append(SHEET_START + row_xml(1, letters, header))
        if len(letters) < len(row):
            letters = [get_column_letter(i) for i in range(1, len(row) + 1)]
        buffer.append(row_xml(index - sheet * per_sheet + 2, letters, row))
        index += 1
        if on_row is not None:
            on_row()
        ends_sheet = index == min((sheet + 1) * per_sheet, table_rows)
        if ends_sheet:
            buffer.append(SHEET_END)
        if ends_sheet or len(buffer) >= ROWS_PER_WRITE:
            writer.write("".join(buffer).encode())
            buffer.clear()
        if ends_sheet:
            pieces.append((sheet + 1, writer.close(last=True)))
            writer = None
    if writer is not None:
        writer.write("".join(buffer).encode())
        pieces.append((sheet + 1, writer.close(last=False)))
    return pieces


class WorkbookWriter:
    """Write sheets one after the other with ``add_sheet`` (or ``add_sheet_pieces``), then
    ``close``."""

    def __init__(self, path) -> None:
        self.zip = ZipWriter(path)
        self.titles: list[str] = []

    def add_sheet(
        self, title: str, rows: Iterable[Sequence], on_row=None, max_rows: int | None = None
    ) -> None:
        """Stream ``rows`` (the first one is the header) into a new worksheet, and into
        continuation sheets past ``max_rows`` (Excel's limit by default)."""
        for number, run in enumerate(sheet_runs(rows, max_rows), start=1):
            name = self._next_sheet(continuation_title(title, number))
            with self.zip.open_entry(name) as sheet:
                for chunk in sheet_xml(run, on_row):
                    sheet.write(chunk)

    def add_sheet_pieces(self, title: str, pieces: list[Piece]) -> None:
        """A worksheet whose XML was deflated in pieces beforehand (``sheet_pieces``);
        ``title`` is taken as it is (see ``continuation_title``)."""
        self.zip.write_pieces(self._next_sheet(title), pieces)

    def _next_sheet(self, title: str) -> str:
        self.titles.append(sheet_title(title))
        return f"xl/worksheets/sheet{len(self.titles)}.xml"

    def close(self) -> None:
        numbers = range(1, len(self.titles) + 1)
        self._write(
            "[Content_Types].xml",
            CONTENT_TYPES.format(sheets="".join(SHEET_CONTENT_TYPE.format(n=n) for n in numbers)),
        )
        self._write("_rels/.rels", ROOT_RELS)
        sheets = "".join(
            f'<sheet name={quoteattr(title)} sheetId="{n}" r:id="rId{n}"/>'
            for n, title in zip(numbers, self.titles, strict=True)
        )
        self._write("xl/workbook.xml", WORKBOOK.format(sheets=sheets))
        relations = "".join(
            f'<Relationship Id="rId{n}" '
            'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
            f'Target="worksheets/sheet{n}.xml"/>'
            for n in numbers
        )
        self._write("xl/_rels/workbook.xml.rels", WORKBOOK_RELS.format(sheets=relations))
        self._write("xl/styles.xml", STYLES)
        self.zip.close()

    def _write(self, name: str, text: str) -> None:
        self.zip.write_bytes(name, text.encode())
