"""A5: every ``_format`` of ``orderlist``, parsed back and compared with the store.

Expectations are read from the store with SQLAlchemy (orders by datetime, id; positions by
order, then position number; fees by id) and turned into what each format must show: CSV text
(money with two decimals, ISO dates in the event's time zone, formula-like text prefixed with
``'``), or typed xlsx cells (numbers, dates, text; never formulas).
"""

import csv
import io
import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from service.exporters.base import ExportScope
from service.exporters.orderlist import OrderListExporter
from service.store import get_session
from service.store.models import (
    Event,
    Item,
    ItemVariation,
    Order,
    OrderFee,
    OrderPayment,
    OrderPosition,
    OrderRefund,
    Organizer,
    Question,
    QuestionAnswer,
)

from .conftest import Demo, path_of
from .readback import FORMULA_STARTS, Rate, csv_text, xlsx_actual, xlsx_expected

SHEETS = {"orders": "Orders", "positions": "Order positions", "fees": "Order fees"}
DIALECTS = {"default": ",", "excel": ",", "semicolon": ";"}
CSV_FORMATS = [f"{sheet}:{dialect}" for sheet in SHEETS for dialect in DIALECTS]
ALL_FORMATS = ["xlsx", *CSV_FORMATS]
EVENT = ["Event slug", "Event name"]
FIRST_COLUMNS = {
    "orders": [*EVENT, "Order code", "Order total", "Status", "Email", "Phone number"],
    "positions": [*EVENT, "Order code", "Position ID", "Status", "Email", "Phone number"],
    "fees": [*EVENT, "Order code", "Status", "Email", "Phone number", "Order date"],
}
# The names pretix gives the payment providers of the demo data.
PROVIDER_NAMES = {
    "banktransfer": "Bank transfer",
    "stripe": "Credit card via Stripe",
    "paypal": "PayPal",
}
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
STATUS_LABELS = {"n": "pending", "p": "paid", "e": "expired", "c": "canceled"}
FEE_TYPE_LABELS = {
    "payment": "Payment fee",
    "shipping": "Shipping fee",
    "service": "Service fee",
    "cancellation": "Cancellation fee",
    "insurance": "Insurance fee",
    "late": "Late fee",
    "other": "Other fees",
    "giftcard": "Gift card",
}
# pretix counts a payment as received while it is confirmed, and also once it was refunded
# (the refund is subtracted separately).
RECEIVED_PAYMENT_STATES = ("confirmed", "refunded")


# The store, as the exports should show it ------------------------------------------------
@dataclass
class Selection:
    """The rows one export should contain, in export order."""

    orders: list
    positions: list  # (order, position)
    fees: list  # (order, fee)


@dataclass
class Store:
    events: dict[int, Event]
    orders: list  # of all the events, by (datetime, id)
    positions: dict[int, list]  # by order id, by position number
    fees: dict[int, list]  # by order id
    payments: dict[int, list]
    refunds: dict[int, list]
    products: dict[int, str]
    variations: dict[int, str]
    questions: list
    answers: dict[tuple[int, int], str]  # (position id, question id) -> answer

    @property
    def position_numbers(self) -> dict[int, int]:
        return {p.id: p.positionid for ps in self.positions.values() for p in ps}

    def local(self, order, moment: datetime | None = None) -> datetime:
        """A stored naive-UTC moment as wall-clock time in the order's event's time zone."""
        zone = ZoneInfo(self.events[order.event_id].timezone)
        moment = order.datetime if moment is None else moment
        return moment.replace(tzinfo=UTC).astimezone(zone).replace(tzinfo=None)

    def select(
        self,
        *,
        paid_only: bool = False,
        first_day: date | None = None,
        last_day: date | None = None,
        item_id: int | None = None,
    ) -> Selection:
        orders = []
        for order in self.orders:
            day = self.local(order).date()
            if paid_only and order.status != "p":
                continue
            if (first_day and day < first_day) or (last_day and day > last_day):
                continue
            if item_id and all(p.item_id != item_id for p in self.positions[order.id]):
                continue
            orders.append(order)
        positions = [
            (order, position)
            for order in orders
            for position in self.positions[order.id]
            if not (paid_only and position.canceled)
            and (item_id is None or position.item_id == item_id)
        ]
        fees = [
            (order, fee)
            for order in orders
            for fee in self.fees[order.id]
            if not (paid_only and fee.canceled)
        ]
        return Selection(orders, positions, fees)

    def paid_by(self, order, provider: str) -> Decimal:
        received = sum(
            (
                p.amount
                for p in self.payments[order.id]
                if p.provider == provider and p.state in RECEIVED_PAYMENT_STATES
            ),
            Decimal("0.00"),
        )
        returned = sum(
            (
                r.amount
                for r in self.refunds[order.id]
                if r.provider == provider and r.state == "done"
            ),
            Decimal("0.00"),
        )
        return received - returned


def _grouped(rows, key: str) -> dict[int, list]:
    grouped = defaultdict(list)
    for row in rows:
        grouped[getattr(row, key)].append(row)
    return grouped


def load_store(app, event_slugs: list[str] | None = None) -> Store:
    """The demo organizer's data: all its events, or those with the given slugs."""
    with app.app_context():
        session = get_session()
        query = select(Event).join(Organizer).where(Organizer.slug == Demo.organizer)
        if event_slugs is not None:
            query = query.where(Event.slug.in_(event_slugs))
        events = {e.id: e for e in session.scalars(query)}
        ids = list(events)
        orders = session.scalars(
            select(Order).where(Order.event_id.in_(ids)).order_by(Order.datetime, Order.id)
        ).all()
        order_ids = [o.id for o in orders]
        positions = session.scalars(
            select(OrderPosition)
            .where(OrderPosition.order_id.in_(order_ids))
            .order_by(OrderPosition.order_id, OrderPosition.positionid)
        ).all()
        in_orders = {
            model: model.order_id.in_(order_ids) for model in (OrderFee, OrderPayment, OrderRefund)
        }
        fees = session.scalars(
            select(OrderFee).where(in_orders[OrderFee]).order_by(OrderFee.id)
        ).all()
        payments = session.scalars(select(OrderPayment).where(in_orders[OrderPayment])).all()
        refunds = session.scalars(select(OrderRefund).where(in_orders[OrderRefund])).all()
        products = dict(
            session.execute(select(Item.id, Item.name).where(Item.event_id.in_(ids))).all()
        )
        variations = dict(
            session.execute(
                select(ItemVariation.id, ItemVariation.value)
                .join(Item)
                .where(Item.event_id.in_(ids))
            ).all()
        )
        questions = session.scalars(
            select(Question)
            .where(Question.event_id.in_(ids))
            .order_by(Question.event_id, Question.position, Question.id)
        ).all()
        answers = session.execute(
            select(QuestionAnswer.position_id, QuestionAnswer.question_id, QuestionAnswer.answer)
            .join(OrderPosition)
            .where(OrderPosition.order_id.in_(order_ids))
        ).all()
        store = Store(
            events=events,
            orders=list(orders),
            positions=defaultdict(list, _grouped(positions, "order_id")),
            fees=defaultdict(list, _grouped(fees, "order_id")),
            payments=defaultdict(list, _grouped(payments, "order_id")),
            refunds=defaultdict(list, _grouped(refunds, "order_id")),
            products=products,
            variations=variations,
            questions=list(questions),
            answers={(p, q): a for p, q, a in answers},
        )
    return store


def order_status(order) -> str:
    if order.status == "n" and order.require_approval:
        return "Approval pending"
    return STATUS_LABELS[order.status]


def order_cells(store: Store, order) -> dict:
    local = store.local(order)
    paid_at = [
        p.payment_date
        for p in store.payments[order.id]
        if p.state in RECEIVED_PAYMENT_STATES and p.payment_date
    ]
    return {
        "Order code": order.code,
        "Order total": order.total,
        "Status": order_status(order),
        "Email": order.email,
        "Phone number": order.phone,
        "Order date": local.date(),
        "Order time": local.strftime("%H:%M:%S"),
        "Name": order.invoice_name,
        "City": order.invoice_city,
        "Date of last payment": store.local(order, max(paid_at)).date() if paid_at else None,
        "Fees": sum((f.value for f in store.fees[order.id] if not f.canceled), Decimal("0.00")),
        "Positions": len([p for p in store.positions[order.id] if not p.canceled]),
    }


def position_cells(store: Store, order, position) -> dict:
    local = store.local(order)
    cells = {
        "Order code": order.code,
        "Position ID": position.positionid,
        "Status": "canceled" if position.canceled else order_status(order),
        "Email": order.email,
        "Order date": local.date(),
        "Order time": local.strftime("%H:%M:%S"),
        "Product": store.products[position.item_id],
        "Variation": store.variations.get(position.variation_id),
        "Price": position.price,
        "Product ID": position.item_id,
        "Variation ID": position.variation_id,
        "Tax rate": Rate(position.tax_rate),
        "Tax value": position.tax_value,
        "Attendee name": position.attendee_name,
        "Ticket secret": position.secret,
        "Add-on to position ID": store.position_numbers.get(position.addon_to_id),
    }
    for question in store.questions:
        cells[question.question] = store.answers.get((position.id, question.id))
    return cells


def fee_cells(store: Store, order, fee) -> dict:
    return {
        "Order code": order.code,
        "Status": "canceled" if fee.canceled else order_status(order),
        "Order date": store.local(order).date(),
        "Fee type": FEE_TYPE_LABELS[fee.fee_type],
        "Description": fee.description,
        "Price": fee.value,
        "Tax rate": Rate(fee.tax_rate),
    }


def expected_rows(store: Store, selection: Selection, sheet: str) -> list:
    if sheet == "orders":
        rows = [(o, order_cells(store, o)) for o in selection.orders]
    elif sheet == "positions":
        rows = [(o, position_cells(store, o, p)) for o, p in selection.positions]
    else:
        rows = [(o, fee_cells(store, o, f)) for o, f in selection.fees]
    return [
        {
            "Event slug": store.events[o.event_id].slug,
            "Event name": store.events[o.event_id].name,
            **cells,
        }
        for o, cells in rows
    ]


def exporter_columns(app, sheet: str, form: dict | None = None, organizer_level=False) -> list:
    """The column list the exporter itself declares for a sheet."""
    with app.app_context():
        session = get_session()
        organizer = session.scalar(select(Organizer).where(Organizer.slug == Demo.organizer))
        events = session.scalars(
            select(Event).where(Event.organizer_id == organizer.id).order_by(Event.slug)
        ).all()
        if organizer_level:
            scope = ExportScope(organizer=organizer, events=list(events))
        else:
            event = next(e for e in events if e.slug == Demo.event)
            scope = ExportScope(organizer=organizer, events=[event], event=event)
        return OrderListExporter(session, scope).table(sheet, form or {}).columns


# Reading the files back --------------------------------------------------------------------
@dataclass
class Sheet:
    """One sheet of a downloaded file: header and rows, read as CSV text or xlsx cells."""

    kind: str  # "csv" or "xlsx"
    header: list[str]
    rows: list[list]

    def value(self, row, column: str):
        cell = row[self.header.index(column)]
        return xlsx_actual(cell) if self.kind == "xlsx" else cell

    def expect(self, value):
        return xlsx_expected(value) if self.kind == "xlsx" else csv_text(value)

    def column(self, name: str) -> list:
        return [self.value(row, name) for row in self.rows]


def read_csv(raw: bytes, dialect: str) -> list[list[str]]:
    text = raw.decode("utf-8")  # strict: the file must be valid UTF-8
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=DIALECTS[dialect]))


def csv_sheet(raw: bytes, dialect: str) -> Sheet:
    header, *rows = read_csv(raw, dialect)
    return Sheet("csv", header, rows)


def xlsx_sheets(raw: bytes) -> dict[str, Sheet]:
    workbook = load_workbook(io.BytesIO(raw))
    sheets = {}
    for key, title in SHEETS.items():
        header, *rows = list(workbook[title].iter_rows())
        sheets[key] = Sheet("xlsx", [c.value for c in header if c.value is not None], rows)
    return sheets


def assert_rows_match(sheet: Sheet, expected: list[dict]) -> None:
    assert len(sheet.rows) == len(expected)
    assert sheet.column("Order code") == [sheet.expect(cells["Order code"]) for cells in expected]
    for number, (row, cells) in enumerate(zip(sheet.rows, expected, strict=True), start=2):
        if sheet.kind == "csv":
            assert len(row) == len(sheet.header), f"row {number} has a different width"
        actual = {column: sheet.value(row, column) for column in cells}
        wanted = {column: sheet.expect(value) for column, value in cells.items()}
        assert actual == wanted, f"row {number}"


def assert_csv_dialect(raw: bytes, dialect: str) -> None:
    """Re-serialise what was parsed as the dialect must write it: the bytes must match.

    ``default`` quotes every cell but numbers; ``excel`` and ``semicolon`` quote only cells
    that need it. All end every record with CRLF.
    """
    assert not raw.startswith(b"\xef\xbb\xbf"), "no byte order mark"
    text = raw.decode("utf-8")
    rows = read_csv(raw, dialect)
    if dialect == "default":
        # Unquoted cells come back as floats here; a bare non-number would raise.
        typed = list(csv.reader(io.StringIO(text, newline=""), quoting=csv.QUOTE_NONNUMERIC))
        assert all(isinstance(kind, str) for kind in typed[0]), "header cells are quoted"
        lines = []
        for cells, kinds in zip(rows, typed, strict=True):
            written = []
            for cell, kind in zip(cells, kinds, strict=True):
                if isinstance(kind, float):
                    assert re.fullmatch(r"-?\d+", cell), f"bare {cell!r} is a whole number"
                    written.append(cell)
                else:
                    written.append('"' + cell.replace('"', '""') + '"')
            lines.append(",".join(written))
        rebuilt = "".join(line + "\r\n" for line in lines)
    else:
        out = io.StringIO(newline="")
        writer = csv.writer(
            out, delimiter=DIALECTS[dialect], lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL
        )
        writer.writerows(rows)
        rebuilt = out.getvalue()
    assert text == rebuilt


# Running exports ---------------------------------------------------------------------------
@pytest.fixture
def export(client, demo, run_jobs):
    """Run an export to the end and return the download response (200)."""

    def run(body: dict, level: str = "event"):
        url = demo.event_url("orderlist/run/")
        if level == "organizer":
            url = demo.organizer_url("orderlist/run/")
        started = client.post(url, headers=demo.headers(), json=body)
        assert started.status_code == 202, started.json
        run_jobs()
        response = client.get(path_of(started.json["download"]), headers=demo.headers())
        assert response.status_code == 200, response.json
        return response

    return run


@pytest.fixture(scope="module")
def store(app, demo) -> Store:
    """The demo event's data."""
    return load_store(app, [Demo.event])


def sheet_of(response, fmt: str, sheet: str) -> Sheet:
    if fmt == "xlsx":
        return xlsx_sheets(response.data)[sheet]
    return csv_sheet(response.data, fmt.split(":")[1])


# The ten formats -----------------------------------------------------------------------------
def test_orderlist_offers_exactly_the_ten_documented_formats(client, demo):
    response = client.get(demo.event_url("orderlist/"), headers=demo.headers())
    assert response.status_code == 200
    fmt = next(p for p in response.json["input_parameters"] if p["name"] == "_format")
    assert fmt == {"name": "_format", "required": True, "choices": ALL_FORMATS}


@pytest.mark.parametrize("fmt", CSV_FORMATS)
def test_csv_sheet_has_the_rows_of_the_store(fmt, export, app, store):
    sheet_key, dialect = fmt.split(":")
    response = export({"_format": fmt})
    assert response.headers["Content-Disposition"] == 'attachment; filename="sampleconf_orders.csv"'
    assert response.mimetype == "text/csv"
    sheet = csv_sheet(response.data, dialect)
    assert sheet.header == exporter_columns(app, sheet_key)
    assert sheet.header[: len(FIRST_COLUMNS[sheet_key])] == FIRST_COLUMNS[sheet_key]
    assert_rows_match(sheet, expected_rows(store, store.select(), sheet_key))


@pytest.mark.parametrize("fmt", CSV_FORMATS)
def test_csv_dialect_quotes_delimits_and_ends_lines_as_documented(fmt, export):
    dialect = fmt.split(":")[1]
    raw = export({"_format": fmt}).data
    header_line = raw.split(b"\r\n", 1)[0].decode()
    columns = read_csv(raw, dialect)[0]
    if dialect == "default":
        assert header_line == ",".join(f'"{c}"' for c in columns)
    else:
        assert header_line == DIALECTS[dialect].join(columns)
    assert raw.endswith(b"\r\n")
    assert_csv_dialect(raw, dialect)


@pytest.mark.parametrize("sheet_key", list(SHEETS))
def test_csv_default_leaves_whole_numbers_bare_and_quotes_everything_else(sheet_key, export, store):
    raw = export({"_format": f"{sheet_key}:default"}).data
    # This reader turns unquoted cells into floats and keeps quoted ones as text.
    header, *rows = csv.reader(io.StringIO(raw.decode(), newline=""), quoting=csv.QUOTE_NONNUMERIC)
    expected = expected_rows(store, store.select(), sheet_key)
    assert len(rows) == len(expected)
    for number, (row, cells) in enumerate(zip(rows, expected, strict=True), start=2):
        bare = {column: isinstance(row[header.index(column)], float) for column in cells}
        # As pretix: whole numbers bare; money and tax rates, decimals, are quoted text.
        numeric = {
            column: isinstance(value, int) and not isinstance(value, bool)
            for column, value in cells.items()
        }
        assert bare == numeric, f"row {number}"


@pytest.mark.parametrize("fmt", ["orders:excel", "xlsx"])
def test_orders_have_gross_net_and_tax_columns_per_tax_rate(fmt, export, store):
    sheet = sheet_of(export({"_format": fmt}), fmt, "orders")
    labels = [m.group(1) for c in sheet.header if (m := re.fullmatch(r"Gross at (.+) % tax", c))]
    rates = sorted(
        {p.tax_rate for ps in store.positions.values() for p in ps}
        | {f.tax_rate for fs in store.fees.values() for f in fs}
    )
    assert [Decimal(label) for label in labels] == rates
    for label in labels:
        gross = sheet.header.index(f"Gross at {label} % tax")
        assert sheet.header[gross + 1 : gross + 3] == [
            f"Net at {label} % tax",
            f"Tax value at {label} % tax",
        ]
    expected = []
    for order in store.orders:
        lines = [
            (p.tax_rate, p.price, p.tax_value) for p in store.positions[order.id] if not p.canceled
        ]
        lines += [
            (f.tax_rate, f.value, f.tax_value) for f in store.fees[order.id] if not f.canceled
        ]
        cells = {"Order code": order.code}
        for label in labels:
            at_rate = [(gross, tax) for rate, gross, tax in lines if rate == Decimal(label)]
            gross = sum((gross for gross, _ in at_rate), Decimal("0.00"))
            tax = sum((tax for _, tax in at_rate), Decimal("0.00"))
            cells[f"Gross at {label} % tax"] = gross
            cells[f"Net at {label} % tax"] = gross - tax
            cells[f"Tax value at {label} % tax"] = tax
        expected.append(cells)
    assert_rows_match(sheet, expected)


@pytest.mark.parametrize("sheet_key", list(SHEETS))
def test_xlsx_worksheet_has_the_rows_of_the_store_as_typed_cells(sheet_key, export, app, store):
    response = export({"_format": "xlsx"})
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="sampleconf_orders.xlsx"'
    )
    assert response.mimetype == XLSX_TYPE
    sheet = xlsx_sheets(response.data)[sheet_key]
    assert sheet.header == exporter_columns(app, sheet_key)
    assert sheet.header[: len(FIRST_COLUMNS[sheet_key])] == FIRST_COLUMNS[sheet_key]
    assert_rows_match(sheet, expected_rows(store, store.select(), sheet_key))


def test_xlsx_has_three_titled_worksheets_with_numbers_dates_and_no_formulas(export, store):
    workbook = load_workbook(io.BytesIO(export({"_format": "xlsx"}).data))
    assert workbook.sheetnames == ["Orders", "Order positions", "Order fees"]
    orders = workbook["Orders"]
    header = [c.value for c in next(orders.iter_rows(max_row=1))]
    for row, order in zip(orders.iter_rows(min_row=2), store.orders, strict=True):
        total = row[header.index("Order total")]
        assert total.data_type == "n" and isinstance(total.value, (int, float))
        assert Decimal(str(total.value)) == order.total
        ordered = row[header.index("Order date")]
        assert ordered.is_date and ordered.value.date() == store.local(order).date()
    for worksheet in workbook.worksheets:
        for row in worksheet.iter_rows():
            assert all(cell.data_type != "f" for cell in row), worksheet.title


# Formula-like text and non-ASCII names ---------------------------------------------------------
def formula_like_answers(store: Store) -> list[str]:
    answers = [a for a in store.answers.values() if a.startswith(FORMULA_STARTS)]
    assert any(a.startswith("=") for a in answers), "the demo data has answers like =1+2"
    return answers


@pytest.mark.parametrize("dialect", list(DIALECTS))
def test_formula_like_answers_are_prefixed_with_a_quote_in_csv(dialect, export, store):
    sheet = csv_sheet(export({"_format": f"positions:{dialect}"}).data, dialect)
    cells = [cell for row in sheet.rows for cell in row]
    for answer in formula_like_answers(store):
        assert "'" + answer in cells
    assert not [cell for cell in cells if cell.startswith(FORMULA_STARTS)]


def test_formula_like_answers_are_plain_text_cells_in_xlsx(export, store):
    sheet = xlsx_sheets(export({"_format": "xlsx"}).data)["positions"]
    by_value = defaultdict(list)
    for row in sheet.rows:
        for cell in row:
            by_value[cell.value].append(cell)
    for answer in formula_like_answers(store):
        assert by_value[answer], answer
        assert all(cell.data_type == "s" for cell in by_value[answer])


def non_ascii_names(store: Store) -> set[str]:
    names = {p.attendee_name for ps in store.positions.values() for p in ps if p.attendee_name}
    names = {n for n in names if not n.isascii()}
    assert names, "the demo data has attendee names beyond ASCII"
    return names


@pytest.mark.parametrize("dialect", list(DIALECTS))
def test_non_ascii_attendee_names_are_byte_exact_utf8_in_csv(dialect, export, store):
    raw = export({"_format": f"positions:{dialect}"}).data
    for name in non_ascii_names(store):
        assert name.encode("utf-8") in raw, name
    column = csv_sheet(raw, dialect).column("Attendee name")
    assert non_ascii_names(store) <= set(column)


def test_non_ascii_attendee_names_are_exact_in_xlsx(export, store):
    sheet = xlsx_sheets(export({"_format": "xlsx"}).data)["positions"]
    names = {value for kind, value in filter(None, sheet.column("Attendee name"))}
    assert non_ascii_names(store) <= names


# Parameters -----------------------------------------------------------------------------------
def test_without_paid_only_every_status_is_exported(export, store):
    sheet = xlsx_sheets(export({"_format": "xlsx"}).data)["orders"]
    statuses = {value for _, value in sheet.column("Status")}
    assert statuses == {order_status(o) for o in store.orders}
    assert len(statuses) > 1


@pytest.mark.parametrize("fmt", ["xlsx", "positions:default"])
def test_paid_only_exports_paid_orders_without_canceled_positions(fmt, export, store):
    response = export({"_format": fmt, "paid_only": True})
    selection = store.select(paid_only=True)
    assert len(selection.orders) < len(store.orders)
    assert any(p.canceled for _, p in store.select().positions), "demo has canceled positions"
    for sheet_key in SHEETS if fmt == "xlsx" else ["positions"]:
        sheet = sheet_of(response, fmt, sheet_key)
        assert_rows_match(sheet, expected_rows(store, selection, sheet_key))
        assert set(sheet.column("Status")) == {sheet.expect("paid")}


def tz_sensitive_frame(store: Store):
    """Days around orders made in the late evening UTC, which are the next day in Berlin.

    Returns (first day, last day, code that must be in, code that must be out): comparing
    naive-UTC dates instead of local ones would get both codes wrong.
    """
    late = [o for o in store.orders if store.local(o).date() != o.datetime.date()]
    for first in late:
        start = store.local(first).date()
        after = [o for o in late if store.local(o).date() > start + timedelta(days=1)]
        if after:
            return start, store.local(after[0]).date() - timedelta(days=1), first, after[0]
    middle = store.local(store.orders[len(store.orders) // 2]).date()
    return middle, middle + timedelta(days=14), None, None


def frame_body(how: str, first: date, last: date) -> tuple[dict, date | None, date | None]:
    """The request body for a frame, and the first and last day it covers (None: open)."""
    return {
        "date_range": ({"date_range": f"{first}/{last}"}, first, last),
        "date_from and date_to": (
            {"date_from": first.isoformat(), "date_to": last.isoformat()},
            first,
            last,
        ),
        "date_range with open end": ({"date_range": f"{first}/"}, first, None),
        "date_to alone": ({"date_to": last.isoformat()}, None, last),
    }[how]


@pytest.mark.parametrize(
    "how", ["date_range", "date_from and date_to", "date_range with open end", "date_to alone"]
)
def test_date_range_exports_the_orders_created_in_the_frame(how, export, store):
    body, first_day, last_day = frame_body(how, *tz_sensitive_frame(store)[:2])
    expected = store.select(first_day=first_day, last_day=last_day)
    assert 0 < len(expected.orders) < len(store.orders)
    sheets = xlsx_sheets(export({"_format": "xlsx", **body}).data)
    for sheet_key in SHEETS:
        assert_rows_match(sheets[sheet_key], expected_rows(store, expected, sheet_key))


def test_date_range_days_are_the_event_time_zone_days(export, store):
    first, last, inside, outside = tz_sensitive_frame(store)
    if inside is None:
        pytest.skip("the demo data has no orders late in the evening UTC")
    assert inside.datetime.date() < first <= store.local(inside).date()
    assert store.local(outside).date() > last >= outside.datetime.date()
    sheet = csv_sheet(
        export({"_format": "orders:excel", "date_range": f"{first}/{last}"}).data, "excel"
    )
    codes = sheet.column("Order code")
    assert inside.code in codes
    assert outside.code not in codes


def workshop_ticket(store: Store) -> int:
    return next(i for i, name in store.products.items() if name == "Workshop ticket")


@pytest.mark.parametrize("sheet_key", ["orders", "fees"])
def test_items_exports_only_orders_with_that_product(sheet_key, export, store):
    workshop = workshop_ticket(store)
    expected = store.select(item_id=workshop)
    assert 0 < len(expected.orders) < len(store.orders)
    response = export({"_format": f"{sheet_key}:default", "items": [workshop]})
    sheet = csv_sheet(response.data, "default")
    assert_rows_match(sheet, expected_rows(store, expected, sheet_key))


@pytest.mark.parametrize("fmt", ["positions:default", "xlsx"])
def test_items_restricts_positions_to_that_product(fmt, export, store):
    workshop = workshop_ticket(store)
    expected = store.select(item_id=workshop)
    assert 0 < len(expected.positions) < sum(len(p) for p in store.positions.values())
    response = export({"_format": fmt, "items": [workshop]})
    for sheet_key in SHEETS if fmt == "xlsx" else ["positions"]:
        sheet = sheet_of(response, fmt, sheet_key)
        assert_rows_match(sheet, expected_rows(store, expected, sheet_key))
    positions = sheet_of(response, fmt, "positions")
    assert set(positions.column("Product")) == {positions.expect("Workshop ticket")}


@pytest.mark.parametrize("fmt", ["orders:default", "orders:semicolon", "xlsx"])
def test_payment_amounts_add_paid_by_columns_with_net_received_sums(fmt, export, app, store):
    response = export({"_format": fmt, "include_payment_amounts": True})
    sheet = sheet_of(response, fmt, "orders")
    providers = sorted({p.provider for ps in store.payments.values() for p in ps})
    paid_by = [f"Paid by {PROVIDER_NAMES[provider]}" for provider in providers]
    assert len(providers) > 1
    assert sheet.header[-len(paid_by) :] == paid_by
    assert sheet.header == exporter_columns(app, "orders", {"include_payment_amounts": True})
    assert any(store.refunds.values()), "the demo data has done refunds"
    expected = [
        {
            "Order code": order.code,
            **{f"Paid by {PROVIDER_NAMES[p]}": store.paid_by(order, p) for p in providers},
        }
        for order in store.orders
    ]
    assert_rows_match(sheet, expected)


def test_payment_amount_columns_are_absent_by_default(export):
    sheet = csv_sheet(export({"_format": "orders:excel"}).data, "excel")
    assert not [c for c in sheet.header if c.startswith("Paid by ")]


# Organizer level ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "events",
    [{"events": ["sampleconf"]}, {}, {"all_events": True}, {"events": ["SampleConf"]}],
    ids=["events=[sampleconf]", "no events", "all_events", "slug case-insensitive"],
)
@pytest.mark.parametrize("sheet_key", list(SHEETS))
def test_organizer_level_csv_starts_with_the_event_slug_and_name(sheet_key, events, export, app):
    response = export({"_format": f"{sheet_key}:default", **events}, level="organizer")
    assert response.headers["Content-Disposition"] == 'attachment; filename="bigevents_orders.csv"'
    sheet = csv_sheet(response.data, "default")
    assert sheet.header[: len(FIRST_COLUMNS[sheet_key])] == FIRST_COLUMNS[sheet_key]
    assert sheet.header == exporter_columns(app, sheet_key, organizer_level=True)
    covered = load_store(app, ["sampleconf"] if events.get("events") else None)
    rows = expected_rows(covered, covered.select(), sheet_key)
    assert_rows_match(sheet, rows)


def test_organizer_level_without_events_covers_every_event_of_the_token(export, app):
    everything = load_store(app)
    sheets = xlsx_sheets(export({"_format": "xlsx"}, level="organizer").data)
    assert set(sheets["orders"].column("Event slug")) == {
        ("text", e.slug) for e in everything.events.values()
    }
    for sheet_key in SHEETS:
        assert_rows_match(
            sheets[sheet_key],
            expected_rows(everything, everything.select(), sheet_key),
        )


def test_organizer_level_xlsx_is_named_after_the_organizer(export):
    response = export({"_format": "xlsx", "events": ["sampleconf"]}, level="organizer")
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="bigevents_orders.xlsx"'
    )
    assert response.mimetype == XLSX_TYPE


# Headers are data too: question texts come from the organizer -----------------------------------
@pytest.fixture
def formula_question(app, store):
    """A question whose text looks like a formula, on the demo event for one test."""
    text = "=1+2"
    event_id = next(iter(store.events))
    with app.app_context():
        session = get_session()
        question = Question(event_id=event_id, question=text, identifier="FORMULA", position=99)
        session.add(question)
        session.commit()
        question_id = question.id
    yield text
    with app.app_context():
        session = get_session()
        session.delete(session.get(Question, question_id))
        session.commit()


@pytest.mark.parametrize("dialect", list(DIALECTS))
def test_formula_like_question_text_is_prefixed_in_the_csv_header(
    dialect, formula_question, export
):
    raw = export({"_format": f"positions:{dialect}"}).data
    header = csv_sheet(raw, dialect).header
    assert "'" + formula_question in header
    assert formula_question not in header


def test_formula_like_question_text_is_a_text_cell_in_the_xlsx_header(formula_question, export):
    workbook = load_workbook(io.BytesIO(export({"_format": "xlsx"}).data))
    header = next(workbook["Order positions"].iter_rows(max_row=1))
    cell = next(c for c in header if c.value == formula_question)
    assert cell.data_type == "s"
