"""The xlsx writers side by side on the same rows: openpyxl's write-only workbook,
XlsxWriter's constant-memory mode and the service's streaming writer.

Rows come from the floor's plain positions query of the largest event, held in memory first,
so only the writing is timed.
"""

import time
from decimal import Decimal
from itertools import islice
from pathlib import Path

import xlsxwriter
from openpyxl import Workbook

from service.exporters.xlsx import WorkbookWriter

from .floor import _rows

ROWS = 50_000
COLUMNS = 47  # as many as the positions sheet of the order export


def _openpyxl(rows, path: Path) -> None:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Order positions")
    for row in rows:
        sheet.append([float(v) if isinstance(v, Decimal) else v for v in row])
    workbook.save(path)


def _xlsxwriter(rows, path: Path) -> None:
    options = {
        "constant_memory": True,
        "strings_to_formulas": False,
        "strings_to_numbers": False,
        "strings_to_urls": False,
    }
    workbook = xlsxwriter.Workbook(str(path), options)
    sheet = workbook.add_worksheet("Order positions")
    for index, row in enumerate(rows):
        for column, value in enumerate(row):
            if value is None:
                continue
            if isinstance(value, Decimal):
                sheet.write_number(index, column, float(value))
            elif hasattr(value, "year"):
                sheet.write_datetime(index, column, value)
            else:
                sheet.write(index, column, value)
    workbook.close()


def _streaming(rows, path: Path) -> None:
    workbook = WorkbookWriter(path)
    workbook.add_sheet("Order positions", iter(rows))
    workbook.close()


WRITERS = {
    "openpyxl write-only": _openpyxl,
    "XlsxWriter constant_memory": _xlsxwriter,
    "streaming writer (ours)": _streaming,
}


def compare_writers(store, event_id: int, workdir: Path) -> dict:
    connection = store.connect()
    try:
        rows = list(islice(_rows(store, connection, "positions", COLUMNS, event_id), ROWS))
    finally:
        connection.close()
    rows.insert(0, [f"column {n}" for n in range(1, COLUMNS + 1)])
    figures = {}
    for name, write in WRITERS.items():
        path = workdir / "writer.xlsx"
        started, cpu_started = time.perf_counter(), time.process_time()
        write(rows, path)
        seconds = time.perf_counter() - started
        figures[name] = {
            "seconds": round(seconds, 3),
            "cpu_seconds": round(time.process_time() - cpu_started, 3),
            "rows_per_second": round((len(rows) - 1) / seconds, 1),
            "size_bytes": path.stat().st_size,
        }
        path.unlink()
    return {"rows": len(rows) - 1, "columns": COLUMNS, "writers": figures}
