"""What ``import-pretix`` reads from pretix's REST API, all of it before anything is
written: the organizer, its organizer-level lists, then each event's."""

from collections.abc import Callable
from dataclasses import dataclass, field

from .pretix_http import PretixClient
from .refusal import ImportRefused

# Organizer-level lists, by the name the importer uses (the path under the organizer).
ORGANIZER_LISTS = (
    "saleschannels",
    "event_meta_properties",
    "devices",
    "customers",
    "membershiptypes",
    "memberships",
    "giftcards",
    "reusablemedia",
)
# Event-level lists with the query each is read with.
EVENT_LISTS = (
    ("taxrules", None),
    ("categories", None),
    ("items", None),
    ("item_meta_properties", None),
    ("questions", None),
    ("quotas", None),
    ("checkinlists", None),
    ("vouchers", None),
    ("orders", {"include_canceled_positions": "true", "include_canceled_fees": "true"}),
    ("invoices", None),
    ("waitinglistentries", None),
    ("transactions", None),
    ("checkins", None),
)


@dataclass
class FetchedEvent:
    slug: str
    detail: dict
    settings: dict
    lists: dict[str, list[dict]] = field(default_factory=dict)
    # The endpoint each list came from, for messages.
    endpoints: dict[str, str] = field(default_factory=dict)


@dataclass
class Fetched:
    organizer: dict
    organizer_endpoint: str
    lists: dict[str, list[dict]]
    endpoints: dict[str, str]
    # {gift card id: its transactions}
    giftcard_transactions: dict[int, list[dict]]
    events: list[FetchedEvent]


def steps(event_count: int) -> int:
    """How many steps ``fetch`` reports, for a progress bar."""
    return 2 + len(ORDERED_ORGANIZER_STEPS) + event_count * (2 + len(EVENT_LISTS))


ORDERED_ORGANIZER_STEPS = (*ORGANIZER_LISTS, "giftcard transactions")


def fetch(
    client: PretixClient,
    organizer: str,
    event_slugs: tuple[str, ...] = (),
    step: Callable[[str], None] = lambda _label: None,
    on_events: Callable[[int], None] = lambda _count: None,
) -> Fetched:
    """Everything of ``organizer`` (or only the named events); ``on_events`` is told how
    many events will be read once the event list is known."""
    base = f"organizers/{organizer}/"
    detail = client.get(base)
    step("organizer")
    events = client.list(base + "events/")
    step("events")
    slugs = [e.get("slug") for e in events]
    for slug in event_slugs:
        if slug not in slugs:
            raise ImportRefused(f"GET {client.url(base + 'events/')}", f"no event {slug!r}")
    wanted = [s for s in slugs if not event_slugs or s in event_slugs]
    on_events(len(wanted))
    lists, endpoints = {}, {}
    for name in ORGANIZER_LISTS:
        endpoints[name] = f"GET {client.url(base + name + '/')}"
        lists[name] = client.list(base + name + "/")
        step(name)
    transactions = {}
    for card in lists["giftcards"]:
        card_id = card.get("id")
        if not isinstance(card_id, int) or isinstance(card_id, bool):
            raise ImportRefused(endpoints["giftcards"], f"gift card without id: {card!r:.80}")
        transactions[card_id] = client.list(f"{base}giftcards/{card_id}/transactions/")
    step("giftcard transactions")
    fetched_events = []
    for slug in wanted:
        path = f"{base}events/{slug}/"
        event = FetchedEvent(slug, client.get(path), client.get(path + "settings/"))
        step(f"{slug}: settings")
        for name, query in EVENT_LISTS:
            event.endpoints[name] = f"GET {client.url(path + name + '/', query)}"
            event.lists[name] = client.list(path + name + "/", query)
            step(f"{slug}: {name}")
        fetched_events.append(event)
    return Fetched(
        organizer=detail,
        organizer_endpoint=f"GET {client.url(base)}",
        lists=lists,
        endpoints=endpoints,
        giftcard_transactions=transactions,
        events=fetched_events,
    )
