"""The service's API as the benchmark uses it: timed requests over one keep-alive connection
on loopback, and one export end to end (run → poll every 50 ms → download).
"""

import http.client
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from .procs import BenchError

POLL_INTERVAL = 0.05
CHUNK = 1 << 20
MAX_SERVER_ERRORS = 5


@dataclass
class Reply:
    status: int
    body: bytes
    seconds: float
    size: int

    def json(self):
        return json.loads(self.body)


class ApiClient:
    """Requests with the token of one organizer, each timed from send to last byte."""

    def __init__(self, port: int, token: str, timeout: float = 60.0) -> None:
        self.port = port
        self.timeout = timeout
        self.headers = {"Authorization": f"Token {token}"}
        self._connection: http.client.HTTPConnection | None = None

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    def request(self, method: str, path: str, body=None, sink=None) -> Reply:
        """``sink`` (a binary file) receives the body of a 200 instead of memory."""
        headers = dict(self.headers)
        payload = None
        if body is not None:
            payload = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        for attempt in (1, 2):
            reused = self._connection is not None
            if self._connection is None:
                self._connection = http.client.HTTPConnection(
                    "127.0.0.1", self.port, timeout=self.timeout
                )
            started = time.perf_counter()
            try:
                self._connection.request(method, path, body=payload, headers=headers)
                response = self._connection.getresponse()
                if sink is not None and response.status == 200:
                    data, size = b"", _copy(response, sink)
                else:
                    data = response.read()
                    size = len(data)
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                self.close()
                # The server may have closed an idle keep-alive connection: one fresh try.
                if reused and attempt == 1:
                    continue
                raise
            except (OSError, http.client.HTTPException):
                self.close()
                raise
            seconds = time.perf_counter() - started
            if response.will_close:
                self.close()
            return Reply(response.status, data, seconds, size)
        raise AssertionError("unreachable")


def _copy(response, sink) -> int:
    size = 0
    while chunk := response.read(CHUNK):
        sink.write(chunk)
        size += len(chunk)
    return size


def event_path(organizer: str, event: str) -> str:
    return f"/api/v1/organizers/{organizer}/events/{event}/exporters/"


def exporter_identifiers(client: ApiClient, path: str) -> list[str]:
    """Every exporter the list endpoint offers, over all its pages."""
    identifiers = []
    while path:
        reply = client.request("GET", path)
        if reply.status != 200:
            raise BenchError(f"GET {path}: HTTP {reply.status} {reply.body[:200]!r}")
        page = reply.json()
        identifiers += [result["identifier"] for result in page["results"]]
        path = _path_and_query(page["next"]) if page["next"] else ""
    return identifiers


def _path_and_query(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}" if parts.query else parts.path


def start(client: ApiClient, base: str, identifier: str, body: dict) -> tuple[str, Reply]:
    """POST run; the path to poll, and the reply (its ``seconds`` is the run latency)."""
    reply = client.request("POST", f"{base}{identifier}/run/", body)
    if reply.status != 202:
        raise BenchError(f"run {identifier} {body}: HTTP {reply.status} {reply.body[:300]!r}")
    return urlsplit(reply.json()["download"]).path, reply


def cancel(client: ApiClient, download: str, timeout: float = 120.0) -> None:
    """DELETE the export, then wait until it no longer runs, so the next step has the CPU."""
    client.request("DELETE", download)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if client.request("GET", download).status != 409:
            return
        time.sleep(POLL_INTERVAL)
    raise BenchError(f"{download} still runs {timeout:.0f} s after it was canceled")


def wait_running(client: ApiClient, download: str, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        reply = client.request("GET", download)
        if reply.status == 409 and reply.json()["status"] == "running":
            return
        if reply.status < 500 and reply.status != 409:
            raise BenchError(f"{download} ended (HTTP {reply.status}) before it was measured")
        time.sleep(0.01)
    raise BenchError(f"{download} did not start within {timeout:.0f} s")


@dataclass
class Sample:
    """One 409 answer while an export was waiting or running."""

    at: float
    status: str
    percentage: float | None
    latency: float


@dataclass
class ExportRun:
    identifier: str
    body: dict
    download: str
    seconds: float
    run_seconds: float
    size_bytes: int
    samples: list[Sample] = field(default_factory=list)
    # Polls answered 5xx: retried, and reported, since a client would see them too.
    server_errors: list[str] = field(default_factory=list)

    @property
    def job_id(self) -> str:
        return self.download.rstrip("/").split("/")[-2]

    @property
    def file_id(self) -> str:
        return self.download.rstrip("/").split("/")[-1]


def timed_export(
    client: ApiClient,
    base: str,
    identifier: str,
    body: dict,
    dest: Path,
    timeout: float,
    on_started: Callable[[str], None] | None = None,
) -> ExportRun:
    """run → poll every 50 ms → download to ``dest``; the time covers all three.

    ``on_started`` gets the download path as soon as ``run`` has answered."""
    started = time.perf_counter()
    download, run_reply = start(client, base, identifier, body)
    if on_started is not None:
        on_started(download)
    samples, server_errors = [], []
    with open(dest, "wb") as sink:
        while True:
            polled = time.perf_counter()
            reply = client.request("GET", download, sink=sink)
            if reply.status == 200:
                break
            if reply.status >= 500 and len(server_errors) < MAX_SERVER_ERRORS:
                server_errors.append(f"HTTP {reply.status} {reply.body[:200]!r}")
            elif reply.status != 409:
                raise BenchError(
                    f"{identifier} {body}: HTTP {reply.status} {reply.body[:300]!r} instead of "
                    "the file"
                )
            else:
                state = reply.json()
                samples.append(
                    Sample(
                        polled - started, state["status"], state.get("percentage"), reply.seconds
                    )
                )
            if time.perf_counter() - started > timeout:
                cancel(client, download)
                raise BenchError(f"{identifier} {body} took more than {timeout:.0f} s")
            time.sleep(max(0.0, POLL_INTERVAL - (time.perf_counter() - polled)))
    seconds = time.perf_counter() - started
    return ExportRun(
        identifier, body, download, seconds, run_reply.seconds, reply.size, samples, server_errors
    )
