"""The streaming xlsx writer against openpyxl: the same values and types read back."""

from datetime import date, datetime, time
from decimal import Decimal

import openpyxl
import pytest
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from service.exporters.xlsx import WorkbookWriter, sheet_title

COLUMNS = ["text", "number", "money", "float", "date", "datetime", "empty", "flag", "time"]
ROWS = [
    ["plain", 1, Decimal("250.00"), 0.5, date(2026, 1, 5), datetime(2026, 1, 5, 17, 4, 6), None],
    ["=1+2", -7, Decimal("-0.01"), 1e-9, date(1999, 12, 31), datetime(2027, 6, 15, 0, 0, 0), ""],
    ['=HYPERLINK("http://x")', 0, Decimal("1234567.89"), -2.25, None, None, None],
    ["<b>&amp; \"quotes\" 'single'</b>", 10**12, Decimal("0.00"), 3.0, None, None, None],
    ["  leading and trailing  ", None, None, None, None, None, None],
    ["Müller · García · Øster · Łukasz · 李娜 · Nguyễn · 🎟️", None, None, None, None, None, None],
    ["control\x00\x01\x0bchars\x1f removed", None, None, None, None, None, None],
    ["line\nbreak\ttab\rreturn", None, None, None, None, None, None],
    ["+49 30 1234", "-minus", "@at", "%percent", "|pipe", None, None],
    [None, None, None, None, None, None, None, True, time(13, 45, 30)],
    [None, None, None, None, None, None, None, False, None],
    ["x" * 32000, None, None, None, None, None, None],
]


def write_with_openpyxl(path, title, rows):
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title)
    for row in rows:
        cells = []
        for value in row:
            if isinstance(value, str):
                value = ILLEGAL_CHARACTERS_RE.sub("", value)
                if value.startswith("="):
                    cell = WriteOnlyCell(sheet, value)
                    cell.data_type = "s"
                    value = cell
            cells.append(value)
        sheet.append(cells)
    workbook.save(path)


def write_with_stream(path, title, rows):
    writer = WorkbookWriter(path)
    writer.add_sheet(title, iter(rows))
    writer.close()


def data_type(cell):
    """An empty cell has no type worth comparing (openpyxl keeps "" as an empty string cell,
    the stream writer leaves the cell out; both read back as None)."""
    return None if cell.value is None else cell.data_type


def read_back(path) -> list[list[tuple]]:
    workbook = openpyxl.load_workbook(path)
    sheets = []
    for sheet in workbook.worksheets:
        sheets.append(
            [
                [(cell.value, type(cell.value), cell.is_date, data_type(cell)) for cell in row]
                for row in sheet.iter_rows()
            ]
        )
    return [workbook.sheetnames, sheets]


def test_stream_writer_reads_back_like_openpyxl(tmp_path):
    rows = [COLUMNS, *ROWS]
    write_with_openpyxl(tmp_path / "reference.xlsx", "Orders", rows)
    write_with_stream(tmp_path / "stream.xlsx", "Orders", rows)
    assert read_back(tmp_path / "stream.xlsx") == read_back(tmp_path / "reference.xlsx")


def test_formula_like_text_is_a_text_cell(tmp_path):
    write_with_stream(tmp_path / "f.xlsx", "S", [["a"], ["=1+2"], ["=SUM(A1:A2)"]])
    sheet = openpyxl.load_workbook(tmp_path / "f.xlsx").active
    cells = [row[0] for row in sheet.iter_rows(min_row=2)]
    assert [(c.value, c.data_type) for c in cells] == [("=1+2", "s"), ("=SUM(A1:A2)", "s")]


def test_several_sheets_keep_their_titles_and_order(tmp_path):
    writer = WorkbookWriter(tmp_path / "m.xlsx")
    for title in ("Orders", "Order positions", "Order fees"):
        writer.add_sheet(title, iter([["h"], [title]]))
    writer.close()
    workbook = openpyxl.load_workbook(tmp_path / "m.xlsx")
    assert workbook.sheetnames == ["Orders", "Order positions", "Order fees"]
    assert [ws["A2"].value for ws in workbook.worksheets] == workbook.sheetnames


@pytest.mark.parametrize(
    "title, expected",
    [("Orders", "Orders"), ("a/b:c*d?e[f]g\\h", "a_b_c_d_e_f_g_h"), ("x" * 40, "x" * 31)],
)
def test_sheet_titles_follow_excels_rules(title, expected):
    assert sheet_title(title) == expected


def test_rows_are_counted_without_the_header(tmp_path):
    seen = []
    writer = WorkbookWriter(tmp_path / "c.xlsx")
    writer.add_sheet("S", iter([["h"], [1], [2], [3]]), on_row=lambda: seen.append(1))
    writer.close()
    assert len(seen) == 3
