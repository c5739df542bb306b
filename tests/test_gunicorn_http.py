"""The app under gunicorn, spoken to over raw sockets: malformed chunked bodies are 400 and
oversized ones 413, on the API (JSON) and on the pages (HTML); run bodies of another media
type are 415."""

import json
import os
import socket
import subprocess
import sys
import time

import pytest

from .conftest import REDIS_URL, ROOT, stop_process_group

LIMIT = 64 * 1024


@pytest.fixture(scope="module")
def gunicorn(app, demo, store_url, export_dir, tmp_path_factory):
    """``gunicorn wsgi:app`` as the README runs it, on the test store; yields its port."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {
        **os.environ,
        "DATABASE_URL": store_url,
        "REDIS_URL": REDIS_URL,
        "EXPORT_DIR": str(export_dir),
        "EXPORT_QUEUE": app.config["EXPORT_QUEUE"],
        "INSTANCE_DIR": str(tmp_path_factory.mktemp("instance")),
        "SECRET_KEY": "gunicorn-test",
    }
    command = [sys.executable, "-m", "gunicorn", "-b", f"127.0.0.1:{port}"]
    process = subprocess.Popen(
        [*command, "-w", "1", "--threads", "2", "wsgi:app"],
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )
    deadline = time.monotonic() + 30
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            break
        except OSError:
            assert process.poll() is None and time.monotonic() < deadline, "gunicorn did not start"
            time.sleep(0.1)
    yield port
    stop_process_group(process)


def exchange(port: int, head: str, body: bytes) -> tuple[int, dict, bytes]:
    """Send a request as bytes, close our side, and read the whole answer."""
    with socket.create_connection(("127.0.0.1", port), timeout=15) as sock:
        sock.sendall(head.encode() + b"\r\n" + body)
        sock.shutdown(socket.SHUT_WR)
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    header_block, _, payload = data.partition(b"\r\n\r\n")
    status_line, *lines = header_block.decode("latin-1").split("\r\n")
    headers = {k.lower(): v.strip() for k, v in (line.split(":", 1) for line in lines)}
    return int(status_line.split()[1]), headers, payload


def chunked(port, path, body: bytes, content_type: str, extra: str = ""):
    head = (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: {content_type}\r\n"
        f"Transfer-Encoding: chunked\r\nConnection: close\r\n{extra}"
    )
    return exchange(port, head, body)


def chunk(data: bytes) -> bytes:
    return f"{len(data):x}\r\n".encode() + data + b"\r\n"


BAD_CHUNKING = {
    "bad chunk size": b"zz\r\n{}\r\n0\r\n\r\n",
    "missing terminator": b'9\r\n{"_format"',
    "chunk longer than said": b"2\r\n{}{}{}\r\n0\r\n\r\n",
}


@pytest.mark.parametrize("body", BAD_CHUNKING.values(), ids=BAD_CHUNKING.keys())
def test_malformed_chunked_body_is_400_on_the_api(gunicorn, demo, body):
    auth = f"Authorization: Token {demo.tokens['full']}\r\n"
    status, headers, payload = chunked(
        gunicorn, demo.event_url("orderlist/run/"), body, "application/json", auth
    )
    assert status == 400, payload
    assert headers["content-type"] == "application/json"
    assert set(json.loads(payload)) == {"detail"}


@pytest.mark.parametrize("body", BAD_CHUNKING.values(), ids=BAD_CHUNKING.keys())
def test_malformed_chunked_body_is_400_on_the_pages(gunicorn, body):
    status, headers, payload = chunked(
        gunicorn, "/login", body, "application/x-www-form-urlencoded"
    )
    assert status == 400, payload
    assert headers["content-type"].startswith("text/html")


def test_chunked_body_over_the_limit_is_413(gunicorn, demo):
    big = json.dumps({"_format": "xlsx", "padding": "x" * LIMIT}).encode()
    body = b"".join(chunk(big[i : i + 8192]) for i in range(0, len(big), 8192)) + b"0\r\n\r\n"
    auth = f"Authorization: Token {demo.tokens['full']}\r\n"
    status, headers, payload = chunked(
        gunicorn, demo.event_url("orderlist/run/"), body, "application/json", auth
    )
    assert status == 413, payload
    assert json.loads(payload) == {"detail": "Request body too large."}
    form = b"token=" + b"x" * LIMIT
    status, headers, _ = chunked(
        gunicorn, "/login", chunk(form) + b"0\r\n\r\n", "application/x-www-form-urlencoded"
    )
    assert status == 413
    assert headers["content-type"].startswith("text/html")


def test_well_formed_chunked_body_is_read(gunicorn, demo):
    auth = f"Authorization: Token {demo.tokens['full']}\r\n"
    body = chunk(b'{"_format"') + chunk(b': "xlsx"}') + b"0\r\n\r\n"
    status, _, payload = chunked(
        gunicorn, demo.event_url("orderlist/run/"), body, "application/json", auth
    )
    assert status == 202, payload
    assert "/download/" in json.loads(payload)["download"]


def plain_post(port, path, body: bytes, token: str, content_type: str | None):
    head = (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Token {token}\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n"
    )
    if content_type is not None:
        head += f"Content-Type: {content_type}\r\n"
    return exchange(port, head, body)


@pytest.mark.parametrize(
    "content_type, expected",
    [
        ("text/plain", 415),
        ("application/x-www-form-urlencoded", 415),
        ("multipart/form-data; boundary=x", 415),
        ("application/json", 202),
        ("application/json; charset=utf-8", 202),
        (None, 202),  # pretix clients may send no Content-Type at all
    ],
)
def test_run_body_media_types(gunicorn, demo, content_type, expected):
    status, _, payload = plain_post(
        gunicorn,
        demo.event_url("orderlist/run/"),
        b'{"_format": "xlsx"}',
        demo.tokens["full"],
        content_type,
    )
    assert status == expected, payload
    if expected == 415:
        assert json.loads(payload) == {
            "detail": f'Unsupported media type "{content_type}" in request.'
        }
