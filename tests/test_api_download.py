"""A4: polling and downloading, from the first 409 to the file, and every way it ends."""

import logging
import time

import pytest

from service import files

from .conftest import path_of


def start(client, demo, body=None, identifier="orderlist", headers=None):
    response = client.post(
        demo.event_url(f"{identifier}/run/"),
        headers=headers or demo.headers(),
        json=body or {"_format": "orders:default"},
    )
    assert response.status_code == 202, response.json
    return path_of(response.json["download"])


def test_waiting_then_the_file(client, demo, run_jobs):
    url = start(client, demo, {"_format": "xlsx"})
    waiting = client.get(url, headers=demo.headers())
    assert waiting.status_code == 409
    assert waiting.json == {"status": "waiting", "percentage": None}
    run_jobs()
    response = client.get(url, headers=demo.headers())
    assert response.status_code == 200
    assert response.headers["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert (
        response.headers["Content-Disposition"] == 'attachment; filename="sampleconf_orders.xlsx"'
    )
    assert int(response.headers["Content-Length"]) == len(response.data) > 1000
    assert response.data[:2] == b"PK"


def test_csv_download_headers(client, demo, run_jobs):
    url = start(client, demo, {"_format": "positions:semicolon"})
    run_jobs()
    response = client.get(url, headers=demo.headers())
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/csv")
    assert response.headers["Content-Disposition"] == 'attachment; filename="sampleconf_orders.csv"'


def test_the_file_is_bound_to_the_token_that_started_it(client, demo, run_jobs, app):
    from service.auth import create_team_token
    from service.store import get_session
    from service.store.models import Organizer

    with app.app_context():
        session = get_session()
        organizer = session.query(Organizer).filter_by(slug=demo.organizer).one()
        colleague = {"Authorization": f"Token {create_team_token(session, organizer, 'x')}"}
        session.commit()
    url = start(client, demo)
    run_jobs()
    response = client.get(url, headers=colleague)
    assert response.status_code == 410
    assert response.json == {"status": "failed", "message": "Unknown file ID or export failed"}
    assert client.get(url, headers=demo.headers("other")).status_code == 403
    assert client.get(url).status_code == 401
    assert client.get(url, headers=demo.headers()).status_code == 200


@pytest.mark.parametrize(
    "mangle",
    [
        lambda job, file: (job, "not-a-uuid"),
        lambda job, file: (job, "00000000-0000-4000-8000-000000000000"),
        lambda job, file: ("00000000-0000-4000-8000-000000000000", file),
        lambda job, file: (job, file[:-1] + "%00"),
        lambda job, file: (job, ".." + file),
        lambda job, file: (file, job),
    ],
)
def test_unknown_or_malformed_ids_are_404(client, demo, mangle):
    url = start(client, demo)
    prefix, job_id, file_id, _ = url.rsplit("/", 3)
    bad_job, bad_file = mangle(job_id, file_id)
    response = client.get(f"{prefix}/{bad_job}/{bad_file}/", headers=demo.headers())
    assert response.status_code == 404
    assert response.json == {"detail": "Not found."}


def test_a_download_url_only_works_under_its_own_exporter_and_event(client, demo):
    url = start(client, demo)
    organizer_level = url.replace("/events/sampleconf", "")
    assert client.get(organizer_level, headers=demo.headers()).status_code == 404


def test_expected_failure_is_410_with_the_exporters_message(
    client, demo, run_jobs, failing_exporters
):
    url = start(client, demo, {"_format": "default"}, identifier="always_empty")
    run_jobs()
    response = client.get(url, headers=demo.headers())
    assert response.status_code == 410
    assert response.json == {"status": "failed", "message": "Your export did not contain any data."}


def test_unexpected_failure_is_410_internal_error_with_traceback_only_in_the_log(
    client, demo, run_jobs, failing_exporters, export_dir, caplog
):
    before = set(export_dir.iterdir())
    url = start(client, demo, {"_format": "default"}, identifier="crashing")
    with caplog.at_level(logging.ERROR):
        run_jobs()
    response = client.get(url, headers=demo.headers())
    assert response.status_code == 410
    assert response.json == {"status": "failed", "message": "Internal error"}
    assert "hunter2" not in response.get_data(as_text=True)
    assert "hunter2" in caplog.text and "Traceback" in caplog.text
    assert set(export_dir.iterdir()) == before, "no partial file is left behind"


def test_permissions_are_checked_again_when_the_job_runs(client, demo, run_jobs, app):
    from service.auth import create_team_token, hash_token
    from service.store import get_session
    from service.store.models import Organizer, Team, TeamAPIToken

    with app.app_context():
        session = get_session()
        organizer = session.query(Organizer).filter_by(slug=demo.organizer).one()
        token = create_team_token(session, organizer, "loses rights")
        session.commit()
    headers = {"Authorization": f"Token {token}"}
    url = start(client, demo, headers=headers)
    with app.app_context():
        session = get_session()
        row = session.query(TeamAPIToken).filter_by(token_hash=hash_token(token)).one()
        session.get(Team, row.team_id).can_view_orders = False
        session.commit()
    run_jobs()
    response = client.get(url, headers=headers)
    assert response.status_code == 404  # the exporter itself is no longer offered to the token
    with app.app_context():
        session = get_session()
        row = session.query(TeamAPIToken).filter_by(token_hash=hash_token(token)).one()
        session.get(Team, row.team_id).can_view_orders = True
        session.commit()
    response = client.get(url, headers=headers)
    assert response.status_code == 410
    assert response.json["message"] == "You do not have permission to perform this action."


def test_expired_export_is_404(client, demo, run_jobs, redis, app):
    url = start(client, demo)
    run_jobs()
    file_id = url.rstrip("/").rsplit("/", 1)[1]
    key = f"export:{file_id}"
    ttl = redis.ttl(key)
    assert 0 < ttl <= app.config["EXPORT_TTL_HOURS"] * 3600
    redis.delete(key)  # what the TTL does after EXPORT_TTL_HOURS
    response = client.get(url, headers=demo.headers())
    assert response.status_code == 404
    assert response.json == {"detail": "Not found."}


def test_cleanup_deletes_old_files_and_the_download_becomes_404(client, demo, run_jobs, app):
    url = start(client, demo)
    run_jobs()
    assert client.get(url, headers=demo.headers()).status_code == 200
    file_id = url.rstrip("/").rsplit("/", 1)[1]
    with app.app_context():
        path = files.result_path(file_id)
        assert path.exists()
        removed = files.remove_expired(3600, lambda _: False, now=time.time() + 2 * 3600)
    assert removed >= 1
    assert not path.exists()
    assert client.get(url, headers=demo.headers()).status_code == 404


def test_a_real_worker_reports_rising_progress_until_the_file_is_ready(
    client, festival, worker_process
):
    """409 waiting/running with a percentage that never falls, then 200."""
    response = client.post(festival.run_url(), headers=festival.headers, json={"_format": "xlsx"})
    assert response.status_code == 202
    url = path_of(response.json["download"])
    seen, deadline = [], time.monotonic() + 120
    while time.monotonic() < deadline:
        response = client.get(url, headers=festival.headers)
        if response.status_code != 409:
            break
        seen.append((response.json["status"], response.json["percentage"]))
        time.sleep(0.02)
    assert response.status_code == 200, response.json
    assert response.headers["Content-Disposition"] == 'attachment; filename="bigfest_orders.xlsx"'
    percentages = [p for status, p in seen if status == "running" and p is not None]
    assert len(set(percentages)) >= 3, seen[-20:]
    assert percentages == sorted(percentages)
    assert all(0 <= p <= 100 for p in percentages)
    statuses = [s for s, _ in seen]
    assert statuses == sorted(statuses, key=["waiting", "running"].index)
