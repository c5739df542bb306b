"""The last step of ``make cluster``: one export spread over the worker hosts as part jobs
(``EXPORT_PART_JOBS``). The workers are started again with part jobs on; the big event's
positions sheet and workbook are each written by parts on several hosts, meeting in S3, and
must be the files one machine writes alone (the CSV byte for byte, the workbook entry for
entry: where a sheet is cut changes how its pieces deflate, not what they hold)."""

import hashlib
import io
import json
import time
import zipfile
from typing import TYPE_CHECKING

from .procs import BenchError

if TYPE_CHECKING:
    from .cluster import Cluster

PARTS = 3
FORMATS = ("positions:default", "xlsx")


def one_export_over_hosts(cluster: "Cluster") -> list[tuple[str, str, dict]]:
    hosts = ("w1", "w2", "w3")
    for host in list(cluster.workers):
        cluster.processes.stop(cluster.workers.pop(host))
    for host in hosts:
        cluster.start_worker(
            host,
            log_name=f"{host}-parts",
            EXPORT_PART_JOBS=str(PARTS),
            EXPORT_SPLIT_MIN_ORDERS="1000",
        )
    for host in hosts:
        cluster.wait_for_host(host)
    token = cluster.tokens[0]
    rows = []
    for fmt in FORMATS:
        started = time.monotonic()
        url = cluster.run(token, fmt, event="bigfest")
        status, body = cluster.poll(token, url)
        seconds = time.monotonic() - started
        if status != 200:
            raise BenchError(f"{fmt} over the hosts: {status} {body[:200]!r}")
        by_host = _parts_by_host(cluster, url)
        same = _content(fmt, body) == _content(fmt, _one_machine_file(cluster, fmt))
        spread = ", ".join(f"{host} {n}" for host, n in sorted(by_host.items()))
        text = f"{sum(by_host.values())} parts: {spread}; {seconds:.1f} s; "
        text += "the same as one machine's" if same else "NOT the same as one machine's"
        ok = same and len(by_host) >= 2
        rows.append((f"`{fmt}` of the big event as part jobs", text, {"ok": ok}))
    return rows


def _parts_by_host(cluster: "Cluster", url: str) -> dict[str, int]:
    """How many parts each host wrote, from the export's record (RQ worker names)."""
    redis = cluster.redis()
    file_id = url.rstrip("/").split("/")[-1]
    parts_by = json.loads(redis.hget(f"export:{file_id}", "parts_by") or "{}")
    counts: dict[str, int] = {}
    for worker in parts_by.values():
        pid = redis.hget(f"rq:worker:{worker}", "pid")
        host = cluster.net.host_of(int(pid)) if pid else None
        counts[host or "?"] = counts.get(host or "?", 0) + 1
    return counts


def _one_machine_file(cluster: "Cluster", fmt: str) -> bytes:
    """The same export run by this process alone, results on its own disk."""
    from rq import SimpleWorker

    from service.jobs import get_queue

    app = cluster.one_machine_app("single-machine-parts")
    client = app.test_client()
    headers = {"Authorization": f"Token {cluster.tokens[0]}"}
    path = "/api/v1/organizers/bigevents/events/bigfest/exporters/orderlist/run/"
    url = client.post(path, headers=headers, json={"_format": fmt}).json["download"]
    with app.app_context():
        queue = get_queue()
        SimpleWorker([queue], connection=queue.connection).work(burst=True)
    return client.get(url[url.index("/api/") :], headers=headers).data


def _content(fmt: str, body: bytes):
    """A CSV file's digest; a workbook's entries, inflated, in order."""
    if fmt != "xlsx":
        return hashlib.sha256(body).hexdigest()
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        if archive.testzip() is not None:
            return None
        return [(n, hashlib.sha256(archive.read(n)).hexdigest()) for n in archive.namelist()]
