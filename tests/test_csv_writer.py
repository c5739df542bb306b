"""The batched CSV writer converts cells column by column; its files must be the same, byte
for byte, as converting every row on its own with ``csv_row``."""

import csv
import random
from datetime import date, datetime
from decimal import Decimal

import pytest

from service.exporters import writers
from service.exporters.base_types import Cents, Rates, Table

CELLS = [
    None,
    "",
    "plain text",
    '=HYPERLINK("http://x")',
    "+43 435 7775797",
    "-12.50",
    "@mention",
    'Étudiante; "quoted", and a\nnewline',
    7,
    0,
    True,
    Decimal("12.5"),
    Decimal("-3.14159"),
    Decimal("19.00"),
    date(2026, 12, 1),
    datetime(2026, 12, 1, 9, 30, 5),
    1.5,
]


def expected_file(path, header, rows, dialect) -> bytes:
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, dialect=dialect)
        writer.writerow(writers.csv_row(header))
        for row in rows:
            writer.writerow(writers.csv_row(row))
    return path.read_bytes()


def written_file(path, header, rows, dialect) -> tuple[bytes, int]:
    counted = []
    table = Table(header, len(rows), iter(rows))
    writers.write_csv_table(path, table, dialect, counted.append)
    return path.read_bytes(), sum(counted)


def written_from_column_batches(path, header, rows, dialect, sizes) -> tuple[bytes, int]:
    """The rows cut into batches of ``sizes`` rows, each handed over column by column."""
    batches, start = [], 0
    for size in sizes:
        batches.append([list(column) for column in zip(*rows[start : start + size], strict=True)])
        start += size
    assert start == len(rows)
    counted = []
    table = Table.of_column_batches(header, len(rows), batches)
    writers.write_csv_table(path, table, dialect, counted.append)
    return path.read_bytes(), sum(counted)


def column_of(kind: str, rng: random.Random):
    """A column generator: one kind of cell (with gaps) or anything at all."""
    pools = {
        "text": [None, "", "plain text", 'Étudiante; "quoted"'],
        "formula text": [None, "plain text", "=1+2", "+43 435 7775797"],
        "money": [Decimal("12.5"), Decimal("-3.14159"), Decimal("19.00")],
        "money with gaps": [None, Decimal("12.5"), Decimal("0")],
        "numbers and dates": [None, 3, date(2026, 1, 2)],
        "anything": CELLS,
    }
    pool = pools[kind]
    return lambda: rng.choice(pool)


# Kinds of columns the default dialect writes without the csv module.
TEMPLATED_POOLS = {
    "quoted text": [None, 'say "hi"', '"', '""', "a\r\nb,c", "\x00", "ü€😀", "{0} {}", " "],
    "text without gaps": ["plain", 'a "b"', "x,y"],
    "whole numbers": [0, -5, 10**20, True, False],
    "numbers with gaps": [None, 3, True, 2.5],
    "floats": [1.5, float("nan"), float("inf"), 1e16, -0.0, 0.1],
    "dates with gaps": [None, date(2026, 1, 2), date(1, 1, 1)],
    "times with gaps": [None, datetime(2026, 1, 2, 3, 4, 5), datetime(2026, 1, 2, 3, 4, 5, 6)],
    "money": [Decimal("12.5"), Decimal("19.00"), Decimal("-0.001")],
    "formula text": [None, "=1+2", "plain", "-12.50", "+43 1", "a\n=b", "@x"],
    # Numbers stay as they are; anything else that starts like a formula is defused.
    "number-like text": ["+12", "-1.5e3", "+12\n", "-.5", "+1,5", "%", "|x", "-", "+1 2", "-1e"],
    "nothing": [None],
}


@pytest.mark.parametrize("dialect", list(writers.SHEET_DIALECTS.values()))
@pytest.mark.parametrize("seed", range(5))
def test_templated_rows_are_the_csv_modules(tmp_path, dialect, seed):
    """Columns of the kinds the default dialect writes through a row template, alone and
    with a column of a kind it leaves to the csv module (a text subclass)."""
    rng = random.Random(seed)
    pools = [rng.choice(list(TEMPLATED_POOLS.values())) for _ in range(10)]
    rows = [[rng.choice(pool) for pool in pools] for _ in range(writers.CSV_BATCH_ROWS + 3)]
    header = [f"column {n}" for n in range(10)]
    expected = expected_file(tmp_path / "expected.csv", header, rows, dialect)
    sizes = [2, writers.CSV_BATCH_ROWS, 1]
    written, _ = written_from_column_batches(tmp_path / "c.csv", header, rows, dialect, sizes)
    assert written == expected

    class Text(str):
        pass

    rows[0][0] = Text("a subclass")
    expected = expected_file(tmp_path / "expected.csv", header, rows, dialect)
    written, _ = written_from_column_batches(tmp_path / "c.csv", header, rows, dialect, sizes)
    assert written == expected


@pytest.mark.parametrize("dialect", list(writers.SHEET_DIALECTS.values()))
@pytest.mark.parametrize("seed", range(5))
def test_batched_rows_are_written_like_single_rows(tmp_path, dialect, seed):
    rng = random.Random(seed)
    kinds = ["text", "formula text", "money", "money with gaps", "numbers and dates", "anything"]
    makers = [column_of(rng.choice(kinds), rng) for _ in range(12)]
    # More than two batches, and a formula that turns up only in a late batch.
    rows = [[make() for make in makers] for _ in range(writers.CSV_BATCH_ROWS * 2 + 37)]
    rows[-1][0] = "=late formula"
    header = [f"column {n}" for n in range(12)]

    expected = expected_file(tmp_path / "expected.csv", header, rows, dialect)
    written, counted = written_file(tmp_path / "written.csv", header, rows, dialect)

    assert written == expected
    assert counted == len(rows)
    assert b"'=late formula" in written

    sizes = [1, writers.CSV_BATCH_ROWS + 199, len(rows) - writers.CSV_BATCH_ROWS - 200]
    in_columns, counted = written_from_column_batches(
        tmp_path / "columns.csv", header, rows, dialect, sizes
    )
    assert in_columns == expected
    assert counted == len(rows)


def test_rows_of_different_lengths_are_written_whole(tmp_path):
    rows = [["a", Decimal("1")], ["b", Decimal("2"), "extra"], ["=c"]]
    expected = expected_file(tmp_path / "expected.csv", ["x"], rows, writers.DefaultDialect)
    written, counted = written_file(tmp_path / "written.csv", ["x"], rows, writers.DefaultDialect)

    assert written == expected
    assert counted == 3
    # pretix writes decimals as text, so the default dialect quotes them.
    assert written.splitlines()[2] == b'"b","2.00","extra"'


def test_money_gets_two_decimals_in_every_batch(tmp_path):
    rows = [[None, "", Decimal("1.5")]] * (writers.CSV_BATCH_ROWS + 1)
    written, _ = written_file(
        tmp_path / "written.csv", ["a", "b", "c"], rows, writers.DefaultDialect
    )

    assert set(written.splitlines()[1:]) == {b'"","","1.50"'}


def test_a_table_of_column_batches_reads_as_rows_too():
    batches = [[["a", "b"], [1, 2]], [["c"], [3]]]
    table = Table.of_column_batches(["letter", "number"], 3, batches)

    assert list(table.rows) == [("a", 1), ("b", 2), ("c", 3)]


@pytest.mark.parametrize("first", ["=1+2", "-2+3", "@SUM(A1)"])
def test_formula_like_text_in_a_batchs_first_cell_is_defused(tmp_path, first):
    rows = [[first, "x"], ["plain", "y"]]
    written, _ = written_file(tmp_path / "w.csv", ["a", "b"], rows, writers.DefaultDialect)
    columns, _ = written_from_column_batches(
        tmp_path / "c.csv", ["a", "b"], rows, writers.DefaultDialect, [2]
    )

    assert written.splitlines()[1] == f'"\'{first}","x"'.encode()
    assert columns == written


def test_columns_marked_as_cents_and_rates_are_written_alike_in_every_dialect(tmp_path):
    cents = Cents((Decimal("12.50"), None, Decimal("-0.30")))
    rates = Rates((Decimal("19.00"), Decimal("7.50"), None))
    batch = [cents, rates, ["a", "b", "c"]]
    rows = [[Decimal("12.50"), "19", "a"], [None, "7.5", "b"], [Decimal("-0.30"), None, "c"]]
    for dialect in writers.SHEET_DIALECTS.values():
        expected = expected_file(tmp_path / "expected.csv", ["x", "y", "z"], rows, dialect)
        table = Table.of_column_batches(["x", "y", "z"], 3, [batch])
        writers.write_csv_table(tmp_path / "w.csv", table, dialect, lambda _rows: None)
        assert (tmp_path / "w.csv").read_bytes() == expected


def test_a_batch_without_any_value_is_written_whole(tmp_path):
    rows = [[None, None]] * 3
    expected = expected_file(tmp_path / "expected.csv", ["x", "y"], rows, writers.DefaultDialect)
    written, _ = written_from_column_batches(
        tmp_path / "c.csv", ["x", "y"], rows, writers.DefaultDialect, [1, 2]
    )
    assert written == expected
    assert written.splitlines()[1:] == [b'"",""'] * 3


def test_a_column_marked_as_cents_is_written_as_its_text():
    column = Cents((Decimal("12.50"), Decimal("0.00")))
    assert writers.csv_column(column) == ["12.50", "0.00"]
    assert writers.csv_column((Decimal("12.5"),)) == ["12.50"]


def test_a_column_marked_as_rates_is_written_without_trailing_zeros():
    column = Rates((Decimal("19.00"), Decimal("7.50"), None, Decimal("0.00")))
    assert writers.csv_column(column) == ["19", "7.5", None, "0"]


def test_whole_numbers_are_bare_and_decimals_quoted_in_the_default_dialect(tmp_path):
    rows = [["a", 2, Decimal("299.9"), None]]
    written, _ = written_file(tmp_path / "w.csv", ["x"], rows, writers.DefaultDialect)
    assert written.splitlines()[1] == b'"a",2,"299.90",""'
