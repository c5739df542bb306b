"""Fair use by waiting: every valid run is accepted, at most two of a token's exports run
at once, the rest wait in the order they were started, and one token's line never delays
another token. Real workers, real Redis."""

import threading
import time

from service import jobs

from .conftest import path_of, wait_for
from .processes import kill_worker_and_horse

JSON = {}  # the "Order data (JSON)" export takes no parameters


def run_json(client, festival, headers=None):
    return client.post(festival.run_url("json"), headers=headers or festival.headers, json=JSON)


def poll_all(client, urls, headers) -> list:
    return [client.get(url, headers=headers) for url in urls]


def test_eight_concurrent_runs_are_all_accepted_and_run_two_at_a_time(
    app, client, festival, start_worker
):
    for _ in range(3):  # more workers than a token may use
        start_worker()
    responses, barrier = [], threading.Barrier(8)

    def run_one():
        local_client = app.test_client()
        barrier.wait()
        responses.append(run_json(local_client, festival))

    threads = [threading.Thread(target=run_one) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [r.status_code for r in responses] == [202] * 8
    urls = [path_of(r.json["download"]) for r in responses]

    seen_waiting, deadline = False, time.monotonic() + 180
    while time.monotonic() < deadline:
        answers = poll_all(client, urls, festival.headers)
        statuses = [
            r.json.get("status") if r.status_code == 409 else r.status_code for r in answers
        ]
        seen_waiting |= any(
            r.status_code == 409 and r.json == {"status": "waiting", "percentage": None}
            for r in answers
        )
        if all(status == 200 for status in statuses):
            break
        time.sleep(0.05)
    assert statuses == [200] * 8, statuses
    assert seen_waiting
    # Polls one after another are no snapshot; the records say exactly when each export
    # started and when it gave up its turn.
    assert most_at_once(turn_spans(app, urls)) == 2


def turn_spans(app, urls) -> list[tuple[float, float]]:
    from service import records

    with app.app_context():
        loaded = [records.load(url.rstrip("/").rsplit("/", 1)[1]) for url in urls]
    return [(float(r["started_ts"]), float(r["ended_ts"])) for r in loaded]


def most_at_once(spans) -> int:
    events = sorted([(start, 1) for start, _ in spans] + [(end, -1) for _, end in spans])
    running = most = 0
    for _when, change in events:  # an end sorts before a start at the same instant
        running += change
        most = max(most, running)
    return most


def test_exports_wait_in_the_order_they_were_started(app, client, festival, start_worker):
    start_worker()
    start_worker()
    urls = [path_of(run_json(client, festival).json["download"]) for _ in range(5)]
    for url in urls:
        assert (
            wait_for(client, url, festival.headers, lambda r: r.status_code != 409).status_code
            == 200
        )
    with app.app_context():
        from service import records

        started = [records.load(url.rstrip("/").rsplit("/", 1)[1])["started"] for url in urls]
    assert started[2:] == sorted(started[2:]), "the waiting ones started in line order"
    assert max(started[:2]) <= min(started[2:])


def test_another_tokens_export_does_not_wait_behind_a_long_line(
    app, client, festival, demo, start_worker
):
    start_worker()
    start_worker()
    line = [path_of(run_json(client, festival).json["download"]) for _ in range(10)]
    other = client.post(demo.event_url("json/run/"), headers=demo.headers("full"), json=JSON)
    assert other.status_code == 202
    other_url = path_of(other.json["download"])

    done = wait_for(client, other_url, demo.headers("full"), lambda r: r.status_code != 409, 120)
    assert done.status_code == 200
    unfinished = [
        url for url in line if client.get(url, headers=festival.headers).status_code == 409
    ]
    assert unfinished, "the other token's export finished before the last of the line"
    for url in line:
        assert (
            wait_for(client, url, festival.headers, lambda r: r.status_code != 409, 180).status_code
            == 200
        )


def test_only_a_flood_is_refused_and_a_canceled_waiting_export_leaves_the_line(
    app, client, festival, monkeypatch, redis
):
    monkeypatch.setitem(app.config, "MAX_ACTIVE_EXPORTS_PER_TOKEN", 20)
    urls = []
    for _ in range(20):
        response = run_json(client, festival)
        assert response.status_code == 202
        urls.append(path_of(response.json["download"]))
    refused = run_json(client, festival)
    assert refused.status_code == 429
    assert "20 exports waiting or running" in refused.json["detail"]
    assert int(refused.headers["Retry-After"]) > 0

    # No worker runs here: two are on the queue, eighteen wait in line.
    waiting = client.get(urls[-1], headers=festival.headers)
    assert waiting.status_code == 409
    assert waiting.json == {"status": "waiting", "percentage": None}
    assert client.delete(urls[-1], headers=festival.headers).status_code == 204
    assert client.get(urls[-1], headers=festival.headers).json["message"] == jobs.CANCELED
    with app.app_context():
        from service.jobs import line

        token_hash = next(iter(line.tokens()))
        assert len(line.admitted(token_hash)) == 2
        assert len(line.waiting(token_hash)) == 17
    assert run_json(client, festival).status_code == 202, "the canceled export left the line"


def test_concurrent_runs_never_take_more_than_the_flood_limit(app, client, festival, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_ACTIVE_EXPORTS_PER_TOKEN", 5)
    codes, barrier = [], threading.Barrier(12)

    def run_one():
        local_client = app.test_client()
        barrier.wait()
        codes.append(run_json(local_client, festival).status_code)

    threads = [threading.Thread(target=run_one) for _ in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(codes) == [202] * 5 + [429] * 7


def test_a_killed_workers_export_ends_410_and_the_next_waiting_one_starts(
    client, festival, start_worker
):
    first_worker = start_worker()
    urls = [
        path_of(
            client.post(
                festival.run_url(), headers=festival.headers, json={"_format": "xlsx"}
            ).json["download"]
        )
        for _ in range(3)
    ]
    running = wait_for(
        client,
        urls[0],
        festival.headers,
        lambda r: r.status_code == 409 and (r.json["percentage"] or 0) >= 3,
    )
    assert running.json["status"] == "running", running.json
    assert client.get(urls[2], headers=festival.headers).json["status"] == "waiting"

    kill_worker_and_horse(first_worker)
    start_worker()
    ended = wait_for(client, urls[0], festival.headers, lambda r: r.status_code != 409, 60, 0.5)
    assert ended.status_code == 410
    assert ended.json == {"status": "failed", "message": jobs.WORKER_LOST}
    for url in urls[1:]:
        done = wait_for(client, url, festival.headers, lambda r: r.status_code != 409, 180)
        assert done.status_code == 200, done.json


def test_the_openapi_description_says_runs_wait_and_only_floods_are_refused(client):
    spec = client.get("/api/v1/openapi.json").json
    runs = [
        operation
        for path, item in spec["paths"].items()
        if path.endswith("/run/")
        for method, operation in item.items()
        if method == "post"
    ]
    assert runs
    for operation in runs:
        assert "wait their turn" in operation["responses"]["202"]["description"]
        assert "MAX_ACTIVE_EXPORTS_PER_TOKEN" in operation["responses"]["429"]["description"]
