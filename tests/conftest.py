"""Fixtures: an app on a fresh SQLite store with demo data, real Redis, real RQ workers."""

import contextlib
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import NamedTuple

import pytest
from redis import Redis
from rq import SimpleWorker
from sqlalchemy import create_engine, select, text

from service import create_app
from service.auth import create_team_token
from service.exporters import REGISTRY
from service.jobs import get_queue
from service.storage import LocalStorage, S3Storage
from service.store import create_all, get_engine, get_session
from service.store.demo import generate_demo_data
from service.store.models import Event, Organizer

from .exporters_for_tests import TEST_EXPORTERS
from .processes import RedisServer

ROOT = Path(__file__).resolve().parent.parent
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/9")
POSTGRES_URL = os.environ.get(
    "TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
DEMO_ORDERS = 60


class Demo:
    """What the demo fixture made: slugs, ids and tokens to call the API with."""

    organizer = "bigevents"
    event = "sampleconf"
    other_organizer = "otherorg"
    other_event = "otherconf"

    def __init__(self, tokens: dict[str, str]):
        self.tokens = tokens

    def headers(self, name: str = "full") -> dict:
        return {"Authorization": f"Token {self.tokens[name]}"}

    def event_url(self, tail: str = "") -> str:
        return f"/api/v1/organizers/{self.organizer}/events/{self.event}/exporters/{tail}"

    def organizer_url(self, tail: str = "") -> str:
        return f"/api/v1/organizers/{self.organizer}/exporters/{tail}"


@pytest.fixture(scope="session")
def store_url(tmp_path_factory) -> str:
    """A SQLite store with two organizers' demo data, built once per test session."""
    path = tmp_path_factory.mktemp("store") / "service.db"
    return f"sqlite:///{path}"


@pytest.fixture(scope="session")
def export_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("exports")


@pytest.fixture(scope="session")
def app(store_url, export_dir):
    app = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": store_url,
            "REDIS_URL": REDIS_URL,
            "EXPORT_DIR": str(export_dir),
            "EXPORT_QUEUE": f"exports-test-{uuid.uuid4().hex[:8]}",
            "SERVER_NAME": "testserver",
            # Tests start many exports in a row; the fair-use tests lower this themselves.
            "MAX_ACTIVE_EXPORTS_PER_TOKEN": 100,
        }
    )
    return app


@pytest.fixture(scope="session")
def demo(app) -> Demo:
    with app.app_context():
        create_all(get_engine())
        session = get_session()
        ours = generate_demo_data(session, Demo.organizer, Demo.event, orders=DEMO_ORDERS, seed=1)
        theirs = generate_demo_data(
            session, Demo.other_organizer, Demo.other_event, orders=10, seed=2
        )
        organizer = session.get(Organizer, ours.organizer_id)
        other = session.get(Organizer, theirs.organizer_id)
        event = session.get(Event, ours.event_id)
        tokens = {
            "full": create_team_token(session, organizer, "full"),
            "other": create_team_token(session, other, "other"),
            "no_orders": create_team_token(
                session, organizer, "settings only", permissions=["can_change_event_settings"]
            ),
            "limited": create_team_token(session, organizer, "limited", events=[event]),
        }
        session.commit()
    return Demo(tokens)


@pytest.fixture
def redis(app):
    connection = Redis.from_url(REDIS_URL)
    connection.flushdb()
    yield connection
    connection.flushdb()


@pytest.fixture
def client(app, demo, redis):
    return app.test_client()


@pytest.fixture
def failing_exporters():
    """The exporters of ``exporters_for_tests``, registered for one test."""
    for cls in TEST_EXPORTERS:
        REGISTRY[cls.identifier] = cls
    yield
    for cls in TEST_EXPORTERS:
        REGISTRY.pop(cls.identifier, None)


@pytest.fixture
def postgres_schemas():
    """Makes throw-away PostgreSQL schemas: each call returns the URL of a new one, and all
    are dropped afterwards. Skips where PostgreSQL is not reachable."""
    admin = create_engine(POSTGRES_URL, connect_args={"connect_timeout": 3})
    try:
        admin.connect().close()
    except Exception:
        admin.dispose()
        pytest.skip(f"PostgreSQL is not reachable at {POSTGRES_URL}")
    schemas = []

    def make(prefix: str = "test") -> str:
        schema = f"{prefix}_{uuid.uuid4().hex[:10]}"
        with admin.begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        schemas.append(schema)
        return f"{POSTGRES_URL}?options=-csearch_path%3D{schema}"

    yield make
    for schema in schemas:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


class PretixShop(NamedTuple):
    """The recording of pretix 2026.8 (``tests/data/pretix-api-n300``) imported with
    ``import-pretix``: an app on that store, the store's URL and a token of a team with
    every permission."""

    app: object
    store_url: str
    token: str


@pytest.fixture(scope="session")
def pretix_shop(tmp_path_factory) -> PretixShop:
    """pretix's own organizer ``bigevents`` (events ``sampleconf`` and ``workshopday``),
    imported once per session into a fresh SQLite store, so that exporters can be compared
    with what pretix wrote for the same data. Read-only: tests must not change it."""
    from .pretix_server import TOKEN, PretixServer

    folder = tmp_path_factory.mktemp("pretix_shop")
    store_url = f"sqlite:///{folder / 'store.db'}"
    # Uploaded answer files go next to the results (read by exporters in this process).
    os.environ["ANSWER_FILES_DIR"] = str(folder / "answer-files")
    app = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": store_url,
            "REDIS_URL": REDIS_URL,
            "EXPORT_DIR": str(folder / "exports"),
            "EXPORT_QUEUE": f"exports-test-{uuid.uuid4().hex[:8]}",
            "SERVER_NAME": "testserver",
            "MAX_ACTIVE_EXPORTS_PER_TOKEN": 100,
        }
    )
    with PretixServer() as server, app.app_context():
        args = ["import-pretix", "bigevents", "--url", server.url, "--token", TOKEN]
        result = app.test_cli_runner().invoke(args=args)
        assert result.exit_code == 0, result.output
        session = get_session()
        organizer = session.scalar(select(Organizer).where(Organizer.slug == "bigevents"))
        token = create_team_token(session, organizer, "pretix shop")
        session.commit()
    return PretixShop(app, store_url, token)


@pytest.fixture
def run_jobs(app):
    """Run every queued export in this process with RQ's SimpleWorker, then return."""

    def run() -> None:
        with app.app_context():
            queue = get_queue()
            SimpleWorker([queue], connection=queue.connection).work(burst=True)

    return run


@pytest.fixture
def start_worker(app, store_url, export_dir, redis):
    """Start real ``python worker.py`` processes (own process groups); all stopped at the end.
    ``wrapper`` runs it through another command (``unshare …``)."""
    processes = []

    def start(wrapper: tuple[str, ...] = (), **env_overrides) -> subprocess.Popen:
        env = {
            **os.environ,
            "DATABASE_URL": store_url,
            "REDIS_URL": REDIS_URL,
            "EXPORT_DIR": str(export_dir),
            "EXPORT_QUEUE": app.config["EXPORT_QUEUE"],
            **env_overrides,
        }
        process = subprocess.Popen(
            [*wrapper, sys.executable, "worker.py"], cwd=ROOT, env=env, start_new_session=True
        )
        processes.append(process)
        time.sleep(0.5)
        return process

    yield start
    for process in processes:
        stop_process_group(process)


def stop_process_group(process: subprocess.Popen) -> None:
    """Stop a worker and its work horse, which would otherwise outlive it."""
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=10)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


@pytest.fixture
def tmpfs(tmp_path):
    """Mounts a tmpfs of the given size (where the machine lets us); all unmounted after."""
    mounted = []

    def mount(size: str) -> Path:
        mount_point = tmp_path / f"tmpfs{len(mounted)}"
        mount_point.mkdir()
        done = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(mount_point)],
            capture_output=True,
        )
        if done.returncode != 0:
            pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode().strip()}")
        mounted.append(mount_point)
        return mount_point

    yield mount
    for mount_point in mounted:
        subprocess.run(["umount", "-l", str(mount_point)], check=False)


@pytest.fixture
def own_redis():
    """A Redis server of the test's own, that the test may stop and restart."""
    server = RedisServer()
    if server.binary is None:
        pytest.skip("redis-server is not installed")
    server.start()
    yield server
    if server.running():
        server.stop()


@pytest.fixture
def worker_process(start_worker):
    """One real worker process on the test store and queue."""
    return start_worker()


class Festival:
    """A bigger event (30,000 orders) whose exports run long enough to watch and disturb."""

    organizer = "festival"
    event = "bigfest"

    def __init__(self, token: str):
        self.headers = {"Authorization": f"Token {token}"}

    def run_url(self, identifier: str = "orderlist") -> str:
        return (
            f"/api/v1/organizers/{self.organizer}/events/{self.event}/exporters/{identifier}/run/"
        )


@pytest.fixture(scope="session")
def festival(app, demo) -> Festival:
    with app.app_context():
        session = get_session()
        result = generate_demo_data(
            session, Festival.organizer, Festival.event, orders=30_000, seed=7
        )
        organizer = session.get(Organizer, result.organizer_id)
        token = create_team_token(session, organizer, "festival")
        session.commit()
    return Festival(token)


def wait_for(client, url: str, headers: dict, until, timeout: float = 60.0, interval=0.05):
    """Poll a download URL until ``until(response)`` holds; returns the last response."""
    deadline = time.monotonic() + timeout
    while True:
        response = client.get(url, headers=headers)
        if until(response) or time.monotonic() > deadline:
            return response
        time.sleep(interval)


def path_of(download_url: str) -> str:
    """The path of an absolute download URL, for the test client."""
    return download_url.split("testserver", 1)[1]


@pytest.fixture(scope="session")
def s3_server():
    """moto's S3 server as a separate process; the AWS variables point boto3 at it."""
    from .s3_server import CREDENTIALS, S3Server

    for name, value in CREDENTIALS.items():
        os.environ.setdefault(name, value)
    server = S3Server().start()
    yield server
    server.stop()


@pytest.fixture
def bucket(s3_server) -> str:
    return s3_server.make_bucket(f"results-{uuid.uuid4().hex[:8]}")


def s3_app_for(app, s3_server, bucket: str, tmp_path: Path, **settings):
    """An app like the test app, its results in ``bucket`` under ``exports/``, on a queue of
    its own; ``settings`` added to its configuration."""
    return create_app(
        {
            **{k: app.config[k] for k in ("TESTING", "DATABASE_URL", "SERVER_NAME")},
            "REDIS_URL": REDIS_URL,
            "EXPORT_STORAGE": f"s3://{bucket}/exports",
            "S3_ENDPOINT_URL": s3_server.url,
            "EXPORT_SCRATCH_DIR": str(tmp_path / "scratch"),
            "EXPORT_QUEUE": f"exports-s3-{uuid.uuid4().hex[:8]}",
            "MAX_ACTIVE_EXPORTS_PER_TOKEN": 100,
            **settings,
        }
    )


@pytest.fixture(params=["local", "s3"])
def storage(request, tmp_path):
    """Each result storage in turn, empty: a local directory, then a bucket of its own on
    moto's S3 server."""
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    if request.param == "local":
        yield LocalStorage(scratch)
        return
    server = request.getfixturevalue("s3_server")
    bucket = server.make_bucket(f"results-{uuid.uuid4().hex[:8]}")
    yield S3Storage(f"s3://{bucket}/exports", scratch=scratch, endpoint_url=server.url)
