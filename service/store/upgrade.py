"""Bring a store made by an earlier version up to the models: ``create_all`` makes missing
tables but never touches existing ones, so columns added since are added here, and columns
that became nullable lose their NOT NULL."""

from sqlalchemy import inspect, text
from sqlalchemy.engine import Engine
from sqlalchemy.schema import CreateColumn, CreateTable

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


def relax_not_null(engine: Engine) -> list[str]:
    """Drop NOT NULL where the model now allows null (a scan of an unknown code has no
    position). PostgreSQL alters the column; SQLite cannot, so the table is rebuilt the way
    SQLite's documentation describes. Returns the relaxed columns as ``table.column``."""
    inspector = inspect(engine)
    relaxed: dict[str, list[str]] = {}
    for table in Base.metadata.sorted_tables:
        if not inspector.has_table(table.name):
            continue
        strict = {c["name"] for c in inspector.get_columns(table.name) if not c["nullable"]}
        names = [c.name for c in table.columns if c.nullable and c.name in strict]
        if names:
            relaxed[table.name] = names
    for name, columns in relaxed.items():
        if engine.dialect.name == "sqlite":
            _rebuild_sqlite_table(engine, Base.metadata.tables[name])
        else:
            with engine.begin() as connection:
                for column in columns:
                    connection.execute(
                        text(f"ALTER TABLE {name} ALTER COLUMN {column} DROP NOT NULL")
                    )
    return [f"{name}.{column}" for name, columns in relaxed.items() for column in columns]


def _rebuild_sqlite_table(engine: Engine, table) -> None:
    """Create the table anew under a temporary name, copy the rows, swap the two. Its
    indexes are made again by ``create_all``."""
    temporary = f"_rebuild_{table.name}"
    ddl = str(CreateTable(table).compile(dialect=engine.dialect)).strip()
    ddl = ddl.replace(f"CREATE TABLE {table.name} (", f"CREATE TABLE {temporary} (", 1)
    present = {column["name"] for column in inspect(engine).get_columns(table.name)}
    names = ", ".join(c.name for c in table.columns if c.name in present)
    with engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
        connection.commit()
        with connection.begin():
            connection.exec_driver_sql(ddl)
            connection.exec_driver_sql(
                f"INSERT INTO {temporary} ({names}) SELECT {names} FROM {table.name}"
            )
            connection.exec_driver_sql(f"DROP TABLE {table.name}")
            connection.exec_driver_sql(f"ALTER TABLE {temporary} RENAME TO {table.name}")
        connection.exec_driver_sql("PRAGMA foreign_keys=ON")
        connection.commit()
