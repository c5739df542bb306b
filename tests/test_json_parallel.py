"""The ``json`` file of a big event, its orders written in runs by forked processes: byte
for byte the file one process writes, on PostgreSQL and through a real export job."""

import json
import os
import signal
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select, update

from service import create_app
from service.exporters import json_export
from service.exporters.base import ExportScope
from service.exporters.json_export import JSONExporter
from service.exporters.parallel import PartFailed, pieces_left_to_storage
from service.files import pieces_of
from service.store import create_all, get_engine, get_session, queries
from service.store.demo import generate_demo_data
from service.store.models import Event, Order, Organizer

from .conftest import REDIS_URL, path_of

ORDERS = 150
# Orders share a datetime in groups of 40 (by datetime, id): the runs' boundaries at 2 and
# 3 processes (after the 50th, 75th and 100th order) fall inside such groups.
GROUP = 40


@pytest.fixture
def store(postgres_schemas, tmp_path):
    """An app on a fresh PostgreSQL schema with a demo event whose orders come in groups of
    equal datetimes."""
    app = create_app(
        {
            "DATABASE_URL": postgres_schemas("json_parallel"),
            "REDIS_URL": REDIS_URL,
            "EXPORT_DIR": str(tmp_path / "exports"),
            "SERVER_NAME": "testserver",
        }
    )
    with app.app_context():
        create_all(get_engine())
        session = get_session()
        generate_demo_data(session, "bigevents", "sampleconf", orders=ORDERS, seed=5)
        event = session.scalar(select(Event).where(Event.slug == "sampleconf"))
        ids = session.scalars(
            select(Order.id).where(Order.event_id == event.id).order_by(Order.datetime, Order.id)
        ).all()
        start = datetime(2026, 3, 1, 12, 0, 0, 250_000)
        for rank, order_id in enumerate(ids):
            moment = start + timedelta(hours=rank // GROUP)
            session.execute(update(Order).where(Order.id == order_id).values(datetime=moment))
        session.commit()
    yield app
    with app.app_context():
        get_engine().dispose()


def exporter() -> JSONExporter:
    session = get_session()
    event = session.scalar(select(Event).where(Event.slug == "sampleconf"))
    organizer = session.get(Organizer, event.organizer_id)
    return JSONExporter(session, ExportScope(organizer, [event], event))


@pytest.fixture
def split_in(monkeypatch):
    """Lowers the threshold and sets the number of cores; records the parts of each write."""
    written = []
    real = json_export.parts_written_in_parallel

    def recorded(path, parts, progress, in_child):
        written.append(len(parts))
        return real(path, parts, progress, in_child)

    monkeypatch.setattr(json_export, "parts_written_in_parallel", recorded)

    def split(cores: int) -> list[int]:
        monkeypatch.setattr(json_export, "SPLIT_MIN_ORDERS", 1)
        monkeypatch.setattr(os, "cpu_count", lambda: cores)
        return written

    return split


def write(path) -> bytes:
    fractions = []
    exporter().write({}, path, fractions.append)
    assert fractions == sorted(fractions)
    return path.read_bytes()


def test_boundaries_of_runs_fall_among_equal_datetimes(store):
    with store.app_context():
        session = get_session()
        event = session.scalar(select(Event).where(Event.slug == "sampleconf"))
        flt = queries.OrderFilter(event_ids=[event.id])
        for parts in (2, 3):
            keys = queries.split_keys(session, flt, parts, ORDERS)
            assert len(keys) == parts - 1
            for moment, order_id in keys:
                same = session.scalars(select(Order.id).where(Order.datetime == moment)).all()
                assert min(same) < order_id < max(same), "orders of its datetime on both sides"


@pytest.mark.parametrize("cores", [2, 3])
def test_orders_written_in_runs_give_the_same_bytes(store, tmp_path, split_in, cores):
    with store.app_context():
        whole = write(tmp_path / "whole.json")
        written = split_in(cores)
        assert written == []
        split = write(tmp_path / "split.json")
    assert written == [cores]
    assert split == whole
    document = json.loads(whole)["event"]
    assert len(document["orders"]) == ORDERS
    assert len({o["code"] for o in document["orders"]}) == ORDERS
    assert sorted(p.name for p in tmp_path.iterdir()) == ["split.json", "whole.json"]


def test_runs_left_as_pieces_join_to_the_same_bytes(store, tmp_path, split_in):
    with store.app_context():
        whole = write(tmp_path / "whole.json")
        written = split_in(3)
        path = tmp_path / ".result.partial"
        with pieces_left_to_storage():
            exporter().write({}, path, lambda fraction: None)
    assert written == [3]
    pieces = pieces_of(path)
    assert [p.name for p in pieces] == [f".result.piece{n}.partial" for n in (1, 2, 3)]
    assert b"".join(p.read_bytes() for p in pieces) == whole
    assert sorted(tmp_path.iterdir()) == sorted([*pieces, tmp_path / "whole.json"])


def test_an_empty_run_leaves_no_stray_separator(store, tmp_path, split_in, monkeypatch):
    """Orders gone between the split and the writing (here: one run reads nothing)."""
    with store.app_context():
        whole = json.loads(write(tmp_path / "whole.json"))
        split_in(3)
        runs = JSONExporter._runs
        for gone in range(3):

            def without_one(self, event_id, total, gone=gone):
                found = runs(self, event_id, total)
                flt, size = found[gone]
                found[gone] = (queries.OrderFilter([-1], after=flt.after, until=flt.until), 0)
                return found

            monkeypatch.setattr(JSONExporter, "_runs", without_one)
            text = write(tmp_path / f"without{gone}.json")
            document = json.loads(text)
            missing = [o for o in whole["event"]["orders"] if o not in document["event"]["orders"]]
            assert len(missing) == ORDERS // 3
            assert len(document["event"]["orders"]) == ORDERS - ORDERS // 3
            assert document["event"]["quotas"] == whole["event"]["quotas"]


def fail_in_oldest_run(how):
    real = JSONExporter._write_run

    def failing(self, flt, size, head, target, begin, count):
        if flt.after is None:
            begin(size)
            target.write_text(head + '{"code": "half')
            how()
        real(self, flt, size, head, target, begin, count)

    return failing


def raise_error():
    raise RuntimeError("the oldest run could not be written")


def kill_itself():
    os.kill(os.getpid(), signal.SIGKILL)


@pytest.mark.parametrize(
    "how, message", [(raise_error, "RuntimeError: the oldest run"), (kill_itself, "-9")]
)
def test_a_failing_run_fails_the_export_and_leaves_no_files(
    store, tmp_path, split_in, monkeypatch, how, message
):
    monkeypatch.setattr(JSONExporter, "_write_run", fail_in_oldest_run(how))
    split_in(2)
    with store.app_context():
        with pytest.raises(PartFailed, match=message):
            exporter().write({}, tmp_path / ".result.partial", lambda fraction: None)
        with pytest.raises(PartFailed, match=message):
            with pieces_left_to_storage():
                exporter().write({}, tmp_path / ".result.partial", lambda fraction: None)
    assert list(tmp_path.iterdir()) == []


def test_an_export_job_split_in_runs_gives_the_same_download(
    client, demo, run_jobs, split_in, export_dir
):
    def download() -> bytes:
        response = client.post(demo.event_url("json/run/"), headers=demo.headers(), json={})
        run_jobs()
        result = client.get(path_of(response.json["download"]), headers=demo.headers())
        assert result.status_code == 200, result.json
        return result.data

    whole = download()
    written = split_in(3)
    split = download()
    assert written == [3]
    assert split == whole
    assert not [p for p in export_dir.iterdir() if p.name.endswith(".partial")]
