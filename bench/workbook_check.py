"""What an exported workbook holds, read from its zip without loading it: the worksheets'
titles in order, their rows and the cells of their header row, and whether those are the
sheets the event needs.

A sheet longer than Excel's 1,048,576 rows goes on over continuation sheets ("Order
positions (2)", …), each starting with the header. Counting ``<row`` tags in the streamed,
decompressed XML checks that for millions of rows in a pass of zlib; openpyxl, even in
read-only mode, parses a whole worksheet that has no ``<dimension>`` before it gives the
first row.
"""

import posixpath
import zipfile
from pathlib import Path
from typing import NamedTuple
from xml.etree import ElementTree

from .procs import BenchError

MAX_SHEET_ROWS = 1_048_576
NS = {
    "main": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
    "rel": "http://schemas.openxmlformats.org/package/2006/relationships",
}
RELATIONSHIP_ID = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
CHUNK = 1 << 22


class Sheet(NamedTuple):
    title: str
    rows: int  # with the header
    columns: int  # cells in the header row


def worksheets(path: Path) -> list[Sheet]:
    """Each worksheet, in the workbook's order."""
    with zipfile.ZipFile(path) as workbook:
        book = ElementTree.fromstring(workbook.read("xl/workbook.xml"))
        links = ElementTree.fromstring(workbook.read("xl/_rels/workbook.xml.rels"))
        targets = {
            rel.get("Id"): rel.get("Target") for rel in links.findall("rel:Relationship", NS)
        }
        found = []
        for sheet in book.findall("main:sheets/main:sheet", NS):
            target = targets[sheet.get(RELATIONSHIP_ID)]
            name = target.lstrip("/") if target.startswith("/") else posixpath.join("xl", target)
            found.append(Sheet(sheet.get("name"), *_count_rows(workbook, name)))
    return found


def _count_rows(workbook: zipfile.ZipFile, name: str) -> tuple[int, int]:
    """The rows of a worksheet, and the cells of its first row."""
    rows, tail, head = 0, b"", b""
    with workbook.open(name) as sheet:
        while chunk := sheet.read(CHUNK):
            # A tag cut between two chunks is counted once, in the joined piece.
            rows += (tail + chunk).count(b"<row ") - tail.count(b"<row ")
            tail = chunk[-8:]
            if b"</row>" not in head:
                head += chunk
    first = head[head.find(b"<row ") : head.find(b"</row>")]
    return rows, first.count(b"<c ") + first.count(b"<c>")


def check_sheets(
    path: Path, expected: dict[str, tuple[str, int]], max_rows: int = MAX_SHEET_ROWS
) -> tuple[list[dict], dict[str, int]]:
    """Checks that the workbook has, for each table in order (``key: (title, data rows)``),
    one sheet, or as many full sheets plus continuations as the rows need, each with the
    same header. Returns the sheets, and the columns of each table by key."""
    sheets = worksheets(path)
    found = [(sheet.title, sheet.rows) for sheet in sheets]
    wanted, owner = [], []
    for key, (title, data_rows) in expected.items():
        per_sheet = max_rows - 1
        count = max(1, -(-data_rows // per_sheet))
        for number in range(1, count + 1):
            rows = min(per_sheet, data_rows - (number - 1) * per_sheet)
            name = title if number == 1 else f"{title} ({number})"
            wanted.append((name, rows + 1))
            owner.append(key)
    if found != wanted:
        raise BenchError(f"the workbook has the sheets {found}, not {wanted}")
    columns: dict[str, int] = {}
    for key, sheet in zip(owner, sheets, strict=True):
        if columns.setdefault(key, sheet.columns) != sheet.columns:
            raise BenchError(f"{sheet.title} has {sheet.columns} header cells, not {columns[key]}")
    return [sheet._asdict() for sheet in sheets], columns
