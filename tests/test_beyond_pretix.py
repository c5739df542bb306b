"""B: cancel, my exports, resumable downloads, OpenAPI, health, cleanup."""

import os
import re
import time

from .conftest import path_of, wait_for


def start(client, demo, fmt="orders:default"):
    return client.post(
        demo.event_url("orderlist/run/"), headers=demo.headers(), json={"_format": fmt}
    )


# Cancel ---------------------------------------------------------------
def test_cancel_a_waiting_export(client, demo, run_jobs, export_dir):
    url = path_of(start(client, demo).json["download"])
    start(client, demo)
    assert client.delete(url, headers=demo.headers()).status_code == 204
    response = client.get(url, headers=demo.headers())
    assert response.status_code == 410
    assert response.json == {"status": "failed", "message": "Export canceled."}
    before = set(export_dir.iterdir())
    run_jobs()
    assert client.get(url, headers=demo.headers()).json["message"] == "Export canceled."
    file_id = url.rstrip("/").rsplit("/", 1)[1]
    assert not (export_dir / file_id).exists()
    assert len(set(export_dir.iterdir()) - before) == 1  # only the other export's file


def test_cancel_a_running_export_stops_it_and_leaves_no_file(
    client, festival, worker_process, export_dir
):
    response = client.post(festival.run_url(), headers=festival.headers, json={"_format": "xlsx"})
    url = path_of(response.json["download"])
    running = wait_for(
        client,
        url,
        festival.headers,
        lambda r: r.status_code == 409 and (r.json["percentage"] or 0) >= 5,
    )
    assert running.status_code == 409, running.json
    assert client.delete(url, headers=festival.headers).status_code == 204
    canceled_at = time.monotonic()
    assert client.get(url, headers=festival.headers).json == {
        "status": "failed",
        "message": "Export canceled.",
    }
    file_id = url.rstrip("/").rsplit("/", 1)[1]
    while list(export_dir.glob(f"*{file_id}*")) and time.monotonic() - canceled_at < 5:
        time.sleep(0.05)
    assert not list(export_dir.glob(f"*{file_id}*")), "no partial or final file remains"
    assert time.monotonic() - canceled_at < 3, "the job stopped within a few seconds"


def test_cancel_by_another_token_is_refused(client, demo, app):
    url = path_of(start(client, demo).json["download"])
    response = client.delete(url, headers=demo.headers("limited"))
    assert response.status_code == 410
    assert client.get(url, headers=demo.headers()).status_code == 409


def test_deleting_a_finished_export_removes_its_file(client, demo, run_jobs, export_dir):
    url = path_of(start(client, demo).json["download"])
    run_jobs()
    assert client.get(url, headers=demo.headers()).status_code == 200
    assert client.delete(url, headers=demo.headers()).status_code == 204
    assert client.get(url, headers=demo.headers()).status_code == 404
    file_id = url.rstrip("/").rsplit("/", 1)[1]
    assert not (export_dir / file_id).exists()


# My exports ---------------------------------------------------------------
def test_my_exports_lists_this_tokens_exports_newest_first(client, demo, run_jobs):
    first = start(client, demo, "xlsx").json["download"]
    time.sleep(1.1)  # records are ordered by their start time
    second = start(client, demo, "fees:semicolon").json["download"]
    client.post(
        demo.event_url("orderlist/run/"), headers=demo.headers("limited"), json={"_format": "xlsx"}
    )
    run_jobs()
    response = client.get("/api/v1/organizers/bigevents/exports/", headers=demo.headers())
    assert response.status_code == 200
    body = response.json
    assert body["count"] == 2 and body["next"] is None
    assert [r["download"] for r in body["results"]] == [second, first]
    newest = body["results"][0]
    assert newest["identifier"] == "orderlist"
    assert newest["event"] == "sampleconf"
    assert newest["parameters"] == {"_format": "fees:semicolon"}
    assert newest["status"] == "finished"
    assert newest["percentage"] == 100
    assert newest["size"] > 0
    assert newest["filename"] == "sampleconf_orders.csv"
    assert newest["created"] and newest["finished"]


def test_my_exports_of_another_organizer_is_403(client, demo):
    response = client.get("/api/v1/organizers/otherorg/exports/", headers=demo.headers())
    assert response.status_code == 403
    response = client.get("/api/v1/organizers/bigevents/exports/?page=2", headers=demo.headers())
    assert response.status_code == 404


# Resumable downloads ---------------------------------------------------------------
def test_etag_if_none_match_and_ranges(client, demo, run_jobs):
    url = path_of(start(client, demo).json["download"])
    run_jobs()
    full = client.get(url, headers=demo.headers())
    etag = full.headers["ETag"]
    assert etag
    not_modified = client.get(url, headers={**demo.headers(), "If-None-Match": etag})
    assert not_modified.status_code == 304
    partial = client.get(url, headers={**demo.headers(), "Range": "bytes=10-109"})
    assert partial.status_code == 206
    assert partial.data == full.data[10:110]
    assert partial.headers["Content-Range"] == f"bytes 10-109/{len(full.data)}"
    size = len(full.data)
    bad = client.get(url, headers={**demo.headers(), "Range": f"bytes={size + 10}-{size + 20}"})
    assert bad.status_code == 416


# OpenAPI and health ---------------------------------------------------------------
def test_openapi_describes_every_endpoint_and_status(client):
    spec = client.get("/api/v1/openapi.json").json
    paths = spec["paths"]
    run = paths["/api/v1/organizers/{organizer}/events/{event}/exporters/{identifier}/run/"]
    assert {"202", "400", "401", "403", "404", "429", "503"} <= set(run["post"]["responses"])
    download = paths[
        "/api/v1/organizers/{organizer}/events/{event}/exporters/{identifier}/download/"
        "{job_id}/{file_id}/"
    ]
    assert {"200", "404", "409", "410"} <= set(download["get"]["responses"])
    assert "204" in download["delete"]["responses"]
    assert "/api/v1/organizers/{organizer}/exports/" in paths
    assert "/healthz" in paths


def test_reference_page_needs_no_external_assets(client):
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "http://" not in html and "https://" not in html
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert {"/api/v1/docs/assets/swagger-ui-bundle.js", "/api/v1/docs/initializer.js"} <= set(
        assets
    )
    for asset in assets:
        assert asset.startswith("/api/v1/"), asset
        assert client.get(asset).status_code == 200, asset
    assert "/api/v1/openapi.json" in client.get("/api/v1/docs/initializer.js").get_data(True)
    assert client.get("/api/v1/docs/assets/..%2Fsecret").status_code == 404


def test_health_reports_redis_database_and_workers(client, worker_process):
    deadline = time.monotonic() + 10
    while True:
        response = client.get("/healthz")
        if response.json["workers"] or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert response.status_code == 200
    assert response.json["redis"] == "ok" and response.json["database"] == "ok"
    assert response.json["workers"] >= 1


def test_workers_yield_the_cpu_to_the_web_processes(start_worker):
    """Exports run below the web's priority: WORKER_NICENESS (5 unless set) is added."""
    own = os.getpriority(os.PRIO_PROCESS, 0)
    default = start_worker()
    gentler = start_worker(WORKER_NICENESS="9")

    def niceness(process):
        return os.getpriority(os.PRIO_PROCESS, process.pid)

    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and own in (niceness(default), niceness(gentler)):
        time.sleep(0.1)
    assert niceness(default) == min(own + 5, 19)
    assert niceness(gentler) == min(own + 9, 19)
