"""A work horse never speaks to the store over a connection of the worker it was forked from.

The worker's housekeeping reads the store every round (the scheduled exports). When it ran as
a thread of the worker, each work horse took over the worker's pooled PostgreSQL connection:
two processes on one socket, each now and then reading the other's answer ("received 2
results from command FETCH FORWARD"), and exports ended 410 ("Internal error") at random on
whichever host (``make cluster`` showed it as another host's export failing while one host was
killed). Here a real worker on PostgreSQL runs export after export while its housekeeping
reads the store every second: every one finishes, with the same bytes."""

import hashlib

import pytest

from service import create_app
from service.auth import create_team_token
from service.store import create_all, get_engine, get_session
from service.store.demo import generate_demo_data
from service.store.models import Organizer

from .conftest import REDIS_URL, path_of, wait_for

ORDERS = 3000  # enough positions that the sheet is fetched in several rounds
EXPORTS = 8


@pytest.fixture
def postgres_shop(app, postgres_schemas, export_dir):
    """An app on a PostgreSQL store of its own with one event, and a token for it."""
    url = postgres_schemas("horses")
    shop = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": url,
            "REDIS_URL": REDIS_URL,
            "EXPORT_DIR": str(export_dir),
            "EXPORT_QUEUE": app.config["EXPORT_QUEUE"],
            "SERVER_NAME": "testserver",
            "MAX_ACTIVE_EXPORTS_PER_TOKEN": 100,
        }
    )
    with shop.app_context():
        create_all(get_engine())
        session = get_session()
        made = generate_demo_data(session, "horses", "bigfest", orders=ORDERS, seed=5)
        token = create_team_token(session, session.get(Organizer, made.organizer_id), "horses")
        session.commit()
    yield shop, url, token
    with shop.app_context():
        get_engine().dispose()


def test_exports_on_postgresql_finish_while_housekeeping_reads_the_store(
    postgres_shop, start_worker, redis
):
    shop, url, token = postgres_shop
    start_worker(DATABASE_URL=url, SCHEDULE_POLL_SECONDS="1", CLEANUP_INTERVAL_SECONDS="1")
    client = shop.test_client()
    headers = {"Authorization": f"Token {token}"}
    run = "/api/v1/organizers/horses/events/bigfest/exporters/orderlist/run/"
    urls = [
        path_of(client.post(run, headers=headers, json={"_format": fmt}).json["download"])
        for fmt in ("positions:default", "orders:default") * (EXPORTS // 2)
    ]

    ended = [wait_for(client, u, headers, lambda r: r.status_code != 409, 120) for u in urls]

    assert [r.status_code for r in ended] == [200] * EXPORTS, [r.json for r in ended]
    positions = {hashlib.sha256(r.data).hexdigest() for r in ended[0::2]}
    orders = {hashlib.sha256(r.data).hexdigest() for r in ended[1::2]}
    assert len(positions) == len(orders) == 1
