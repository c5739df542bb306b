"""Which store id each imported object gets: its own id wherever the store has no row with
that id yet, the id it got last time when imported before (``ImportedId``), a new one
otherwise. Objects without an id of their own (orders, payments, invoices, customers) are
found by their natural key by the caller and numbered here when new."""

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..models import ImportedId

CHUNK = 500


class IdMap:
    def __init__(self, session: Session, organizer_id: int) -> None:
        self.session = session
        self.organizer_id = organizer_id
        self.known: dict[tuple[str, int], int] = dict(
            ((kind, remote), local)
            for kind, remote, local in session.execute(
                select(ImportedId.kind, ImportedId.remote_id, ImportedId.local_id).where(
                    ImportedId.organizer_id == organizer_id
                )
            )
        )
        self.maps: dict[str, dict[int, int]] = {}
        self.counters: dict[str, int] = {}
        self.new: list[dict] = []

    def assign(self, model, remote_ids) -> dict[int, int]:
        """Store ids for these remote ids of ``model``'s table (all of this import's at
        once, so that new ids are numbered above every kept one)."""
        kind = model.__tablename__
        mapping = self.maps.setdefault(kind, {})
        remote_ids = sorted(set(remote_ids) - set(mapping))
        unknown = [r for r in remote_ids if (kind, r) not in self.known]
        # Ids given out earlier in this import are taken too, though not written yet.
        taken = set(mapping.values())
        for start in range(0, len(unknown), CHUNK):
            chunk = unknown[start : start + CHUNK]
            taken.update(self.session.scalars(select(model.id).where(model.id.in_(chunk))))
        self._bump(model, max(remote_ids, default=0))
        for remote in remote_ids:
            local = self.known.get((kind, remote))
            if local is None:
                local = self.fresh(model) if remote in taken else remote
                self.new.append(
                    {
                        "organizer_id": self.organizer_id,
                        "kind": kind,
                        "remote_id": remote,
                        "local_id": local,
                    }
                )
            mapping[remote] = local
        return mapping

    def of(self, model) -> dict[int, int]:
        return self.maps.setdefault(model.__tablename__, {})

    def fresh(self, model) -> int:
        """A new id of ``model``'s table, above every row and every id kept so far."""
        kind = model.__tablename__
        if kind not in self.counters:
            self.counters[kind] = self.session.scalar(select(func.max(model.id))) or 0
        self.counters[kind] += 1
        return self.counters[kind]

    def _bump(self, model, floor: int) -> None:
        kind = model.__tablename__
        if kind not in self.counters:
            self.counters[kind] = self.session.scalar(select(func.max(model.id))) or 0
        self.counters[kind] = max(self.counters[kind], floor)
