"""``import-pretix``: an organizer brought over from a live pretix through its REST API.

Everything is read first (``pretix_fetch``), then written in one transaction: organizer-level
objects that events refer to, each event's catalogue, orders and the rest, then what refers
to orders (gift card transactions, memberships, reusable media). A refused token, a timeout,
an unexpected answer or an inconsistent object raises ``ImportRefused`` naming the endpoint
and the object, and the caller rolls back: the store is left as it was.

Objects keep pretix's ids wherever the store has no row with that id yet (``ids``); running
the import again updates the same rows, found by pretix's ids, order codes, invoice numbers
and customer identifiers.
"""

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import insert, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from ..models import ImportedId, Organizer
from . import pretix_catalog, pretix_event_data, pretix_orders, pretix_organizer
from .ids import IdMap
from .pretix_context import Context
from .pretix_fetch import Fetched
from .pretix_values import Obj
from .refusal import ImportRefused
from .writer import Writer

Step = Callable[[str], None]


@dataclass(frozen=True)
class ImportResult:
    organizer: str
    organizer_created: bool
    events: list[str]
    counts: dict[str, int]


def write(
    session: Session,
    organizer_slug: str,
    fetched: Fetched,
    complete: bool,
    step: Step = lambda _label: None,
) -> ImportResult:
    """Write ``fetched`` into the store; the caller commits, or rolls back on a refusal.
    ``complete`` says every event of the organizer was read."""
    organizer_id, created = _organizer(session, organizer_slug, fetched)
    ctx = Context(
        session=session,
        organizer_id=organizer_id,
        organizer_slug=organizer_slug,
        ids=IdMap(session, organizer_id),
        writer=Writer(session),
        complete=complete,
    )
    try:
        _write(ctx, fetched, step)
    except SQLAlchemyError as exc:
        problem = f"the store refused a write: {exc.__class__.__name__}: {exc}"
        raise ImportRefused("", problem) from None
    return ImportResult(
        organizer=organizer_slug,
        organizer_created=created,
        events=[e.slug for e in fetched.events],
        counts=dict(ctx.writer.counts),
    )


def write_steps(event_count: int) -> int:
    return 3 + 4 * event_count


def _write(ctx: Context, fetched: Fetched, step: Step) -> None:
    events = fetched.events
    pretix_organizer.assign_ids(ctx, fetched)
    pretix_catalog.assign_ids(ctx, events)
    pretix_orders.assign_ids(ctx, events)
    pretix_event_data.assign_ids(ctx, events)
    pretix_organizer.write_before_events(ctx, fetched)
    step("organizer")
    base = fetched.organizer_endpoint
    for event in events:
        state = pretix_catalog.write_event(ctx, event, f"{base}events/{event.slug}/")
        pretix_catalog.write_catalogue(ctx, event, state)
        step(f"{event.slug}: catalogue")
        pretix_orders.write_vouchers(ctx, event, state)
        step(f"{event.slug}: vouchers")
        pretix_orders.write_orders(ctx, event, state)
        step(f"{event.slug}: orders")
        pretix_event_data.write_event_data(ctx, event, state)
        step(f"{event.slug}: invoices, waiting list, transactions, scans")
    pretix_organizer.write_after_events(ctx, fetched)
    step("gift cards, memberships, media")
    if ctx.ids.new:
        ctx.session.execute(insert(ImportedId.__table__), ctx.ids.new)
    ctx.writer.reset_sequences()
    ctx.session.flush()
    step("done")


def _organizer(session: Session, slug: str, fetched: Fetched) -> tuple[int, bool]:
    o = Obj(fetched.organizer_endpoint, f"organizer {slug}", fetched.organizer)
    name = o.str("name", limit=200)
    public_url = o.str("public_url", optional=True, limit=300)
    organizer = session.scalar(select(Organizer).where(Organizer.slug == slug))
    created = organizer is None
    if created:
        organizer = Organizer(slug=slug, name=name, public_url=public_url)
        session.add(organizer)
    else:
        organizer.name, organizer.public_url = name, public_url
    session.flush()
    return organizer.id, created
