"""Tables longer than a worksheet may hold go on over continuation sheets ("Title (2)", …),
each with the header row: checked on real files read back with openpyxl, with a small limit
in place of Excel's 1,048,576 rows."""

import io
import zipfile

import openpyxl
import pytest

from service.exporters import xlsx
from service.exporters.base_types import Table
from service.exporters.parallel import PartFailed, write_xlsx_in_parallel
from service.exporters.xlsx import WorkbookWriter, continuation_title

from .conftest import path_of

HEADER = ["Order code", "Total"]


def rows(count: int) -> list[list]:
    return [[f"A{n:04d}", n] for n in range(1, count + 1)]


def sheets_of(source) -> list[tuple[str, list[list]]]:
    """(title, rows) of each worksheet of a file, or of a download's bytes."""
    handle = io.BytesIO(source) if isinstance(source, bytes) else open(source, "rb")
    with handle:
        workbook = openpyxl.load_workbook(handle, read_only=True)
        return [
            (sheet.title, [list(row) for row in sheet.iter_rows(values_only=True)])
            for sheet in workbook.worksheets
        ]


def table(count: int) -> Table:
    return Table(columns=HEADER, rows=iter(rows(count)), total=count)


@pytest.mark.parametrize(
    "data_rows, expected",
    [(0, [0]), (1, [1]), (3, [3]), (4, [3, 1]), (9, [3, 3, 3]), (10, [3, 3, 3, 1])],
)
def test_each_sheet_holds_the_header_and_at_most_the_limit(tmp_path, data_rows, expected):
    path = tmp_path / "book.xlsx"
    workbook = WorkbookWriter(path)
    counted = []
    workbook.add_sheet("Order positions", [HEADER, *rows(data_rows)], lambda: counted.append(1))
    workbook.add_sheet("Order fees", [HEADER, *rows(2)], max_rows=4)
    workbook.close()
    # A limit of 4 rows: the header and three data rows per sheet.
    titles = ["Order positions"] + [f"Order positions ({n})" for n in range(2, len(expected) + 1)]
    found = sheets_of(path)
    assert [title for title, _rows in found] == [*titles, "Order fees"]
    data = []
    for (_title, sheet_rows), size in zip(found, expected, strict=False):
        assert sheet_rows[0] == HEADER
        assert len(sheet_rows) == size + 1
        data += sheet_rows[1:]
    assert data == rows(data_rows)
    assert len(counted) == data_rows


@pytest.fixture(autouse=True)
def small_sheets(monkeypatch):
    """Four rows per worksheet, for writers in this process and the ones it forks."""
    monkeypatch.setattr(xlsx, "MAX_SHEET_ROWS", 4)


def test_titles_keep_their_number_within_excels_31_characters():
    long = "Order positions of a very long event name"
    assert continuation_title(long, 1) == long[:31]
    assert continuation_title(long, 12) == long[:26] + " (12)"
    assert len(continuation_title(long, 12)) == 31
    assert continuation_title("Fees: [all]", 2) == "Fees_ _all_ (2)"


def test_sheets_written_in_parallel_continue_alike(tmp_path):
    path = tmp_path / ".book.partial"
    sheets = [("Orders", [lambda: table(2)]), ("Order positions", [lambda: table(7)])]
    write_xlsx_in_parallel(path, sheets, lambda fraction: None, in_child=lambda: None)
    assert sheets_of(path) == [
        ("Orders", [HEADER, *rows(2)]),
        ("Order positions", [HEADER, *rows(3)]),
        ("Order positions (2)", [HEADER, *rows(6)[3:]]),
        ("Order positions (3)", [HEADER, *rows(7)[6:]]),
    ]
    assert [p.name for p in tmp_path.iterdir()] == [".book.partial"]


def run_of(first: int, count: int):
    """A factory for the table of data rows ``first`` … ``first + count - 1`` (0-based)."""
    return lambda: Table(columns=HEADER, rows=iter(rows(first + count)[first:]), total=count)


@pytest.mark.parametrize(
    "sizes",
    [[4, 0, 5, 1], [3, 3, 3, 1], [1, 1, 1, 1, 1, 1, 1, 1, 1, 1], [10], [0, 10], [2, 7, 1], [0, 0]],
)
def test_runs_of_a_sheet_written_apart_fall_on_the_same_worksheets(tmp_path, sizes):
    """Runs cut anywhere, also across a worksheet's end, make the workbook one process
    makes: each worksheet's rows, numbered from the header, and its pieces joined."""
    firsts = [sum(sizes[:n]) for n in range(len(sizes))]
    total = sum(sizes)
    runs = [run_of(first, size) for first, size in zip(firsts, sizes, strict=True)]
    path = tmp_path / ".book.partial"
    fees = [run_of(0, 2)]
    write_xlsx_in_parallel(
        path, [("Order positions", runs), ("Order fees", fees)], lambda f: None, lambda: None
    )
    expected = tmp_path / "one.xlsx"
    workbook = WorkbookWriter(expected)
    workbook.add_sheet("Order positions", [HEADER, *rows(total)])
    workbook.add_sheet("Order fees", [HEADER, *rows(2)])
    workbook.close()
    assert sheets_of(path) == sheets_of(expected)
    assert [p.name for p in sorted(tmp_path.iterdir())] == [".book.partial", "one.xlsx"]
    with zipfile.ZipFile(path) as archive:
        assert archive.testzip() is None  # every entry's CRC-32 checks out
        names = archive.namelist()
        one = zipfile.ZipFile(expected)
        assert names == one.namelist()
        for name in names:
            assert archive.read(name) == one.read(name)


def test_a_run_with_more_rows_than_it_counted_fails_the_workbook(tmp_path):
    path = tmp_path / ".book.partial"
    miscounted = lambda: Table(columns=HEADER, rows=iter(rows(5)), total=4)  # noqa: E731
    with pytest.raises(PartFailed, match="counted 4 rows"):
        write_xlsx_in_parallel(
            path, [("Order positions", [run_of(0, 2), miscounted])], lambda f: None, lambda: None
        )
    assert list(tmp_path.iterdir()) == []


def test_an_order_export_continues_its_positions_sheet(client, demo, run_jobs):
    """The whole way: run, a worker writes the workbook, the download opens in openpyxl."""
    url = path_of(
        client.post(
            demo.event_url("orderlist/run/"), headers=demo.headers(), json={"_format": "xlsx"}
        ).json["download"]
    )
    run_jobs()
    response = client.get(url, headers=demo.headers())
    assert response.status_code == 200
    book = sheets_of(response.data)
    titles = [title for title, _rows in book]
    assert titles[:3] == ["Orders", "Orders (2)", "Orders (3)"]
    assert "Order positions (2)" in titles and "Order fees" in titles
    headers = {title: sheet_rows[0] for title, sheet_rows in book}
    for title, sheet_rows in book:
        assert 2 <= len(sheet_rows) <= 4 or title == "Order fees"
        assert sheet_rows[0] == headers[title.split(" (")[0]]
