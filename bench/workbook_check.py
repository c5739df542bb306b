"""What an exported workbook holds, read from its zip without loading it: the worksheets'
titles in order and their rows, and whether those are the sheets the event needs.

A sheet longer than Excel's 1,048,576 rows goes on over continuation sheets ("Order
positions (2)", …), each starting with the header; counting ``<row`` tags in the streamed,
decompressed XML checks that for millions of rows in seconds, where openpyxl would take
minutes.
"""

import posixpath
import zipfile
from pathlib import Path
from xml.etree import ElementTree

from .procs import BenchError

MAX_SHEET_ROWS = 1_048_576
NS = {
    "main": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
    "rel": "http://schemas.openxmlformats.org/package/2006/relationships",
}
RELATIONSHIP_ID = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
CHUNK = 1 << 22


def worksheets(path: Path) -> list[tuple[str, int]]:
    """(title, rows with the header) of each worksheet, in the workbook's order."""
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
            found.append((sheet.get("name"), _count_rows(workbook, name)))
    return found


def _count_rows(workbook: zipfile.ZipFile, name: str) -> int:
    rows, tail = 0, b""
    with workbook.open(name) as sheet:
        while chunk := sheet.read(CHUNK):
            # A tag cut between two chunks is counted once, in the joined piece.
            rows += (tail + chunk).count(b"<row ") - tail.count(b"<row ")
            tail = chunk[-8:]
    return rows


def check_sheets(
    path: Path, expected: dict[str, tuple[str, int]], max_rows: int = MAX_SHEET_ROWS
) -> list[dict]:
    """Checks that the workbook has, for each table in order, ``(title, data rows)``: one
    sheet, or as many full sheets plus continuations as the rows need. Returns the sheets."""
    found = worksheets(path)
    wanted = []
    for title, data_rows in expected.values():
        per_sheet = max_rows - 1
        count = max(1, -(-data_rows // per_sheet))
        for number in range(1, count + 1):
            rows = min(per_sheet, data_rows - (number - 1) * per_sheet)
            name = title if number == 1 else f"{title} ({number})"
            wanted.append((name, rows + 1))
    if found != wanted:
        raise BenchError(f"the workbook has the sheets {found}, not {wanted}")
    return [{"title": title, "rows": rows} for title, rows in found]
