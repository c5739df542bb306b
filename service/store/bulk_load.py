"""Loading generated rows in bulk: ``COPY`` on PostgreSQL, one executemany per batch in the
caller's transaction elsewhere (SQLite).

On PostgreSQL the work is spread over two connections, so that both cores work for
PostgreSQL while the caller makes the next batch:

- A load that adds more orders than the tables hold first drops the tables' secondary
  indexes, unique constraints and foreign keys (committed), and makes them again at the
  end, two at a time on different tables, the biggest first: PostgreSQL then sorts each
  index once instead of updating it row by row, and checks each foreign key with one join
  instead of a lookup per row. For a million orders that is the difference between minutes
  and a minute.
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
from dataclasses import dataclass

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
        self._rebuild: list[_Step] = []
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
        work = [_copy(rows) for rows in batch if rows.length]
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
        if steps:
            _run_apart(self.engine, steps, f"maintenance_work_mem = '{MAINTENANCE_WORK_MEM}'")

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


def _copy(rows: Rows) -> tuple[str, bytes]:
    """The COPY statement and its data. COPY sees no model defaults: columns the rows leave
    out get theirs as constants, unless PostgreSQL has the same default. Columns that are
    null throughout and have no default are left out: each column sent costs a join per row
    here and a parse there."""
    for column in rows.table.columns:
        default, server = column.default, column.server_default
        if column.name in rows.columns:
            values = rows.columns[column.name]
            if _null(values) and column.nullable and default is None and server is None:
                del rows.columns[column.name]
        elif default is not None and default.is_scalar and server is None:
            rows.columns[column.name] = Const(default.arg, rows.length)
    names, data = rows.copy_data()
    return f"COPY {rows.table.name} ({', '.join(names)}) FROM STDIN", data


def _null(values) -> bool:
    return isinstance(values, Const) and values.value is None


def _holds_fewer_orders(engine: Engine, orders: int) -> bool:
    with engine.connect() as connection:
        held = connection.execute(
            text("SELECT count(*) FROM (SELECT 1 FROM orders LIMIT :n) AS held"), {"n": orders}
        ).scalar_one()
    return held < orders


@dataclass(frozen=True)
class _Step:
    """A statement that makes an index or key again, and the tables it locks."""

    statement: str
    tables: frozenset[str]


def _drop_indexes_and_keys(connection: Connection, tables: list) -> list[_Step]:
    """Drop the tables' foreign keys, unique constraints no key depends on, and indexes of
    no constraint; return the steps that make them again."""
    names = [table.name for table in tables]
    constraints = connection.execute(
        text(
            "SELECT c.conrelid::regclass::text, c.conname, c.contype, "
            "pg_get_constraintdef(c.oid), c.confrelid::regclass::text FROM pg_constraint c "
            "WHERE c.conrelid = ANY(CAST(:tables AS regclass[])) "
            "AND (c.contype = 'f' OR (c.contype = 'u' AND NOT EXISTS ("
            "  SELECT 1 FROM pg_constraint k WHERE k.contype = 'f' AND k.conindid = c.conindid))) "
            "ORDER BY 1, 2"
        ),
        {"tables": names},
    ).all()
    indexes = connection.execute(
        text(
            "SELECT i.indrelid::regclass::text, i.indexrelid::regclass::text, "
            "pg_get_indexdef(i.indexrelid) FROM pg_index i "
            "WHERE i.indrelid = ANY(CAST(:tables AS regclass[])) "
            "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid) "
            "ORDER BY 1, 2"
        ),
        {"tables": names},
    ).all()
    for table, name, _kind, _definition, _referenced in constraints:
        connection.execute(text(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"'))
    for _table, name, _definition in indexes:
        connection.execute(text(f"DROP INDEX {name}"))
    steps = [_Step(definition, frozenset([table])) for table, _name, definition in indexes]
    for table, name, kind, definition, referenced in constraints:
        locked = {table, referenced} if kind == "f" else {table}
        steps.append(
            _Step(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}', frozenset(locked))
        )
    return steps


def _run_apart(engine: Engine, steps: list[_Step], local: str) -> None:
    """Each step in a transaction of its own, ``CONNECTIONS`` at a time but never two on
    the same table (they would only wait for each other's locks), the biggest tables first;
    the first error is raised once all have run. A foreign key needs only the primary key
    it refers to, which stays, so indexes and keys are made in any order."""
    tables = sorted(set().union(*(step.tables for step in steps)))
    with engine.connect() as connection:
        sizes = dict(
            connection.execute(
                text(
                    "SELECT name, pg_relation_size(CAST(name AS regclass)) "
                    "FROM unnest(CAST(:tables AS text[])) AS name"
                ),
                {"tables": tables},
            ).all()
        )
    pending = sorted(steps, key=lambda step: -sum(sizes[t] for t in step.tables))
    busy: set[str] = set()
    errors: list[BaseException] = []
    changed = threading.Condition()

    def next_step() -> _Step | None:
        with changed:
            while pending:
                step = next((s for s in pending if not s.tables & busy), None)
                if step is not None:
                    pending.remove(step)
                    busy.update(step.tables)
                    return step
                changed.wait()
            return None

    def work() -> None:
        while (step := next_step()) is not None:
            try:
                with engine.begin() as connection:
                    connection.execute(text(f"SET LOCAL {local}"))
                    connection.execute(text(step.statement))
            except Exception as exc:
                errors.append(exc)
            finally:
                with changed:
                    busy.difference_update(step.tables)
                    changed.notify_all()

    workers = [threading.Thread(target=work, name="bulk-rebuild") for _ in range(CONNECTIONS)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
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
