"""The engine and session of the data store; one scoped session per request or job."""

from flask import Flask, g
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from . import schedules  # noqa: F401  (its tables are made by create_all too)
from .engine import make_engine, normalize_url  # noqa: F401  (the store's public API)
from .models import Base


def init_app(app: Flask) -> None:
    engine = make_engine(
        app.config["DATABASE_URL"],
        connect_timeout=app.config["DATABASE_CONNECT_TIMEOUT"],
        statement_timeout=app.config["DATABASE_STATEMENT_TIMEOUT"],
    )
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
    from .upgrade import add_missing_columns, relax_not_null

    Base.metadata.create_all(engine)
    add_missing_columns(engine)
    relax_not_null(engine)
    for table in Base.metadata.sorted_tables:
        for index in table.indexes:
            index.create(engine, checkfirst=True)
