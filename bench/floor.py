"""The floor: the rows of an export fetched with one plain SQL query per sheet and written with
``csv.writer`` or openpyxl's write-only workbook, without the service.

No export can be faster than this on the same data and the same number of columns; the ratio
export / floor is the part of an export's time that is the service's own (the API, the queue,
the extra queries, building each cell, progress).
"""

import csv
import time
from dataclasses import dataclass
from itertools import cycle, islice
from pathlib import Path

from openpyxl import Workbook

ORDER_COLUMNS = (
    "o.code",
    "o.total",
    "o.status",
    "o.email",
    "o.phone",
    "o.datetime",
    "o.locale",
    "o.invoice_company",
    "o.invoice_name",
    "o.invoice_street",
    "o.invoice_zipcode",
    "o.invoice_city",
    "o.invoice_country",
    "o.invoice_state",
    "o.invoice_vat_id",
    "o.expires",
    "o.comment",
    "o.custom_followup_at",
    "o.checkin_attention",
    "o.require_approval",
    "o.sales_channel",
    "o.email_known_to_work",
    "o.customer_identifier",
    "o.testmode",
    "o.invoice_custom_field",
    "o.checkin_text",
    "o.secret",
)
POSITION_COLUMNS = (
    "p.positionid",
    "p.item_id",
    "p.variation_id",
    "p.price",
    "p.tax_rate",
    "p.tax_name",
    "p.tax_value",
    "p.attendee_name",
    "p.attendee_email",
    "p.company",
    "p.street",
    "p.zipcode",
    "p.city",
    "p.country",
    "p.state",
    "p.pseudonymization_id",
    "p.secret",
    "p.blocked",
    "p.valid_from",
    "p.valid_until",
    "p.addon_to_id",
    "p.canceled",
    "p.tax_rule_id",
    "p.web_secret",
)
FEE_COLUMNS = (
    "f.fee_type",
    "f.description",
    "f.value",
    "f.tax_rate",
    "f.tax_name",
    "f.tax_rule_id",
    "f.tax_value",
    "f.canceled",
)

# Per sheet: its own columns first, then the order's, and the rows in the export's order.
SHEETS = {
    "orders": (ORDER_COLUMNS, "", "o.datetime, o.id"),
    "positions": (
        POSITION_COLUMNS + ORDER_COLUMNS,
        "JOIN order_positions p ON p.order_id = o.id",
        "o.datetime, o.id, p.positionid, p.id",
    ),
    "fees": (
        FEE_COLUMNS + ORDER_COLUMNS,
        "JOIN order_fees f ON f.order_id = o.id",
        "o.datetime, o.id, f.id",
    ),
}
# The export's workbook has these sheets, in this order.
XLSX_SHEETS = ("orders", "positions", "fees")


@dataclass(frozen=True)
class FloorResult:
    seconds: float
    cpu_seconds: float
    rows: int
    columns: dict[str, int]
    size_bytes: int


def sheet_query(store, sheet: str, column_count: int) -> str:
    """One SELECT with exactly ``column_count`` columns (repeating columns if needed)."""
    columns, join, order = SHEETS[sheet]
    selected = ", ".join(islice(cycle(columns), column_count))
    where = f"o.event_id = {store.placeholder}"
    return f"SELECT {selected} FROM orders o {join} WHERE {where} ORDER BY {order}"


def _rows(store, connection, sheet: str, column_count: int, event_id: int):
    cursor = store.cursor_for_rows(connection)
    cursor.execute(sheet_query(store, sheet, column_count), (event_id,))
    yield from cursor
    cursor.close()


def csv_floor(store, event_id: int, sheet: str, column_count: int, path: Path) -> FloorResult:
    """One sheet as CSV, quoted like the export's ``default`` dialect."""
    connection = store.connect()
    try:
        started, cpu_started = time.perf_counter(), time.process_time()
        rows = 0
        with open(path, "w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle, quoting=csv.QUOTE_NONNUMERIC)
            writer.writerow([f"column {n}" for n in range(1, column_count + 1)])
            for row in _rows(store, connection, sheet, column_count, event_id):
                writer.writerow(row)
                rows += 1
        seconds = time.perf_counter() - started
        cpu_seconds = time.process_time() - cpu_started
    finally:
        connection.close()
    return FloorResult(seconds, cpu_seconds, rows, {sheet: column_count}, path.stat().st_size)


def xlsx_floor(store, event_id: int, column_counts: dict[str, int], path: Path) -> FloorResult:
    """The export's three sheets in one write-only workbook."""
    connection = store.connect()
    try:
        started, cpu_started = time.perf_counter(), time.process_time()
        rows = 0
        workbook = Workbook(write_only=True)
        for sheet in XLSX_SHEETS:
            worksheet = workbook.create_sheet(title=sheet)
            worksheet.append([f"column {n}" for n in range(1, column_counts[sheet] + 1)])
            for row in _rows(store, connection, sheet, column_counts[sheet], event_id):
                worksheet.append(row)
                rows += 1
        workbook.save(path)
        seconds = time.perf_counter() - started
        cpu_seconds = time.process_time() - cpu_started
    finally:
        connection.close()
    return FloorResult(seconds, cpu_seconds, rows, dict(column_counts), path.stat().st_size)
