"""What the parts of ``import-pretix`` share: the session, the id map, the writer, the
events being imported, and how a reference to another object is resolved."""

from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from .ids import IdMap
from .pretix_values import Obj
from .writer import Writer


@dataclass
class EventState:
    """One event being imported: its store id, slug, locale, and its objects by pretix's
    keys (order codes, invoice numbers) once known."""

    id: int
    slug: str
    locale: str
    items: set[int] = field(default_factory=set)
    variations: dict[int, int] = field(default_factory=dict)  # variation → item
    questions: dict[int, str] = field(default_factory=dict)  # question → type
    options: dict[int, int] = field(default_factory=dict)  # option → question
    lists: set[int] = field(default_factory=set)
    tax_rules: dict[int, str] = field(default_factory=dict)  # rule → public name
    orders: dict[str, int] = field(default_factory=dict)  # code → store id
    positions: dict[int, int] = field(default_factory=dict)  # pretix id → order store id
    payments: dict[tuple[int, int], int] = field(default_factory=dict)  # (order, local id)
    refunds: dict[tuple[int, int], int] = field(default_factory=dict)


@dataclass
class Context:
    session: Session
    organizer_id: int
    organizer_slug: str
    ids: IdMap
    writer: Writer
    # True when every event of the organizer is imported: then a reference to an object
    # that is not there is an inconsistency. Otherwise it may belong to an event left out.
    complete: bool
    events: dict[str, EventState] = field(default_factory=dict)
    customers: dict[str, int] = field(default_factory=dict)  # identifier → store id

    def ref(self, obj: Obj, key: str, model, what: str, allowed=None) -> int | None:
        """The store id of the object ``obj[key]`` names (a pretix id), or null; refused
        when unknown, or not among ``allowed`` (the pretix ids of the right event)."""
        remote = obj.int(key, optional=True)
        if remote is None:
            return None
        local = self.ids.of(model).get(remote)
        if local is None or (allowed is not None and remote not in allowed):
            obj.refuse(key, f"unknown {what} {remote}")
        return local

    def loose_ref(self, obj: Obj, key: str, model, what: str) -> int | None:
        """Like ``ref`` for organizer-level links to event data: an object of an event left
        out of this import is found if an earlier import brought it, else left out."""
        remote = obj.int(key, optional=True)
        if remote is None:
            return None
        local = self.ids.of(model).get(remote) or self.ids.known.get((model.__tablename__, remote))
        if local is None and self.complete:
            obj.refuse(key, f"unknown {what} {remote}")
        return local
