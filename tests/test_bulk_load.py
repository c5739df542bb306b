"""Bulk loading on PostgreSQL: a load that fails leaves the store as it was, its dropped
indexes and keys made again."""

import numpy as np
import psycopg
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from service.store import make_engine
from service.store.bulk_columns import Ints, Rows, Texts
from service.store.bulk_load import BulkLoader
from service.store.demo import generate_demo_data
from service.store.models import Base, Order


def definitions(engine) -> tuple[set, set]:
    with engine.connect() as connection:
        indexes = set(
            connection.exec_driver_sql(
                "SELECT tablename, indexname, indexdef FROM pg_indexes "
                "WHERE schemaname = current_schema()"
            )
        )
        keys = set(
            connection.exec_driver_sql(
                "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid), "
                "convalidated FROM pg_constraint WHERE connamespace = "
                "(SELECT oid FROM pg_namespace WHERE nspname = current_schema())"
            )
        )
    return indexes, keys


def test_a_failed_load_leaves_the_store_as_it_was(postgres_schemas):
    engine = make_engine(postgres_schemas("bulk"))
    Base.metadata.create_all(engine)
    with Session(engine) as session:
        generate_demo_data(session, orders=5)
    before = definitions(engine)
    with Session(engine) as session:
        # More orders than the store holds: the indexes and keys are dropped first.
        loader = BulkLoader(session, [Order.__table__], orders=1000)
        bad = Rows(Order.__table__, {"id": Ints(np.array([901])), "event_id": Texts(["x"])})
        try:
            with pytest.raises(psycopg.errors.InvalidTextRepresentation):
                loader.add([bad])
                loader.finish()
        finally:
            loader.close()
    assert definitions(engine) == before
    with Session(engine) as session:
        assert session.scalar(select(func.count()).select_from(Order)) == 5
    engine.dispose()
