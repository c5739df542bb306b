"""The benchmark's check of an exported workbook's sheets, on workbooks our writer makes."""

import pytest

from bench.procs import BenchError
from bench.workbook_check import check_sheets, worksheets
from service.exporters.xlsx import WorkbookWriter


def write(path, tables, max_rows):
    writer = WorkbookWriter(path)
    for title, count in tables:
        rows = [["id", "name"]] + [[n, f"row {n}"] for n in range(count)]
        writer.add_sheet(title, rows, max_rows=max_rows)
    writer.close()


def test_continuation_sheets_are_counted(tmp_path):
    path = tmp_path / "book.xlsx"
    write(path, [("Orders", 3), ("Order positions", 10), ("Order fees", 0)], max_rows=4)

    assert [(sheet.title, sheet.rows, sheet.columns) for sheet in worksheets(path)] == [
        ("Orders", 4, 2),
        ("Order positions", 4, 2),
        ("Order positions (2)", 4, 2),
        ("Order positions (3)", 4, 2),
        ("Order positions (4)", 2, 2),
        ("Order fees", 1, 2),
    ]
    expected = {
        "orders": ("Orders", 3),
        "positions": ("Order positions", 10),
        "fees": ("Order fees", 0),
    }
    sheets, columns = check_sheets(path, expected, max_rows=4)
    assert [sheet["rows"] for sheet in sheets] == [4, 4, 4, 4, 2, 1]
    assert columns == {"orders": 2, "positions": 2, "fees": 2}


def test_missing_rows_are_found(tmp_path):
    path = tmp_path / "book.xlsx"
    write(path, [("Orders", 3), ("Order positions", 7)], max_rows=4)

    with pytest.raises(BenchError, match="Order positions"):
        check_sheets(path, {"o": ("Orders", 3), "p": ("Order positions", 8)}, max_rows=4)
