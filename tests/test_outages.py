"""Workers outlive Redis outages, housekeeping keeps running, and /healthz counts only
workers that are alive. Each fault is caused for real."""

import os
import shutil
import signal
import subprocess
import time
import uuid

import pytest
from redis import Redis

from service import create_app, jobs

from .conftest import path_of, stop_process_group, wait_for
from .processes import child_pids, kill_worker_and_horse


def is_gone(response) -> bool:
    return response.status_code != 409


@pytest.fixture
def outage_app(app, store_url, export_dir, own_redis):
    """The web app on the test's own Redis server."""
    return create_app(
        {
            "DATABASE_URL": store_url,
            "EXPORT_QUEUE": app.config["EXPORT_QUEUE"],
            "REDIS_URL": own_redis.url,
            "EXPORT_DIR": str(export_dir),
            "SERVER_NAME": "testserver",
        }
    )


def start_running_export(client, festival, fmt="xlsx") -> str:
    response = client.post(festival.run_url(), headers=festival.headers, json={"_format": fmt})
    url = path_of(response.json["download"])
    running = wait_for(
        client,
        url,
        festival.headers,
        lambda r: r.status_code == 409 and r.json["status"] == "running",
    )
    assert running.status_code == 409 and running.json["status"] == "running", running.json
    return url


def test_a_busy_worker_outlives_redis_coming_back_empty(
    outage_app, own_redis, festival, start_worker
):
    client = outage_app.test_client()
    worker = start_worker(REDIS_URL=own_redis.url)
    url = start_running_export(client, festival)

    own_redis.stop()  # no persistence: it comes back empty
    time.sleep(3)
    own_redis.start()

    assert client.get(url, headers=festival.headers).status_code == 404, "the export is gone"
    response = client.post(
        festival.run_url(), headers=festival.headers, json={"_format": "fees:default"}
    )
    assert response.status_code == 202
    done = wait_for(client, path_of(response.json["download"]), festival.headers, is_gone, 90, 0.2)
    assert done.status_code == 200, "the same worker runs the next export"
    assert worker.poll() is None


def test_a_busy_worker_outlives_a_redis_that_hangs_and_its_export_ends_410(
    outage_app, own_redis, festival, start_worker
):
    client = outage_app.test_client()
    worker = start_worker(REDIS_URL=own_redis.url)
    url = start_running_export(client, festival)

    os.kill(own_redis.process.pid, signal.SIGSTOP)  # Redis keeps its data, answers nothing
    time.sleep(jobs.ALIVE_SECONDS + 2)
    os.kill(own_redis.process.pid, signal.SIGCONT)

    ended = wait_for(client, url, festival.headers, is_gone, 60, 0.5)
    assert ended.status_code == 410
    assert ended.json["status"] == "failed" and ended.json["message"]
    response = client.post(
        festival.run_url(), headers=festival.headers, json={"_format": "fees:default"}
    )
    done = wait_for(client, path_of(response.json["download"]), festival.headers, is_gone, 90, 0.2)
    assert done.status_code == 200
    assert worker.poll() is None


def test_health_counts_only_live_workers(client, start_worker, monkeypatch):
    def health():
        response = client.get("/healthz")
        return response.status_code, response.json

    status, body = health()
    assert (status, body["workers"], body["unavailable"]) == (503, 0, ["workers"])

    first, second = start_worker(), start_worker()
    deadline = time.monotonic() + 20
    while health()[1]["workers"] < 2 and time.monotonic() < deadline:
        time.sleep(0.2)
    assert health() == (200, {**health()[1], "workers": 2, "status": "ok", "unavailable": []})

    kill_worker_and_horse(first)
    deadline = time.monotonic() + 30
    while health()[1]["workers"] > 1 and time.monotonic() < deadline:
        time.sleep(0.5)
    assert health()[0] == 200 and health()[1]["workers"] == 1

    second.send_signal(signal.SIGTERM)  # a worker that stops says so at once
    second.wait(timeout=20)
    status, body = health()
    assert (status, body["workers"], body["unavailable"]) == (503, 0, ["workers"])


def can_run_in_own_pid_namespace() -> bool:
    """Root with util-linux's unshare: what containers do to their processes."""
    if os.geteuid() != 0 or shutil.which("unshare") is None:
        return False
    return subprocess.run([*OWN_PIDS, "true"], capture_output=True).returncode == 0


OWN_PIDS = ("unshare", "--pid", "--fork")


@pytest.mark.skipif(
    not can_run_in_own_pid_namespace(), reason="needs root and unshare for pid namespaces"
)
def test_health_tells_apart_workers_with_the_same_host_name_and_pid(client, start_worker):
    """Containers sharing the host's name (host networking), each with its worker as pid 1."""

    def workers() -> tuple[int, int]:
        response = client.get("/healthz")
        return response.status_code, response.json["workers"]

    first, second = start_worker(wrapper=OWN_PIDS), start_worker(wrapper=OWN_PIDS)
    deadline = time.monotonic() + 20
    while workers()[1] < 2 and time.monotonic() < deadline:
        time.sleep(0.2)
    assert workers() == (200, 2)

    stop_process_group(first)  # it signs off; the other is still there
    deadline = time.monotonic() + 30
    while workers()[1] > 1 and time.monotonic() < deadline:
        time.sleep(0.2)
    assert workers() == (200, 1)
    assert second.poll() is None


def test_cleanup_runs_again_and_again(app, export_dir, start_worker, redis):
    """Expired results and the parts of exports that no longer run are removed at every
    round, not just once."""
    start_worker(CLEANUP_INTERVAL_SECONDS="1")
    old = time.time() - app.config["EXPORT_TTL_HOURS"] * 3600 - 120

    def make(name: str, age_from: float) -> str:
        path = export_dir / name
        path.write_bytes(b"x")
        os.utime(path, (age_from, age_from))
        return path

    def runs() -> int:
        return int(redis.hget("export-cleanup:stats", "runs") or 0)

    deadline = time.monotonic() + 20
    while runs() < 1 and time.monotonic() < deadline:
        time.sleep(0.2)
    removed_later = []
    for _ in range(3):  # three rounds, each with new leftovers
        before = runs()
        expired = make(str(uuid.uuid4()), old)
        dead_part = make(f".{uuid.uuid4()}.part2.partial", time.time() - 300)
        live_id = str(uuid.uuid4())
        redis.set(f"export-alive:{live_id}", "1", ex=60)
        live_part = make(f".{live_id}.partial", time.time() - 300)
        deadline = time.monotonic() + 20
        while runs() <= before and time.monotonic() < deadline:
            time.sleep(0.2)
        time.sleep(0.3)
        assert not expired.exists() and not dead_part.exists()
        assert live_part.exists(), "a running export keeps its partial file"
        removed_later.append(live_part)
    assert runs() >= 4


@pytest.fixture
def small_mount(tmpfs):
    """A tmpfs that the test can make read-only mid-export."""
    return tmpfs("512m")


def remount(mount_point, mode: str) -> None:
    subprocess.run(["mount", "-o", f"remount,{mode}", str(mount_point)], check=True)


def test_storage_turning_read_only_says_so_and_cleanup_removes_the_parts(
    client, festival, start_worker, small_mount
):
    worker = start_worker(EXPORT_DIR=str(small_mount), CLEANUP_INTERVAL_SECONDS="1")
    url = start_running_export(client, festival, "positions:default")
    file_id = url.rstrip("/").rsplit("/", 1)[1]
    remount(small_mount, "ro")
    ended = wait_for(client, url, festival.headers, is_gone, 60, 0.2)
    assert ended.status_code == 410
    assert ended.json == {"status": "failed", "message": jobs.STORAGE_FAILED}
    remount(small_mount, "rw")
    deadline = time.monotonic() + 90
    while list(small_mount.glob(f".{file_id}*")) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert not list(small_mount.glob(f".{file_id}*")), "removed at once, or by the next cleanup"
    assert worker.poll() is None


def test_a_worker_survives_redis_being_away_when_it_starts(own_redis, start_worker):
    own_redis.stop()
    worker = start_worker(REDIS_URL=own_redis.url)
    time.sleep(3)
    assert worker.poll() is None, "it keeps trying"
    own_redis.start()
    connection = Redis.from_url(own_redis.url)
    deadline = time.monotonic() + 40
    while not connection.zcard("export-workers") and time.monotonic() < deadline:
        time.sleep(0.5)
    assert connection.zcard("export-workers") == 1


def horse_group(worker: subprocess.Popen) -> int:
    """The process group of the worker's work horse (and of the part writers it forked)."""
    own = os.getpgid(worker.pid)
    groups = {os.getpgid(pid) for pid in child_pids(worker.pid)} - {own}
    assert len(groups) == 1, groups
    return groups.pop()


def test_an_export_given_up_as_lost_stays_failed_when_its_frozen_worker_wakes(
    client, festival, start_worker, export_dir
):
    worker = start_worker()
    url = start_running_export(client, festival)
    # Writing rows (a percentage published), not still between RQ's start and ours.
    writing = wait_for(client, url, festival.headers, lambda r: r.json and r.json["percentage"])
    assert writing.status_code == 409, "still running when frozen"
    file_id = url.rstrip("/").rsplit("/", 1)[1]
    group = horse_group(worker)

    os.killpg(group, signal.SIGSTOP)  # a horse frozen (swapped out, a stopped VM) too long
    try:
        lost = wait_for(client, url, festival.headers, is_gone, jobs.ALIVE_SECONDS + 30, 0.5)
    finally:
        os.killpg(group, signal.SIGCONT)
    assert lost.status_code == 410, lost.json
    assert lost.json["message"] == jobs.WORKER_LOST

    deadline = time.monotonic() + 60  # the horse wakes and runs to its end
    while time.monotonic() < deadline and group in {os.getpgid(p) for p in child_pids(worker.pid)}:
        time.sleep(0.2)
    assert group not in {os.getpgid(p) for p in child_pids(worker.pid)}, "the horse ended"
    after = client.get(url, headers=festival.headers)
    assert (after.status_code, after.json["message"]) == (410, jobs.WORKER_LOST)
    assert not [p.name for p in export_dir.rglob("*") if file_id in p.name]
