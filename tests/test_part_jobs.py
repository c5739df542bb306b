"""A big CSV sheet cut into parts that real worker processes take as jobs, meeting in S3
(moto's server over HTTP): the file is the one a single process writes, byte for byte,
several workers wrote parts of it, and a part whose writer was lost is written again."""

import io
import json
import time
import zipfile

import pytest

from service import records
from service.jobs import part_claims, part_writers

from .conftest import path_of, s3_app_for

PARTS = 3


@pytest.fixture
def spread_app(app, demo, redis, s3_server, bucket, tmp_path):
    """Results in S3; big CSV sheets (here: of any size) cut into three part jobs."""
    return s3_app_for(
        app, s3_server, bucket, tmp_path, EXPORT_PART_JOBS=PARTS, EXPORT_SPLIT_MIN_ORDERS=1
    )


def worker_env(spread_app, s3_server, tmp_path, name: str) -> dict:
    scratch = tmp_path / name
    scratch.mkdir()
    return {
        "EXPORT_STORAGE": spread_app.config["EXPORT_STORAGE"],
        "S3_ENDPOINT_URL": s3_server.url,
        "EXPORT_SCRATCH_DIR": str(scratch),
        "EXPORT_QUEUE": spread_app.config["EXPORT_QUEUE"],
        "EXPORT_PART_JOBS": str(PARTS),
        "EXPORT_SPLIT_MIN_ORDERS": "1",
    }


def one_process_file(app, demo, run_jobs, body: dict) -> bytes:
    client = app.test_client()
    answer = client.post(demo.event_url("orderlist/run/"), headers=demo.headers(), json=body)
    run_jobs()
    return client.get(path_of(answer.json["download"]), headers=demo.headers()).data


def start(spread_app, demo, body: dict) -> str:
    answer = spread_app.test_client().post(
        demo.event_url("orderlist/run/"), headers=demo.headers(), json=body
    )
    assert answer.status_code == 202, answer.json
    return path_of(answer.json["download"])


def download(spread_app, demo, url: str, timeout: float = 90) -> bytes:
    client = spread_app.test_client()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        answer = client.get(url, headers=demo.headers())
        if answer.status_code == 200:
            return answer.data
        assert answer.status_code == 409, answer.json
        time.sleep(0.1)
    raise AssertionError("the export did not finish")


def file_id_of(url: str) -> str:
    return url.rstrip("/").rsplit("/", 1)[1]


def entries(workbook: bytes) -> dict[str, bytes]:
    """A workbook's entries as they inflate (where a run was cut changes how they deflate)."""
    with zipfile.ZipFile(io.BytesIO(workbook)) as archive:
        assert archive.testzip() is None  # every entry's CRC-32 checks out
        return {name: archive.read(name) for name in archive.namelist()}


@pytest.mark.parametrize("fmt", ["positions:default", "orders:semicolon", "xlsx"])
def test_parts_written_by_several_workers_make_the_one_process_file(
    app, demo, run_jobs, spread_app, s3_server, bucket, start_worker, tmp_path, fmt
):
    body = {"_format": fmt}
    expected = one_process_file(app, demo, run_jobs, body)
    for name in ("host-a", "host-b", "host-c"):
        start_worker(**worker_env(spread_app, s3_server, tmp_path, name))
    url = start(spread_app, demo, body)
    written = download(spread_app, demo, url)
    if fmt == "xlsx":
        assert entries(written) == entries(expected)
        assert list(entries(written)) == list(entries(expected))
    else:
        assert written == expected
    with spread_app.app_context():
        written_by = json.loads(records.load(file_id_of(url))["parts_by"])
    # Three sheets of three runs each for the workbook.
    assert sorted(written_by, key=int) == [str(n) for n in range(1, (10 if fmt == "xlsx" else 4))]
    assert len(set(written_by.values())) >= 2, written_by
    listing = s3_server.client().list_objects_v2(Bucket=bucket).get("Contents", [])
    assert [item["Key"] for item in listing] == [f"exports/{file_id_of(url)}"]
    for name in ("host-a", "host-b", "host-c"):
        assert list((tmp_path / name).iterdir()) == []


def test_a_part_whose_writer_was_lost_is_written_again(
    app, demo, run_jobs, spread_app, s3_server, bucket, start_worker, tmp_path, redis
):
    """The first part is claimed, as soon as the parts are described, by a worker that then
    goes silent (its claim is never renewed, as when its host is lost). One worker runs the
    export: it writes the other parts, and the first once the claim has lapsed."""
    body = {"_format": "positions:excel"}
    expected = one_process_file(app, demo, run_jobs, body)
    start_worker(**worker_env(spread_app, s3_server, tmp_path, "host-a"))
    url = start(spread_app, demo, body)
    specs = part_writers.SPEC_KEY.format(file_id=file_id_of(url))
    deadline = time.monotonic() + 30
    while not redis.exists(specs) and time.monotonic() < deadline:
        time.sleep(0.002)
    claim = part_claims.CLAIM_KEY.format(file_id=file_id_of(url), number=1)
    assert redis.set(claim, "lost-host:1", nx=True, ex=3)
    claimed = time.monotonic()
    assert download(spread_app, demo, url) == expected
    assert time.monotonic() - claimed >= 2.5  # not before the claim lapsed
    with spread_app.app_context():
        written_by = json.loads(records.load(file_id_of(url))["parts_by"])
    assert set(written_by) == {"1", "2", "3"}
    assert len(set(written_by.values())) == 1  # all by the one worker
    assert "lost-host:1" not in written_by.values()
