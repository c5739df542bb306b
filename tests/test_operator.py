"""The operator side: operator tokens, /operator/, rq-dashboard under /operator/rq/, /metrics
(parsed with prometheus_client's own parser, counters read from Redis), and the worker's log
line for a canceled export."""

import logging

import pytest
from prometheus_client.parser import text_string_to_metric_families

from service import jobs, records
from service.auth import hash_token
from service.jobs.worker import ExportWorker
from service.operators.tokens import OperatorToken
from service.store import get_session

OPERATOR_PATHS = ["/operator/", "/operator/rq/", "/metrics"]


@pytest.fixture
def operator_token(app, demo, redis) -> str:
    result = app.test_cli_runner().invoke(args=["create-operator-token", "night shift"])
    assert result.exit_code == 0, result.output
    return result.output.strip()


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def samples(client, token: str) -> dict:
    response = client.get("/metrics", headers=bearer(token))
    assert response.status_code == 200
    assert response.mimetype == "text/plain"
    found = {}
    for family in text_string_to_metric_families(response.get_data(as_text=True)):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


def test_the_operator_token_is_stored_only_as_its_hash(app, operator_token):
    with app.app_context():
        rows = get_session().query(OperatorToken).all()
    assert [row.token_hash for row in rows if row.name == "night shift"] == [
        hash_token(operator_token)
    ]
    assert all(operator_token not in (row.token_hash, row.name) for row in rows)


@pytest.mark.parametrize("path", OPERATOR_PATHS)
def test_teams_and_strangers_get_404(client, demo, operator_token, path):
    assert client.get(path).status_code == 404
    assert client.get(path, headers=demo.headers()).status_code == 404
    assert client.get(path, headers=bearer(demo.tokens["full"])).status_code == 404
    assert client.get(path, headers=bearer("not-a-token-at-all-0123456789")).status_code == 404
    assert client.get(path, headers=bearer(operator_token)).status_code == 200


def test_a_team_signed_in_to_the_pages_gets_404(client, demo, operator_token):
    from .test_pages import Pages

    Pages(client).sign_in(demo.tokens["full"])
    for path in OPERATOR_PATHS:
        assert client.get(path).status_code == 404


def test_an_operator_signs_in_on_the_pages_and_reaches_the_operator_side(client, operator_token):
    from .test_pages import Pages

    response = Pages(client).sign_in(operator_token)
    assert response.status_code == 303
    assert response.headers["Location"] == "/operator/"
    for path in OPERATOR_PATHS:
        assert client.get(path).status_code == 200
    assert client.get("/").status_code == 302  # no organizer's pages


def test_dashboard_changes_must_come_from_this_site(client, demo, operator_token):
    from .test_pages import Pages

    client.post(demo.event_url("orderlist/run/"), headers=demo.headers(), json={"_format": "xlsx"})
    Pages(client).sign_in(operator_token)
    queue = client.application.config["EXPORT_QUEUE"]
    assert client.post(f"/operator/rq/queue/{queue}/compact").status_code == 403
    same_site = {"Origin": "http://testserver"}
    response = client.post(f"/operator/rq/queue/{queue}/compact", headers=same_site)
    assert response.status_code == 200


def test_the_operator_page_shows_metadata_only(client, demo, operator_token, run_jobs):
    started = client.post(
        demo.event_url("orderlist/run/"), headers=demo.headers(), json={"_format": "xlsx"}
    )
    run_jobs()
    html = client.get("/operator/", headers=bearer(operator_token)).get_data(as_text=True)
    assert "Exports across organizers" in html
    assert 'data-count="finished">1<' in html
    download = started.json["download"]
    job_id, file_id = download.rstrip("/").split("/")[-2:]
    for secret in (file_id, job_id, demo.tokens["full"], hash_token(demo.tokens["full"])):
        assert secret not in html
    assert "/download" not in html


def test_metrics_rise_when_exports_finish_fail_or_are_canceled(
    app, client, demo, operator_token, run_jobs
):
    before = samples(client, operator_token)
    for _ in range(2):
        client.post(
            demo.event_url("orderlist/run/"), headers=demo.headers(), json={"_format": "xlsx"}
        )
    canceled = client.post(
        demo.event_url("orderlist/run/"), headers=demo.headers(), json={"_format": "xlsx"}
    )
    client.delete(canceled.json["download"], headers=demo.headers())
    run_jobs()
    after = samples(client, operator_token)

    def rise(name: str, **labels) -> float:
        key = (name, tuple(sorted(labels.items())))
        return after.get(key, 0) - before.get(key, 0)

    assert rise("exports_started_total", exporter="orderlist") == 3
    assert rise("exports_finished_total", exporter="orderlist") == 2
    assert rise("exports_failed_total", exporter="orderlist", reason="canceled") == 1
    assert rise("export_duration_seconds_count", exporter="orderlist") == 2
    assert rise("export_size_bytes_count", exporter="orderlist") == 2
    assert rise("export_size_bytes_bucket", exporter="orderlist", le="+Inf") == 2
    assert after[("exports_active", (("state", "running"),))] == 0
    assert ("export_queue_depth", ()) in after and ("export_workers_live", ()) in after
    assert ("export_cleanup_age_seconds", ()) in after


def test_the_worker_logs_canceled_for_a_canceled_export(app, client, demo, tmp_path):
    """The job runs in RQ's forked work horse, which writes to the same log file."""
    started = client.post(
        demo.event_url("orderlist/run/"), headers=demo.headers(), json={"_format": "xlsx"}
    )
    job_id, file_id = started.json["download"].rstrip("/").split("/")[-2:]
    log_file = tmp_path / "worker.log"
    handler = logging.FileHandler(log_file)
    handler.setLevel(logging.INFO)
    logger = logging.getLogger("rq.worker")
    logger.addHandler(handler)
    try:
        with app.app_context():
            records.save(file_id, state="canceled", message=jobs.CANCELED)  # as it starts
            queue = jobs.get_queue()
            ExportWorker([queue], connection=queue.connection).work(burst=True)
    finally:
        logger.removeHandler(handler)
        handler.close()
    lines = log_file.read_text().splitlines()
    assert any(line.endswith(f"canceled ({job_id})") for line in lines), lines
    assert not any("Job OK" in line for line in lines), lines
