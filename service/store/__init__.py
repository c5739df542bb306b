"""The engine and session of the data store; one scoped session per request or job."""

from flask import Flask, g
from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from .models import Base


def normalize_url(url: str) -> str:
    """Let operators write ``postgresql://`` and still get the psycopg 3 driver."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def make_engine(url: str) -> Engine:
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
    return create_engine(url, pool_pre_ping=True, connect_args={"connect_timeout": 5})


def init_app(app: Flask) -> None:
    engine = make_engine(app.config["DATABASE_URL"])
    app.extensions["store_engine"] = engine
    app.extensions["store_sessionmaker"] = sessionmaker(engine, expire_on_commit=False)

    @app.teardown_appcontext
    def _close_session(_exc):
        session = g.pop("store_session", None)
        if session is not None:
            session.close()


def get_session() -> Session:
    """The session of the current request or job, opened on first use."""
    from flask import current_app

    if "store_session" not in g:
        g.store_session = current_app.extensions["store_sessionmaker"]()
    return g.store_session


def get_engine() -> Engine:
    from flask import current_app

    return current_app.extensions["store_engine"]


def create_all(engine: Engine) -> None:
    """The tables, and any column or index a store made by an earlier version lacks
    (``create_all`` adds columns and indexes only with their tables)."""
    from .upgrade import add_missing_columns

    Base.metadata.create_all(engine)
    add_missing_columns(engine)
    for table in Base.metadata.sorted_tables:
        for index in table.indexes:
            index.create(engine, checkfirst=True)
