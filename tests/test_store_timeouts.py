"""A database that hangs (paused behind a proxy) or never answers: requests end in 503 with
Retry-After within a few seconds and work again once it is back; export jobs keep no
statement limit."""

import socket
import threading
import time
from urllib.parse import urlsplit

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from service import create_app
from service.auth import create_team_token
from service.store import create_all, get_engine, get_session
from service.store.demo import generate_demo_data
from service.store.models import Organizer

from .conftest import POSTGRES_URL, REDIS_URL
from .tcp_proxy import PausableProxy

CONNECT_TIMEOUT = 2
STATEMENT_TIMEOUT = 1
# A paused pooled connection: its check (connect timeout), then one new connection (again).
WITHIN = 2 * CONNECT_TIMEOUT + 2


@pytest.fixture
def proxied(postgres_schemas, export_dir):
    """An app whose PostgreSQL is reached through a pausable proxy, with a token."""
    schema_url = postgres_schemas("timeouts")
    upstream = urlsplit(POSTGRES_URL)
    proxy = PausableProxy((upstream.hostname, upstream.port or 5432))
    proxied_url = schema_url.replace(
        f"@{upstream.netloc.split('@')[1]}", f"@127.0.0.1:{proxy.port}"
    )
    app = create_app(
        {
            "DATABASE_URL": proxied_url,
            "REDIS_URL": REDIS_URL,
            "EXPORT_DIR": str(export_dir),
            "SERVER_NAME": "testserver",
            "DATABASE_CONNECT_TIMEOUT": CONNECT_TIMEOUT,
            "DATABASE_STATEMENT_TIMEOUT": STATEMENT_TIMEOUT,
        }
    )
    with app.app_context():
        create_all(get_engine())
        session = get_session()
        made = generate_demo_data(session, "slowdb", "slowconf", orders=3, seed=3)
        token = create_team_token(session, session.get(Organizer, made.organizer_id), "t")
        session.commit()
    yield app, proxy, {"Authorization": f"Token {token}"}
    proxy.close()
    with app.app_context():
        get_engine().dispose()


LISTING = "/api/v1/organizers/slowdb/events/slowconf/exporters/"


def timed(call):
    began = time.monotonic()
    result = call()
    return result, time.monotonic() - began


def test_paused_database_gives_503_with_retry_after_quickly_and_recovers(proxied):
    app, proxy, headers = proxied
    client = app.test_client()
    assert client.get(LISTING, headers=headers).status_code == 200  # a pooled connection now

    proxy.pause()
    for _ in range(2):  # the pooled connection, then new ones
        response, seconds = timed(lambda: client.get(LISTING, headers=headers))
        assert response.status_code == 503, response.data
        assert set(response.json) == {"detail"}
        assert int(response.headers["Retry-After"]) > 0
        assert seconds < WITHIN, seconds
    page, seconds = timed(lambda: client.get("/", headers={"Cookie": ""}))
    assert page.status_code in (302, 503)  # signed out: no database needed; else a 503 page

    proxy.resume()
    assert client.get(LISTING, headers=headers).status_code == 200


def test_database_paused_mid_statement_ends_the_request(proxied):
    app, proxy, _headers = proxied
    with app.test_request_context():
        get_session().execute(text("SELECT 1"))
        threading.Timer(0.2, proxy.pause).start()
        began = time.monotonic()
        with pytest.raises(OperationalError):
            get_session().execute(text("SELECT pg_sleep(0.5)"))
        assert time.monotonic() - began < STATEMENT_TIMEOUT + 3
        get_session().rollback()


def test_slow_statement_is_stopped_in_a_request_but_not_in_a_job(proxied):
    app, _proxy, _headers = proxied
    with app.test_request_context():
        began = time.monotonic()
        with pytest.raises(OperationalError, match="statement timeout"):
            get_session().execute(text("SELECT pg_sleep(3)"))
        assert time.monotonic() - began < STATEMENT_TIMEOUT + 1
    with app.app_context():  # where export jobs run: long queries are theirs to make
        assert get_session().execute(text("SELECT pg_sleep(1.5), 7")).one()[1] == 7


def test_database_that_never_answers_gives_503_within_the_connect_timeout(export_dir, demo):
    silent = socket.create_server(("127.0.0.1", 0))  # accepts (the kernel does), never speaks
    try:
        port = silent.getsockname()[1]
        app = create_app(
            {
                "DATABASE_URL": f"postgresql://postgres@127.0.0.1:{port}/test",
                "REDIS_URL": REDIS_URL,
                "EXPORT_DIR": str(export_dir),
                "SERVER_NAME": "testserver",
                "DATABASE_CONNECT_TIMEOUT": CONNECT_TIMEOUT,
            }
        )
        client = app.test_client()
        response, seconds = timed(lambda: client.get(demo.event_url(), headers=demo.headers()))
        assert response.status_code == 503
        assert response.headers["Retry-After"]
        assert seconds < CONNECT_TIMEOUT + 2, seconds
    finally:
        silent.close()
