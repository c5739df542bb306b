"""Loading generated rows in bulk: ``COPY`` on PostgreSQL, one executemany per batch in the
caller's transaction elsewhere (SQLite).

On PostgreSQL the work is spread over two connections, so that both cores work for
PostgreSQL while the caller makes the next batch:

- A load that adds more orders than the tables hold first drops the tables' secondary
  indexes, unique constraints and foreign keys (committed), and makes them again at the
  end, two at a time: PostgreSQL then sorts each index once instead of updating it row by
  row, and checks each foreign key with one join instead of a lookup per row. For a million
  orders that is the difference between minutes and a minute.
- Batches go out over two connections, each in a transaction of its own, both committed
  once every batch is stored. A batch only refers to rows of its own or rows that were
  there before, so foreign keys that stay in place are checked as usual.
- A load that fails rolls both transactions back and makes the dropped indexes and keys
  again: the store is as it was, and the event has no orders (``demo-data`` can run again).
  Only a process killed outright between the drop and the rebuild leaves indexes missing;
  ``init-db`` (and ``demo-data``) make missing indexes again.
"""

import queue
import threading
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import insert, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session

from .bulk_columns import Const, Rows

# Connections that COPY, rebuild indexes and keys, and vacuum at once: one per core.
CONNECTIONS = 2
# Batches made but not yet sent: enough to keep PostgreSQL busy, few enough to bound memory.
QUEUED_BATCHES = 2
# Memory PostgreSQL may sort an index or check a foreign key in.
MAINTENANCE_WORK_MEM = "256MB"


class BulkLoader:
    """``add`` batches of rows, then ``finish``; ``close`` in any case. On PostgreSQL what the
    session holds is committed first; on SQLite the caller commits."""

    def __init__(self, session: Session, tables: list, orders: int) -> None:
        self.session = session
        self.tables = tables
        self.postgres = session.get_bind().dialect.name == "postgresql"
        self._rebuild: list[list[str]] = []
        self._senders: list[_Sender] = []
        self._done = False
        if not self.postgres:
            return
        self.engine = session.get_bind()
        session.commit()
        if orders and _holds_fewer_orders(self.engine, orders):
            with self.engine.begin() as connection:
                self._rebuild = _drop_indexes_and_keys(connection, tables)
        self._queue: queue.Queue = queue.Queue(maxsize=QUEUED_BATCHES)
        self._senders = [_Sender(self.engine, self._queue) for _ in range(CONNECTIONS)]

    def add(self, batch: list[Rows]) -> None:
        """Store ``batch``: rows of several tables, in the order their keys need."""
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
        """Wait until every row is stored and commit; make the indexes and keys again and
        move the id sequences past the new ids."""
        if not self.postgres:
            return
        self._stop_senders()
        self._raise_failure()
        for sender in self._senders:
            sender.connection.commit()
        self._done = True
        self._make_again()
        with self.engine.begin() as connection:
            for table in self.tables:
                if "id" in table.columns:
                    connection.execute(
                        text(
                            f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                            f"(SELECT MAX(id) FROM {table.name}))"
                        )
                    )

    def close(self) -> None:
        """Give the connections back; after a failure, roll back what was sent and make the
        dropped indexes and keys again."""
        if not self.postgres:
            return
        self._stop_senders()
        for sender in self._senders:
            if not self._done:
                sender.connection.rollback()
            sender.connection.close()
        self._senders = []
        if not self._done:
            self._done = True
            self._make_again()

    def _make_again(self) -> None:
        steps, self._rebuild = self._rebuild, []
        for statements in steps:
            _run_at_once(
                self.engine, statements, f"maintenance_work_mem = '{MAINTENANCE_WORK_MEM}'"
            )

    def _stop_senders(self) -> None:
        running = [sender for sender in self._senders if sender.thread.is_alive()]
        for _ in running:
            self._queue.put(None)
        for sender in running:
            sender.thread.join()

    def _raise_failure(self) -> None:
        for sender in self._senders:
            if sender.failure is not None:
                raise sender.failure


class _Sender:
    """A connection in a transaction of its own that COPYs the batches it takes from the
    queue, in a thread of its own (psycopg waits for PostgreSQL without holding the GIL)."""

    def __init__(self, engine: Engine, work: queue.Queue) -> None:
        self.connection = engine.raw_connection()
        self.work = work
        self.failure: BaseException | None = None
        self.thread = threading.Thread(target=self._send, name="bulk-copy", daemon=True)
        self.thread.start()

    def _send(self) -> None:
        cursor = self.connection.driver_connection.cursor()
        while (batch := self.work.get()) is not None:
            if self.failure is not None:
                continue
            try:
                for statement, data in batch:
                    with cursor.copy(statement) as copy:
                        copy.write(data)
            except BaseException as exc:  # handed to the main thread
                self.failure = exc


def _copy_statement(rows: Rows) -> str:
    """COPY sees no model defaults: columns the rows leave out get theirs as constants."""
    for column in rows.table.columns:
        default = column.default
        if column.name not in rows.columns and default is not None and default.is_scalar:
            rows.columns[column.name] = Const(default.arg, rows.length)
    return f"COPY {rows.table.name} ({', '.join(rows.columns)}) FROM STDIN"


def _holds_fewer_orders(engine: Engine, orders: int) -> bool:
    with engine.connect() as connection:
        held = connection.execute(
            text("SELECT count(*) FROM (SELECT 1 FROM orders LIMIT :n) AS held"), {"n": orders}
        ).scalar_one()
    return held < orders


def _drop_indexes_and_keys(connection: Connection, tables: list) -> list[list[str]]:
    """Drop the tables' foreign keys, unique constraints no key depends on, and indexes of
    no constraint; return the statements that make them again, in steps: the indexes and
    unique constraints, then the foreign keys (which may use them)."""
    names = [table.name for table in tables]
    constraints = connection.execute(
        text(
            "SELECT c.conrelid::regclass::text, c.conname, c.contype, "
            "pg_get_constraintdef(c.oid) FROM pg_constraint c "
            "WHERE c.conrelid = ANY(CAST(:tables AS regclass[])) "
            "AND (c.contype = 'f' OR (c.contype = 'u' AND NOT EXISTS ("
            "  SELECT 1 FROM pg_constraint k WHERE k.contype = 'f' AND k.conindid = c.conindid))) "
            "ORDER BY 1, 2"
        ),
        {"tables": names},
    ).all()
    indexes = connection.execute(
        text(
            "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i "
            "WHERE i.indrelid = ANY(CAST(:tables AS regclass[])) "
            "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid) "
            "ORDER BY 1"
        ),
        {"tables": names},
    ).all()
    for table, name, _kind, _definition in constraints:
        connection.execute(text(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"'))
    for name, _definition in indexes:
        connection.execute(text(f"DROP INDEX {name}"))

    def adding(kind: str) -> list[str]:
        return [
            f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}'
            for table, name, found, definition in constraints
            if found == kind
        ]

    return [[definition for _name, definition in indexes] + adding("u"), adding("f")]


def _run_at_once(engine: Engine, statements: list[str], local: str | None = None) -> None:
    """Each statement in a transaction of its own, ``CONNECTIONS`` at a time; the first
    error is raised once all have run."""

    def run(statement: str) -> None:
        with engine.begin() as connection:
            if local:
                connection.execute(text(f"SET LOCAL {local}"))
            connection.execute(text(statement))

    with ThreadPoolExecutor(CONNECTIONS) as pool:
        futures = [pool.submit(run, statement) for statement in statements]
    errors = [future.exception() for future in futures if future.exception() is not None]
    if errors:
        raise errors[0]


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

    with ThreadPoolExecutor(CONNECTIONS) as pool:
        list(pool.map(vacuum, [table.name for table in tables]))
