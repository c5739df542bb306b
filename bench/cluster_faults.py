"""The two disturbances of ``make cluster``: a worker host lost mid-export, and a worker host
added while exports wait. Each starts a batch of exports big enough that the other hosts are
busy when it happens, and keeps going after it, so that what it shows holds for work that
was running, waiting and started afterwards."""

import json
import os
import time
from typing import TYPE_CHECKING

from .procs import BenchError

if TYPE_CHECKING:
    from .cluster import Cluster

# Per token: the exports of the big event each batch starts (at most two of a token's run at
# once, the others wait in its line).
KILL_BATCH = ("xlsx", "positions:default", "xlsx")
ADD_BATCH = ("xlsx", "positions:default", "xlsx", "orders:default", "xlsx")
DETECT_SECONDS = 20


def kill_a_host(cluster: "Cluster") -> tuple[str, str, dict]:
    """SIGKILL of every process of the host running one token's big export, while the other
    tokens' exports run and wait on the other hosts: the lost one answers 410 soon, every
    other one ends 200, and a new export afterwards too."""
    victim_token, others = cluster.tokens[0], cluster.tokens[1:]
    victim = cluster.run(victim_token, "xlsx", event="bigfest")
    batch = [(t, cluster.run(t, fmt, event="bigfest")) for fmt in KILL_BATCH for t in others]
    _wait_until_under_way(cluster, victim_token, victim)
    host = cluster.host_of(victim)
    busy_elsewhere = sum(
        1
        for t, url in batch
        if cluster.status_of(t, url) == "running" and cluster.host_of(url) != host
    )
    pids = cluster.net.pids(host)
    killed_at = time.monotonic()
    for pid in pids:
        try:
            os.kill(pid, 9)
        except ProcessLookupError:
            pass
    status, body = cluster.poll(victim_token, victim, timeout=60)
    seconds = time.monotonic() - killed_at
    ended = [(cluster.poll(t, url), cluster.host_of(url)) for t, url in batch]
    new_status = cluster.poll(others[0], cluster.run(others[0], "orders:default"))[0]
    message = json.loads(body).get("message", "") if status == 410 else ""
    failed = [_said(s, b, where) for (s, b), where in ended if s != 200]
    on_victim = sum(1 for _answer, where in ended if where == host)
    text = (
        f"{status} ({message}) after {seconds:.1f} s; the other tokens' {len(batch)} exports "
        f"({busy_elsewhere} running on other hosts at the kill): "
        + ("all ended 200; " if not failed else f"{'; '.join(failed)}; ")
        + f"a new export: {new_status}"
    )
    ok = (
        status == 410
        and seconds <= DETECT_SECONDS
        and not failed
        and on_victim == 0
        and busy_elsewhere > 0
        and new_status == 200
    )
    return f"SIGKILL of all {len(pids)} processes of {host} mid-export", text, {"ok": ok}


def add_a_host(cluster: "Cluster", name: str = "w4") -> tuple[str, str, dict]:
    """A new worker host started while a batch of exports waits: it takes some at once."""
    batch = [(t, cluster.run(t, fmt, event="bigfest")) for fmt in ADD_BATCH for t in cluster.tokens]
    started = time.monotonic()
    cluster.start_worker(name)
    cluster.wait_for_host(name)
    up = time.monotonic() - started
    waiting = sum(1 for t, url in batch if cluster.status_of(t, url) == "waiting")
    first = None
    deadline = time.monotonic() + 120
    while first is None and time.monotonic() < deadline:
        if any(cluster.host_of(url) == name for _t, url in batch):
            first = time.monotonic() - started
        elif all(cluster.status_of(t, url) not in ("waiting", "running") for t, url in batch):
            break
        time.sleep(0.05)
    answers = [cluster.poll(t, url) for t, url in batch]
    took = sum(1 for _t, url in batch if cluster.host_of(url) == name)
    failed = [_said(s, b) for s, b in answers if s != 200]
    text = (
        f"up after {up:.1f} s with {waiting} of {len(batch)} exports still waiting; "
        + (
            f"took its first {first:.1f} s after it started, {took} of {len(batch)} in all; "
            if first is not None
            else "took none; "
        )
        + ("all ended 200" if not failed else "; ".join(failed))
    )
    ok = waiting > 0 and first is not None and not failed
    return f"worker host {name} added while {len(batch)} exports ran and waited", text, {"ok": ok}


def _wait_until_under_way(cluster: "Cluster", token: str, url: str, timeout: float = 120) -> None:
    """Until the export runs and has written some of its file."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status, body = cluster.request("GET", url, token)
        if status == 409:
            answer = json.loads(body)
            if answer["status"] == "running" and (answer["percentage"] or 0) > 0:
                return
        elif status not in (0, 503):
            raise BenchError(f"the big export ended before the kill: {status}")
        time.sleep(0.05)
    raise BenchError(f"the big export did not start within {timeout} s")


def _said(status: int, body: bytes, host: str | None = None) -> str:
    """A short account of an export that did not end 200."""
    try:
        message = json.loads(body).get("message", "")
    except ValueError:
        message = ""
    where = f" on {host}" if host else ""
    return f"{status}{where} ({message})" if message else f"{status}{where}"
