"""The store's engine: SQLite for a laptop, PostgreSQL (psycopg 3) with time limits."""

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine

from . import deadlines


def normalize_url(url: str) -> str:
    """Let operators write ``postgresql://`` and still get the psycopg 3 driver."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def make_engine(url: str, connect_timeout: float = 3, statement_timeout: float = 10) -> Engine:
    """``connect_timeout`` and ``statement_timeout`` (seconds, web requests only) apply to
    PostgreSQL; see ``deadlines``. SQLite is a local file and waits up to 30 s for locks."""
    url = normalize_url(url)
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record):
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()

        return engine
    engine = create_engine(url, connect_args={"connect_timeout": max(2, int(connect_timeout))})
    deadlines.install(engine, connect_timeout, statement_timeout)
    return engine
