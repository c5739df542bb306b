"""The benchmark's data stores: an SQLite file under ``bench/data/`` and a PostgreSQL schema,
both rebuilt from nothing at the start of a run and filled with ``demo-data``.

The service reaches them through ``DATABASE_URL``; the benchmark itself uses plain DB-API
connections, for the row counts and the floor, so that no service code sits in the floor.
"""

import re
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import psycopg

from .procs import ROOT, BenchError

DATA_DIR = ROOT / "bench" / "data"
LOOPBACK = {"127.0.0.1", "localhost", "::1"}
BUILD_TIMEOUT = 1800
EVENT_SLUG = "ev"
SEED = 1


def require_loopback(url: str) -> None:
    """The benchmark loads what it talks to; it talks only to this machine."""
    host = urlsplit(url).hostname
    if host not in LOOPBACK:
        raise BenchError(f"{url}: the benchmark only runs against 127.0.0.1, not {host!r}")


class SqliteStore:
    backend = "sqlite"

    def __init__(self, path: Path = DATA_DIR / "bench.sqlite3") -> None:
        self.path = path
        self.url = f"sqlite:///{path}"
        self.placeholder = "?"

    def describe(self) -> str:
        return str(self.path.relative_to(ROOT) if self.path.is_relative_to(ROOT) else self.path)

    def reset(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{self.path}{suffix}").unlink(missing_ok=True)

    def connect(self):
        return sqlite3.connect(self.path)

    def cursor_for_rows(self, connection):
        return connection.cursor()


class PostgresStore:
    backend = "postgresql"

    def __init__(self, url: str, schema: str) -> None:
        require_loopback(url)
        if not re.fullmatch(r"[a-z_][a-z0-9_]*", schema):
            raise BenchError(f"{schema!r} is not a plain schema name")
        self.base_url, self.schema = url, schema
        separator = "&" if "?" in url else "?"
        self.url = f"{url}{separator}options=-csearch_path%3D{schema}"
        self.placeholder = "%s"

    def describe(self) -> str:
        parts = urlsplit(self.base_url)
        return f"{parts.hostname}:{parts.port or 5432}{parts.path}, schema {self.schema}"

    def reset(self) -> None:
        with psycopg.connect(self.base_url, autocommit=True, connect_timeout=10) as connection:
            connection.execute(f"DROP SCHEMA IF EXISTS {self.schema} CASCADE")
            connection.execute(f"CREATE SCHEMA {self.schema}")

    def connect(self):
        return psycopg.connect(self.url, connect_timeout=10)

    def settle(self) -> float:
        """Write out what loading the events left in shared buffers and the WAL before the
        exports are timed, so that the checkpoints that follow a load of millions of rows
        never fall into them."""
        started = time.monotonic()
        with psycopg.connect(self.base_url, autocommit=True, connect_timeout=10) as connection:
            connection.execute("CHECKPOINT")
        return time.monotonic() - started

    def cursor_for_rows(self, connection):
        """A server-side cursor: rows arrive in batches, memory stays flat."""
        cursor = connection.cursor(name="bench_floor")
        cursor.itersize = 2000
        return cursor


@dataclass(frozen=True)
class BenchEvent:
    """One event of the benchmark, and what ``demo-data`` made for it."""

    orders: int
    organizer: str
    event: str
    token: str
    event_id: int
    build_seconds: float
    counts: dict[str, int]


def size_label(orders: int) -> str:
    return f"{orders // 1000}k" if orders >= 1000 and orders % 1000 == 0 else str(orders)


def flask_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "flask", "--app", "wsgi", *args]


def run_command(args: list[str], env: dict, timeout: float = BUILD_TIMEOUT) -> str:
    try:
        done = subprocess.run(
            args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout
        )
    except subprocess.TimeoutExpired as exc:
        raise BenchError(f"{' '.join(args[3:])} took more than {timeout:.0f} s") from exc
    if done.returncode != 0:
        raise BenchError(f"{' '.join(args[3:])} failed:\n{done.stderr[-2000:]}")
    return done.stdout


def init_store(env: dict) -> None:
    run_command(flask_command("init-db"), env)


def build_event(store, env: dict, orders: int) -> BenchEvent:
    """``demo-data`` for one size, timed as a user would run it (the command's wall time)."""
    organizer = f"bench{size_label(orders)}"
    started = time.perf_counter()
    output = run_command(
        flask_command(
            "demo-data",
            "--organizer",
            organizer,
            "--event",
            EVENT_SLUG,
            "--orders",
            str(orders),
            "--seed",
            str(SEED),
        ),
        env,
    )
    seconds = time.perf_counter() - started
    token = re.search(r"^token: (\S+)$", output, re.MULTILINE)
    if token is None:
        raise BenchError(f"demo-data printed no token:\n{output[-500:]}")
    event_id, counts = event_counts(store, organizer, EVENT_SLUG)
    if counts["orders"] != orders:
        raise BenchError(f"{organizer}/{EVENT_SLUG} has {counts['orders']} orders, not {orders}")
    return BenchEvent(orders, organizer, EVENT_SLUG, token.group(1), event_id, seconds, counts)


def event_counts(store, organizer: str, event: str) -> tuple[int, dict[str, int]]:
    """The event's id and how many orders, positions, fees, transactions, invoices and
    scans it has."""
    p = store.placeholder
    connection = store.connect()
    try:
        cursor = connection.cursor()
        cursor.execute(
            "SELECT e.id FROM events e JOIN organizers g ON g.id = e.organizer_id "
            f"WHERE g.slug = {p} AND e.slug = {p}",
            (organizer, event),
        )
        (event_id,) = cursor.fetchone()
        counts = {}
        for name, table in (("positions", "order_positions"), ("fees", "order_fees")):
            cursor.execute(
                f"SELECT COUNT(*) FROM {table} x JOIN orders o ON o.id = x.order_id "
                f"WHERE o.event_id = {p}",
                (event_id,),
            )
            counts[name] = cursor.fetchone()[0]
        cursor.execute(
            f"SELECT COUNT(*) FROM transactions x JOIN orders o ON o.id = x.order_id "
            f"WHERE o.event_id = {p}",
            (event_id,),
        )
        counts["transactions"] = cursor.fetchone()[0]
        cursor.execute(f"SELECT COUNT(*) FROM invoices WHERE event_id = {p}", (event_id,))
        counts["invoices"] = cursor.fetchone()[0]
        cursor.execute(
            f"SELECT COUNT(*) FROM checkins c JOIN checkin_lists l ON l.id = c.list_id "
            f"WHERE l.event_id = {p}",
            (event_id,),
        )
        counts["checkins"] = cursor.fetchone()[0]
        cursor.execute(f"SELECT COUNT(*) FROM orders WHERE event_id = {p}", (event_id,))
        counts = {"orders": cursor.fetchone()[0], **counts}
    finally:
        connection.close()
    return event_id, counts


def item_ids(store, event_id: int) -> list[int]:
    """The ids of the event's products, for exports that filter by product."""
    p = store.placeholder
    connection = store.connect()
    try:
        cursor = connection.cursor()
        cursor.execute(f"SELECT id FROM items WHERE event_id = {p} ORDER BY id", (event_id,))
        return [row[0] for row in cursor.fetchall()]
    finally:
        connection.close()
