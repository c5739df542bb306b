"""Faults caused for real: killed workers, Redis or the store going away, storage that
cannot be written, exports past their time limit. Nothing hangs, nothing leaks."""

import os
import signal
import time
import uuid

import pytest

from service import create_app, jobs

from .conftest import path_of, wait_for
from .processes import child_pids, free_port


def is_gone(response) -> bool:
    return response.status_code != 409


# Worker killed mid-export ------------------------------------------------------------------
def test_worker_killed_mid_export_ends_as_410_and_a_new_worker_carries_on(
    client, festival, start_worker, export_dir
):
    worker = start_worker()
    response = client.post(
        festival.run_url(), headers=festival.headers, json={"_format": "positions:default"}
    )
    url = path_of(response.json["download"])
    running = wait_for(
        client,
        url,
        festival.headers,
        lambda r: r.status_code == 409 and (r.json["percentage"] or 0) >= 3,
    )
    assert running.json["status"] == "running", running.json
    file_id = url.rstrip("/").rsplit("/", 1)[1]
    assert list(export_dir.glob(f".{file_id}*")), "the export is being written"

    # A lost machine or the OOM killer takes the worker and its work horse (RQ runs the
    # horse in its own session, so its process group has to be killed separately).
    groups = {os.getpgid(pid) for pid in [worker.pid, *child_pids(worker.pid)]}
    for group in groups:
        os.killpg(group, signal.SIGKILL)
    worker.wait(timeout=10)
    killed_at = time.monotonic()
    ended = wait_for(client, url, festival.headers, is_gone, timeout=60, interval=0.5)
    assert ended.status_code == 410
    assert ended.json == {"status": "failed", "message": jobs.WORKER_LOST}
    assert time.monotonic() - killed_at < jobs.ALIVE_SECONDS + 5
    assert not list(export_dir.glob(f"*{file_id}*")), "the partial file is gone"

    start_worker()
    response = client.post(
        festival.run_url(), headers=festival.headers, json={"_format": "fees:default"}
    )
    assert response.status_code == 202, "the dead export no longer holds a fair-use slot"
    done = wait_for(client, path_of(response.json["download"]), festival.headers, is_gone)
    assert done.status_code == 200


# Expected and unexpected failures are covered in test_api_download.py.


# Time limit -----------------------------------------------------------------------------------
def test_export_past_its_time_limit_is_410_took_too_long(client, festival, start_worker):
    """The worker's own EXPORT_TIMEOUT holds, whatever the web process has set."""
    start_worker(EXPORT_TIMEOUT="1")
    response = client.post(festival.run_url(), headers=festival.headers, json={"_format": "xlsx"})
    ended = wait_for(client, path_of(response.json["download"]), festival.headers, is_gone)
    assert ended.status_code == 410
    assert ended.json == {"status": "failed", "message": "Export took too long."}


# Storage -----------------------------------------------------------------------------------------
def test_export_dir_not_writable_fails_with_a_message_and_the_worker_survives(
    client, demo, start_worker, tmp_path
):
    not_a_directory = tmp_path / "exports-is-a-file"
    not_a_directory.write_text("")
    worker = start_worker(EXPORT_DIR=str(not_a_directory))
    response = client.post(
        demo.event_url("orderlist/run/"), headers=demo.headers(), json={"_format": "xlsx"}
    )
    ended = wait_for(client, path_of(response.json["download"]), demo.headers(), is_gone)
    assert ended.status_code == 410
    assert ended.json == {"status": "failed", "message": jobs.STORAGE_FAILED}
    assert worker.poll() is None, "the worker process is still running"


@pytest.fixture
def tiny_disk(tmpfs):
    return tmpfs("256k")


def test_disk_full_fails_with_a_message_and_leaves_no_partial_file(
    client, festival, start_worker, tiny_disk
):
    worker = start_worker(EXPORT_DIR=str(tiny_disk))
    response = client.post(
        festival.run_url(), headers=festival.headers, json={"_format": "positions:default"}
    )
    ended = wait_for(client, path_of(response.json["download"]), festival.headers, is_gone)
    assert ended.status_code == 410
    assert ended.json == {"status": "failed", "message": jobs.DISK_FULL}
    assert list(tiny_disk.iterdir()) == []
    assert worker.poll() is None


# Redis goes away and comes back ------------------------------------------------------------------
def test_redis_down_gives_503_quickly_and_recovers_without_restart(
    store_url, export_dir, demo, own_redis
):
    app = create_app(
        {
            "DATABASE_URL": store_url,
            "REDIS_URL": own_redis.url,
            "EXPORT_DIR": str(export_dir),
            "SERVER_NAME": "testserver",
        }
    )
    client = app.test_client()
    run_url = demo.event_url("orderlist/run/")
    body = {"_format": "xlsx"}
    first = client.post(run_url, headers=demo.headers(), json=body)
    assert first.status_code == 202

    own_redis.stop()
    for call in (
        lambda: client.post(run_url, headers=demo.headers(), json=body),
        lambda: client.get(path_of(first.json["download"]), headers=demo.headers()),
        lambda: client.get("/api/v1/organizers/bigevents/exports/", headers=demo.headers()),
    ):
        began = time.monotonic()
        response = call()
        assert response.status_code == 503
        assert set(response.json) == {"detail"}
        assert int(response.headers["Retry-After"]) > 0
        assert time.monotonic() - began < 5
    health = client.get("/healthz")
    assert health.status_code == 503
    assert health.json["redis"].startswith("unavailable")

    own_redis.start()
    assert client.post(run_url, headers=demo.headers(), json=body).status_code == 202
    health = client.get("/healthz")
    assert health.json["redis"] == "ok" and health.json["database"] == "ok"
    assert health.status_code == 503, "no worker is running on this Redis"
    assert health.json["unavailable"] == ["workers"]


def test_store_down_gives_503_quickly(export_dir, demo, redis):
    app = create_app(
        {
            "DATABASE_URL": f"postgresql://postgres@127.0.0.1:{free_port()}/test",
            "REDIS_URL": "redis://127.0.0.1:6379/9",
            "EXPORT_DIR": str(export_dir),
            "SERVER_NAME": "testserver",
        }
    )
    client = app.test_client()
    began = time.monotonic()
    response = client.get(demo.event_url(), headers=demo.headers())
    assert response.status_code == 503
    assert set(response.json) == {"detail"}
    assert response.headers["Retry-After"]
    assert time.monotonic() - began < 5
    health = client.get("/healthz")
    assert health.status_code == 503
    assert health.json["database"].startswith("unavailable")


# Bad input ----------------------------------------------------------------------------------------
BAD_SLUGS = [
    "..",
    "%2e%2e",
    "a%2Fb",
    "a%00b",
    "x" * 5000,
    "\u00fcml\u00e4ut",
    "-leading-dash",
    "with space",
    "%5C..%5Cwindows",
]


@pytest.mark.parametrize("slug", BAD_SLUGS)
def test_bad_organizer_and_event_slugs_never_500(client, demo, slug):
    urls = [
        f"/api/v1/organizers/{slug}/exporters/",
        f"/api/v1/organizers/bigevents/events/{slug}/exporters/",
        f"/api/v1/organizers/bigevents/events/sampleconf/exporters/{slug}/",
        f"/api/v1/organizers/bigevents/events/sampleconf/exporters/orderlist/download/{slug}/{slug}/",
    ]
    for url in urls:
        response = client.get(url, headers=demo.headers())
        assert response.status_code in (403, 404), (url, response.status_code)
        assert response.is_json


@pytest.mark.parametrize(
    "value",
    ["../../etc/passwd", "a\x00b", "x" * 10000, "\u00fc\u00f1\u00ee", {"nested": [[[[]]]]}, 1e308],
)
def test_strange_parameter_values_are_400_not_500(client, demo, value, export_dir):
    before = set(export_dir.iterdir())
    for name in ("_format", "paid_only", "date_range", "items", "date_from"):
        response = client.post(
            demo.event_url("orderlist/run/"),
            headers=demo.headers(),
            json={"_format": "xlsx", name: value},
        )
        assert response.status_code == 400, (name, value, response.json)
        assert name in response.json
    assert set(export_dir.iterdir()) == before


def test_deeply_nested_json_is_400(client, demo):
    body = '{"_format": ' + "[" * 50000 + "]" * 50000 + "}"
    response = client.post(
        demo.event_url("orderlist/run/"),
        headers=demo.headers(),
        data=body,
        content_type="application/json",
    )
    assert response.status_code in (400, 413)
    assert set(response.json) == {"detail"}


@pytest.mark.parametrize(
    "headers",
    [
        {"Authorization": "Token\x00abc"},
        {"Authorization": "Token " + "\u00e9" * 40},
        {"Authorization": "Basic dXNlcjpwYXNz"},
        {"Authorization": "Token abc", "Content-Length": "abc"},
    ],
)
def test_malformed_headers_are_4xx(client, demo, headers):
    response = client.get(demo.event_url(), headers=headers)
    assert 400 <= response.status_code < 500
    assert response.is_json


def test_every_run_creates_unguessable_ids(client, demo):
    urls = {
        client.post(
            demo.event_url("orderlist/run/"), headers=demo.headers(), json={"_format": "xlsx"}
        ).json["download"]
        for _ in range(5)
    }
    ids = [part for url in urls for part in url.rstrip("/").rsplit("/", 2)[1:]]
    assert len(set(ids)) == 10
    assert all(uuid.UUID(i).version == 4 for i in ids)
