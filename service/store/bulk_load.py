"""Loading generated rows in bulk, in the caller's transaction: ``COPY`` on PostgreSQL, one
executemany per batch elsewhere (SQLite).

On PostgreSQL, rows go out from a thread of their own, so that the next batch is made while
PostgreSQL stores the last one. A load that adds more orders than the tables hold drops the
tables' secondary indexes, unique constraints and foreign keys first and makes them again at
the end: PostgreSQL then sorts each index once instead of updating it row by row, and checks
each foreign key with one join instead of a lookup per row. For a million orders that is the
difference between minutes and seconds. Everything, the indexes included, is one
transaction: a load that fails leaves the store as it was.
"""

import queue
import threading
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import insert, text
from sqlalchemy.orm import Session

from .bulk_columns import Const, Rows

# Batches made but not yet sent: enough to keep PostgreSQL busy, few enough to bound memory.
QUEUED_BATCHES = 2
# Memory PostgreSQL may sort an index or check a foreign key in.
MAINTENANCE_WORK_MEM = "256MB"
# Tables vacuumed at once after a big load (one connection each).
VACUUM_CONNECTIONS = 2


class BulkLoader:
    """``add`` batches of rows, then ``finish``; the caller commits."""

    def __init__(self, session: Session, tables: list, orders: int) -> None:
        self.session = session
        self.tables = tables
        self.postgres = session.get_bind().dialect.name == "postgresql"
        self._queue: queue.Queue = queue.Queue(maxsize=QUEUED_BATCHES)
        self._failure: BaseException | None = None
        self._thread: threading.Thread | None = None
        self._rebuild: list[str] = []
        if self.postgres:
            self._connection = session.connection().connection.driver_connection
            if orders and _holds_fewer_orders(session, orders):
                self._rebuild = _drop_indexes_and_keys(session, tables)
            self._thread = threading.Thread(target=self._send, name="bulk-copy", daemon=True)
            self._thread.start()

    def add(self, batch: list[Rows]) -> None:
        """Store ``batch`` (rows of several tables, in the order their keys need)."""
        if not self.postgres:
            for rows in batch:
                if rows.length:
                    self.session.execute(insert(rows.table), rows.dicts())
            return
        work = [(_copy_statement(rows), rows.copy_data()) for rows in batch if rows.length]
        while True:
            self._raise_failure()
            try:
                self._queue.put(work, timeout=0.5)
                return
            except queue.Full:
                continue

    def finish(self) -> None:
        """Wait until every row is stored, then make the indexes and keys again and move
        the id sequences past the new ids."""
        if not self.postgres:
            return
        self._stop_sender()
        self._raise_failure()
        for statement in self._rebuild:
            self.session.execute(text(statement))
        for table in self.tables:
            if "id" in table.columns:
                self.session.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                        f"(SELECT MAX(id) FROM {table.name}))"
                    )
                )

    def close(self) -> None:
        """Stop the sending thread if ``finish`` was not reached (an error)."""
        if self._thread is not None and self._thread.is_alive():
            self._stop_sender()

    def _stop_sender(self) -> None:
        while self._thread.is_alive():
            try:
                self._queue.put(None, timeout=0.5)
                break
            except queue.Full:
                continue
        self._thread.join()

    def _send(self) -> None:
        cursor = self._connection.cursor()
        while (work := self._queue.get()) is not None:
            if self._failure is not None:
                continue
            try:
                for statement, data in work:
                    with cursor.copy(statement) as copy:
                        copy.write(data)
            except BaseException as exc:  # handed to the main thread
                self._failure = exc

    def _raise_failure(self) -> None:
        if self._failure is not None:
            raise self._failure


def _copy_statement(rows: Rows) -> str:
    """COPY sees no model defaults: columns the rows leave out get theirs as constants."""
    for column in rows.table.columns:
        default = column.default
        if column.name not in rows.columns and default is not None and default.is_scalar:
            rows.columns[column.name] = Const(default.arg, rows.length)
    return f"COPY {rows.table.name} ({', '.join(rows.columns)}) FROM STDIN"


def _holds_fewer_orders(session: Session, orders: int) -> bool:
    held = session.execute(
        text("SELECT count(*) FROM (SELECT 1 FROM orders LIMIT :n) AS held"), {"n": orders}
    ).scalar_one()
    return held < orders


def _drop_indexes_and_keys(session: Session, tables: list) -> list[str]:
    """Drop the tables' foreign keys, unique constraints no key depends on, and indexes of
    no constraint; return the statements that make them again, indexes first."""
    names = [table.name for table in tables]
    constraints = session.execute(
        text(
            "SELECT c.conrelid::regclass::text, c.conname, c.contype, "
            "pg_get_constraintdef(c.oid) FROM pg_constraint c "
            "WHERE c.conrelid = ANY(CAST(:tables AS regclass[])) "
            "AND (c.contype = 'f' OR (c.contype = 'u' AND NOT EXISTS ("
            "  SELECT 1 FROM pg_constraint k WHERE k.contype = 'f' AND k.conindid = c.conindid))) "
            "ORDER BY c.contype DESC, 1, 2"
        ),
        {"tables": names},
    ).all()
    indexes = session.execute(
        text(
            "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i "
            "WHERE i.indrelid = ANY(CAST(:tables AS regclass[])) "
            "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid) "
            "ORDER BY 1"
        ),
        {"tables": names},
    ).all()
    for table, name, _kind, _definition in constraints:
        session.execute(text(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"'))
    for name, _definition in indexes:
        session.execute(text(f"DROP INDEX {name}"))
    session.execute(text(f"SET LOCAL maintenance_work_mem = '{MAINTENANCE_WORK_MEM}'"))
    unique = [
        f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}'
        for table, name, kind, definition in constraints
        if kind == "u"
    ]
    keys = [
        f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}'
        for table, name, kind, definition in constraints
        if kind == "f"
    ]
    return [definition for _name, definition in indexes] + unique + keys


def refresh_statistics(session: Session, tables: list) -> None:
    """After a bulk load the planner's row estimates are stale and, on PostgreSQL, no page
    of the new rows is marked all-visible yet: exports would pick slow plans, and read the
    tables where an index alone would do, until autovacuum caught up. Do its work now
    (after the commit: VACUUM runs outside a transaction), two tables at a time."""
    bind = session.get_bind()
    if bind.dialect.name != "postgresql":
        session.execute(text("ANALYZE"))
        session.commit()
        return

    def vacuum(name: str) -> None:
        with bind.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql(f"VACUUM ANALYZE {name}")

    with ThreadPoolExecutor(VACUUM_CONNECTIONS) as pool:
        list(pool.map(vacuum, [table.name for table in tables]))
