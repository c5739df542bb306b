"""Reads shared by the exporters beyond the order list: streaming rows in any stable order,
and an event's catalogue (categories, products, variations, quotas).

``iter_keyset`` keeps memory flat for row sets that are not walked by order date: payments by
creation time, check-in list positions by name or code. The catalogue is small (tens of
products), so it is read whole.
"""

from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql import Select

from .models import (
    Item,
    ItemCategory,
    ItemVariation,
    Quota,
    quota_items,
    quota_variations,
)
from .queries import CHUNK_SIZE


@dataclass(frozen=True)
class SortKey:
    """One part of a row order; the last key of an ordering must be unique (a primary key)."""

    expression: object
    descending: bool = False


def _after(keys: Sequence[SortKey], values: Sequence) -> object:
    """Rows strictly after ``values`` in the order ``keys`` describe (no NULL keys)."""
    alternatives = []
    for index, key in enumerate(keys):
        equal = [keys[j].expression == values[j] for j in range(index)]
        beyond = (
            key.expression < values[index] if key.descending else key.expression > values[index]
        )
        alternatives.append(and_(*equal, beyond))
    return or_(*alternatives)


def iter_keyset(
    session: Session, query: Select, keys: Sequence[SortKey], chunk_size: int | None = None
) -> Iterator[list]:
    """The rows of ``query`` in ``keys`` order, ``chunk_size`` (default ``CHUNK_SIZE``) at a
    time, each chunk resuming after the last row of the one before (no OFFSET, no
    server-side cursor held open)."""
    chunk_size = chunk_size or CHUNK_SIZE
    labels = [f"_sort_key_{index}" for index in range(len(keys))]
    query = query.add_columns(*(k.expression.label(n) for k, n in zip(keys, labels, strict=True)))
    ordering = [k.expression.desc() if k.descending else k.expression.asc() for k in keys]
    last = None
    while True:
        page = query
        if last is not None:
            page = page.where(_after(keys, [getattr(last, n) for n in labels]))
        chunk = session.execute(page.order_by(*ordering).limit(chunk_size)).all()
        if not chunk:
            return
        yield chunk
        last = chunk[-1]


# The catalogue -------------------------------------------------------------------------------
@dataclass
class QuotaInfo:
    id: int
    name: str
    size: int | None
    item_ids: set[int] = field(default_factory=set)
    variation_ids: set[int] = field(default_factory=set)

    def covers(self, item_id: int, variation_id: int | None) -> bool:
        """As pretix: a product without variations by itself, a variation only if listed."""
        if item_id not in self.item_ids:
            return False
        return variation_id is None or variation_id in self.variation_ids


@dataclass
class Catalogue:
    """An event's products in shop order (category, then position), with their quotas."""

    categories: dict[int, str]
    items: list  # Item rows
    variations: dict[int, list]  # item id -> ItemVariation rows by position
    quotas: list[QuotaInfo]
    labels: dict = field(init=False)

    def __post_init__(self) -> None:
        self.labels = {}
        for item in self.items:
            self.labels[item.id, None] = item.name
            for variation in self.variations.get(item.id, ()):
                self.labels[item.id, variation.id] = f"{item.name} – {variation.value}"

    def product_label(self, item_id: int, variation_id: int | None) -> str:
        """``Product – Variation`` as pretix prints a position's product."""
        return self.labels[item_id, variation_id]


def load_catalogue(session: Session, event_id: int) -> Catalogue:
    categories = session.execute(
        select(ItemCategory.id, ItemCategory.name, ItemCategory.position).where(
            ItemCategory.event_id == event_id
        )
    ).all()
    category_rank = {c.id: (c.position, c.id) for c in categories}
    items = session.execute(select(Item).where(Item.event_id == event_id)).scalars().all()
    # Uncategorised products last, as PostgreSQL orders NULL category positions.
    items = sorted(
        items,
        key=lambda i: (
            i.category_id is None,
            category_rank.get(i.category_id, (0, 0)),
            i.position,
            i.id,
        ),
    )
    variations: dict[int, list] = defaultdict(list)
    for variation in session.scalars(
        select(ItemVariation)
        .join(Item, ItemVariation.item_id == Item.id)
        .where(Item.event_id == event_id)
        .order_by(ItemVariation.position, ItemVariation.id)
    ):
        variations[variation.item_id].append(variation)
    return Catalogue(
        categories={c.id: c.name for c in categories},
        items=list(items),
        variations=dict(variations),
        quotas=load_quotas(session, event_id),
    )


def load_quotas(session: Session, event_id: int) -> list[QuotaInfo]:
    quotas = {
        q.id: QuotaInfo(q.id, q.name, q.size)
        for q in session.execute(
            select(Quota.id, Quota.name, Quota.size)
            .where(Quota.event_id == event_id)
            .order_by(Quota.name, Quota.id)
        )
    }
    if not quotas:
        return []
    for quota_id, item_id in session.execute(
        select(quota_items.c.quota_id, quota_items.c.item_id).where(
            quota_items.c.quota_id.in_(list(quotas))
        )
    ):
        quotas[quota_id].item_ids.add(item_id)
    for quota_id, variation_id in session.execute(
        select(quota_variations.c.quota_id, quota_variations.c.variation_id).where(
            quota_variations.c.quota_id.in_(list(quotas))
        )
    ):
        quotas[quota_id].variation_ids.add(variation_id)
    return list(quotas.values())
