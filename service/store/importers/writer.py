"""Writing imported rows: insert what is new, update what is there (by primary key),
replace the links and children that are imported whole. All inside the caller's
transaction; nothing here commits."""

from collections import Counter

from sqlalchemy import delete, insert, select, text, update
from sqlalchemy.orm import Session

CHUNK = 500


class Writer:
    def __init__(self, session: Session) -> None:
        self.session = session
        self.counts: Counter = Counter()
        self.tables: set[str] = set()

    def upsert(self, model, rows: list[dict], insert_only: dict | None = None) -> None:
        """Rows by ``id``: new ones inserted (with ``insert_only`` values added, for columns
        the source does not carry and an update must leave alone), the others updated."""
        if not rows:
            return
        table = model.__table__
        existing = self.existing_ids(model, [row["id"] for row in rows])
        new = [{**(insert_only or {}), **row} for row in rows if row["id"] not in existing]
        old = [row for row in rows if row["id"] in existing]
        if new:
            self.session.execute(insert(table), new)
        if old:
            self.session.execute(update(model), old)
        self.counts[table.name] += len(rows)
        self.tables.add(table.name)

    def update(self, model, rows: list[dict]) -> None:
        if rows:
            self.session.execute(update(model), rows)

    def existing_ids(self, model, ids: list[int]) -> set[int]:
        found = set()
        for start in range(0, len(ids), CHUNK):
            chunk = ids[start : start + CHUNK]
            found.update(self.session.scalars(select(model.id).where(model.id.in_(chunk))))
        return found

    def replace(self, table, parent_column: str, parents, rows: list[dict]) -> None:
        """The rows of ``table`` belonging to ``parents`` become ``rows``: for links and
        children without ids of their own (answers, add-ons, invoice lines)."""
        parents = list(parents)
        column = table.c[parent_column]
        for start in range(0, len(parents), CHUNK):
            chunk = parents[start : start + CHUNK]
            self.session.execute(delete(table).where(column.in_(chunk)))
        if rows:
            self.session.execute(insert(table), rows)
        self.counts[table.name] += len(rows)
        if "id" in table.c:
            self.tables.add(table.name)

    def reset_sequences(self) -> None:
        """On PostgreSQL, move the id sequences past the explicit ids inserted."""
        if self.session.get_bind().dialect.name != "postgresql":
            return
        for name in sorted(self.tables):
            self.session.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                    f"COALESCE((SELECT MAX(id) FROM {name}), 0) + 1, false)"
                )
            )
