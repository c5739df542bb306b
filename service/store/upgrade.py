"""Bring a store made by an earlier version up to the models: ``create_all`` makes missing
tables but never touches existing ones, so columns added since are added here."""

from sqlalchemy import inspect, text
from sqlalchemy.engine import Engine
from sqlalchemy.schema import CreateColumn

from .models import Base


def add_missing_columns(engine: Engine) -> list[str]:
    """``ALTER TABLE … ADD COLUMN`` for every model column an existing table lacks; returns
    them as ``table.column``. New columns are nullable or have a server default, so existing
    rows get a value."""
    inspector = inspect(engine)
    added = []
    with engine.begin() as connection:
        for table in Base.metadata.sorted_tables:
            if not inspector.has_table(table.name):
                continue
            present = {column["name"] for column in inspector.get_columns(table.name)}
            for column in table.columns:
                if column.name in present:
                    continue
                ddl = CreateColumn(column).compile(dialect=engine.dialect)
                connection.execute(text(f"ALTER TABLE {table.name} ADD COLUMN {ddl}"))
                added.append(f"{table.name}.{column.name}")
    return added
