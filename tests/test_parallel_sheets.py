"""Workbooks whose sheets are written in parallel child processes."""

import os
import signal
import time

import openpyxl
import pytest

from service.exporters import writers
from service.exporters.base import ExportScope
from service.exporters.orderlist import OrderListExporter
from service.exporters.parallel import write_xlsx_in_parallel
from service.store import get_session
from service.store.models import Event, Organizer

from .conftest import path_of


def read(path) -> list:
    workbook = openpyxl.load_workbook(path)
    return [
        (sheet.title, [[(c.value, c.is_date) for c in row] for row in sheet.iter_rows()])
        for sheet in workbook.worksheets
    ]


def test_parallel_and_sequential_workbooks_hold_the_same_cells(app, demo, tmp_path):
    with app.app_context():
        session = get_session()
        event = session.query(Event).filter_by(slug=demo.event).first()
        organizer = session.get(Organizer, event.organizer_id)
        exporter = OrderListExporter(session, ExportScope(organizer, [event], event))
        form = {"_format": "xlsx", "include_payment_amounts": True}
        sheets = [(title, exporter._table_factory(key, form)) for key, title in exporter.sheets]
        runs = [(title, [make_table]) for title, make_table in sheets]
        fractions = []
        write_xlsx_in_parallel(
            tmp_path / "parallel.xlsx", runs, fractions.append, in_child=exporter._own_session
        )
        writers.write_xlsx(tmp_path / "sequential.xlsx", sheets, lambda fraction: None)
    assert read(tmp_path / "parallel.xlsx") == read(tmp_path / "sequential.xlsx")
    assert fractions == sorted(fractions)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["parallel.xlsx", "sequential.xlsx"]


@pytest.mark.parametrize(
    "identifier, message",
    [
        ("second_sheet_fails", "The second sheet could not be made."),
        ("second_sheet_crashes", "Internal error"),
    ],
)
def test_a_failing_sheet_fails_the_export_and_leaves_no_files(
    client, demo, run_jobs, export_dir, failing_exporters, identifier, message
):
    before = set(export_dir.iterdir())
    response = client.post(
        demo.event_url(f"{identifier}/run/"), headers=demo.headers(), json={"_format": "xlsx"}
    )
    run_jobs()
    result = client.get(path_of(response.json["download"]), headers=demo.headers())
    assert result.status_code == 410
    assert result.json == {"status": "failed", "message": message}
    assert set(export_dir.iterdir()) == before


@pytest.mark.parametrize(
    "fmt, amounts",
    [
        ("orders:default", True),
        ("orders:default", False),
        ("positions:excel", True),
        ("fees:semicolon", True),
    ],
)
def test_a_csv_sheet_split_into_runs_of_orders_is_byte_identical(
    app, client, demo, run_jobs, monkeypatch, fmt, amounts
):
    from service.exporters import orderlist

    body = {"_format": fmt, "include_payment_amounts": amounts}

    def export() -> bytes:
        url = path_of(
            client.post(demo.event_url("orderlist/run/"), headers=demo.headers(), json=body).json[
                "download"
            ]
        )
        run_jobs()
        response = client.get(url, headers=demo.headers())
        assert response.status_code == 200
        return response.data

    whole = export()
    monkeypatch.setattr(orderlist, "SPLIT_MIN_ORDERS", 1)
    with app.app_context():
        session = get_session()
        event = session.query(Event).filter_by(slug=demo.event).first()
        organizer = session.get(Organizer, event.organizer_id)
        exporter = OrderListExporter(session, ExportScope(organizer, [event], event))
        runs = exporter.split(fmt.split(":")[0], {"_format": fmt}, 2)
    assert runs and len(runs) == 2, "the demo event is split in two runs"
    split = export()
    assert split == whole
    assert whole.count(b"\r\n") > 10


def test_a_part_whose_process_is_killed_fails_the_write_and_leaves_no_files(tmp_path):
    from service.exporters.parallel import PartFailed, parts_written_in_parallel

    def fine(target, begin, count):
        begin(1)
        target.write_bytes(b"fine\n")
        count(1)

    def killed(target, begin, count):
        begin(1)
        target.write_bytes(b"half")
        os.kill(os.getpid(), signal.SIGKILL)

    path = tmp_path / "export.partial"
    started = time.monotonic()
    with pytest.raises(PartFailed, match="-9"):
        with parts_written_in_parallel(path, [fine, killed], lambda f: None, lambda: None):
            pytest.fail("the parts must not be handed over")
    assert time.monotonic() - started < 10
    assert list(tmp_path.iterdir()) == []
