"""Import of pretix's "Order data (JSON)" export into the store, as new events of an organizer.

Both pretix's file and ours (the ``json`` exporter: the same layout, at organizer level
several events wrapped in ``{"organizer", "events"}``) are read, and so are files of earlier
versions of ours, which added ``payments``, ``refunds`` and ``checkins``. The file's ids are
mapped to new ids; keys pretix writes and the store has no place for are ignored, and
columns pretix does not write get their defaults.

The file does not carry everything an event has: not its time zone (the operator names it),
not the tax of fees (they get the tax of the event's tax rule), not payments or invoice
addresses. The import says what it could not take (``ImportResult.missing``) rather than
storing guesses silently.

Everything is checked before anything is written, and written in one transaction: a refused
file, or a write that fails, leaves the store exactly as it was. A refusal names the place in
the file, e.g. ``event.orders[12].positions[0].item: unknown product id 99``.

Rows get explicit primary keys and are inserted in bulk, one statement per table and batch,
so that 100,000 orders take a minute rather than an hour; the PostgreSQL sequences are moved
past them afterwards.
"""

import json
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from sqlalchemy import func, insert, select, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from ..models import (
    Checkin,
    CheckinList,
    Event,
    Item,
    ItemCategory,
    ItemVariation,
    Order,
    OrderFee,
    OrderPayment,
    OrderPosition,
    OrderRefund,
    Organizer,
    Question,
    QuestionAnswer,
    Quota,
    SalesChannel,
    TaxRule,
    quota_items,
    quota_variations,
)
from .refusal import ImportRefused

BATCH_ORDERS = 2000
SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9.-]*$", re.IGNORECASE)
DECIMAL_RE = re.compile(r"^-?\d+(\.\d+)?$")
# The store's integer columns are 32 bits wide on PostgreSQL.
INTEGER_MIN, INTEGER_MAX = -(2**31), 2**31 - 1
ORDER_STATUSES = ("n", "p", "e", "c")
QUESTION_TYPES = ("N", "S", "T", "B", "C", "M", "F", "D", "H", "W", "CC", "TEL")
PAYMENT_STATES = ("created", "pending", "confirmed", "canceled", "failed", "refunded")
REFUND_STATES = ("created", "transit", "external", "done", "failed", "canceled")
CHECKIN_TYPES = ("entry", "exit")
# pretix writes ``str(None)`` for a missing phone number or internal product name.
PRETIX_NONE = "None"
# pretix's own sales channel, and its name; others the file names are labelled with their
# identifier.
WEB_CHANNEL, WEB_CHANNEL_LABEL = "web", "Online shop"

# Tables in the order their foreign keys need; all get explicit ids.
MODELS = (
    Organizer,
    SalesChannel,
    Event,
    TaxRule,
    ItemCategory,
    Item,
    ItemVariation,
    Question,
    Quota,
    CheckinList,
    Order,
    OrderPosition,
    OrderFee,
    OrderPayment,
    OrderRefund,
    QuestionAnswer,
    Checkin,
)

Progress = Callable[[int], None]


def _no_progress(_count: int) -> None:
    pass


class _Invalid(Exception):
    """A value is wrong; the caller knows where it is."""


# Values ------------------------------------------------------------------------------------
def _length(column) -> int | None:
    return column.property.columns[0].type.length


def optional(convert):
    """``convert``, letting null through."""
    return lambda value: None if value is None else convert(value)


def text_of(column):
    """A string that fits ``column``; null only where the column takes it."""
    limit = _length(column)
    nullable = column.property.columns[0].nullable

    def convert(value):
        if value is None:
            if nullable:
                return None
            raise _Invalid("must not be null")
        if not isinstance(value, str):
            raise _Invalid(f"expected a string, got {_kind(value)}")
        if limit is not None and len(value) > limit:
            raise _Invalid(f"longer than {limit} characters")
        return value

    return convert


def blank_text_of(column):
    """Like ``text_of``, for columns that keep "" where pretix may write null."""
    convert = text_of(column)
    return lambda value: "" if value is None else convert(value)


def pretix_text_of(column):
    """Like ``text_of``, reading pretix's "None" as null."""
    convert = text_of(column)
    return lambda value: None if value == PRETIX_NONE else convert(value)


def decimal_of(places: int, digits: int):
    """A decimal written as a string, as pretix writes them ("23.00"), that fits the column."""
    limit = Decimal(10) ** (digits - places)

    def convert(value):
        if not isinstance(value, str) or not DECIMAL_RE.match(value):
            raise _Invalid(f'expected a decimal string like "23.00", got {_shown(value)}')
        number = Decimal(value)
        if number.as_tuple().exponent < -places:
            raise _Invalid(f"more than {places} decimal places: {value}")
        if abs(number) >= limit:
            raise _Invalid(f"too large: {value}")
        return number

    return convert


money = decimal_of(2, 13)
tax_rate = decimal_of(2, 10)


def integer(value):
    if isinstance(value, bool) or not isinstance(value, int):
        raise _Invalid(f"expected an integer, got {_kind(value)}")
    if not INTEGER_MIN <= value <= INTEGER_MAX:
        raise _Invalid(f"out of range: {value}")
    return value


def boolean(value):
    if not isinstance(value, bool):
        raise _Invalid(f"expected true or false, got {_kind(value)}")
    return value


def timestamp(value):
    """ISO 8601 to the store's naive UTC; a time without an offset is taken as UTC."""
    if not isinstance(value, str):
        raise _Invalid(f"expected an ISO 8601 date and time, got {_kind(value)}")
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise _Invalid(f"not an ISO 8601 date and time: {_shown(value)}") from None
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment


def day(value):
    if not isinstance(value, str):
        raise _Invalid(f"expected an ISO 8601 date, got {_kind(value)}")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise _Invalid(f"not an ISO 8601 date: {_shown(value)}") from None


optional_integer = optional(integer)
optional_timestamp = optional(timestamp)
_channel_text = text_of(SalesChannel.identifier)


def channels(value):
    """The identifiers of the sales channels a product may be sold on."""
    if not isinstance(value, list):
        raise _Invalid(f"expected a list of sales channels, got {_kind(value)}")
    return [_channel_text(identifier) for identifier in value]


def meta_data(value):
    """Meta data as pretix writes it: property name -> value, both strings."""
    if value is None:
        return None
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        raise _Invalid(f"expected an object of texts, got {_kind(value)}")
    return value


def included_tax(gross: Decimal, rate: Decimal) -> Decimal:
    """The tax in a gross amount at ``rate`` percent, to the cent (half up, as pretix)."""
    tax = gross * rate / (100 + rate)
    return tax.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def one_of(choices: tuple[str, ...]):
    def convert(value):
        if value not in choices:
            raise _Invalid(f"{_shown(value)} is not one of {', '.join(choices)}")
        return value

    return convert


_blocked_text = text_of(OrderPosition.blocked)


def blocked(value):
    """pretix writes the reasons a ticket is blocked as a list; the store keeps one string."""
    if value is None or isinstance(value, str):
        return _blocked_text(value or None)
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return _blocked_text(", ".join(value) or None)
    raise _Invalid(f"expected a list of strings, got {_kind(value)}")


def _kind(value) -> str:
    if value is None:
        return "null"
    return {bool: "a boolean", int: "a number", float: "a number", str: "a string"}.get(
        type(value), "a list" if isinstance(value, list) else "an object"
    )


def _shown(value) -> str:
    shown = json.dumps(value, ensure_ascii=False)
    return shown if len(shown) <= 40 else shown[:37] + "..."


# Records -----------------------------------------------------------------------------------
REQUIRED = object()


def _read(obj, where: str, spec: dict) -> dict:
    """The values of ``spec``'s keys in ``obj``, converted; a key with a default may be absent."""
    if not isinstance(obj, dict):
        raise ImportRefused(where, f"expected an object, got {_kind(obj)}")
    values = {}
    for key, (convert, default) in spec.items():
        if key not in obj:
            if default is REQUIRED:
                raise ImportRefused(f"{where}.{key}", "required key is missing")
            values[key] = default() if callable(default) else default
            continue
        try:
            values[key] = convert(obj[key])
        except _Invalid as exc:
            raise ImportRefused(f"{where}.{key}", str(exc)) from None
    return values


def _list(value, where: str) -> list:
    if not isinstance(value, list):
        raise ImportRefused(where, f"expected a list, got {_kind(value)}")
    return value


def _must(convert):
    return (convert, REQUIRED)


def _keep(value) -> object:
    return value


ORGANIZER = {"name": _must(text_of(Organizer.name)), "slug": _must(text_of(Organizer.slug))}
EVENT = {
    "name": _must(text_of(Event.name)),
    "slug": _must(text_of(Event.slug)),
    "organizer": _must(_keep),
    "categories": _must(_keep),
    "items": _must(_keep),
    "questions": _must(_keep),
    "orders": _must(_keep),
    "quotas": _must(_keep),
}
CATEGORY = {
    "id": _must(integer),
    "name": _must(text_of(ItemCategory.name)),
    "description": _must(blank_text_of(ItemCategory.description)),
    "position": _must(integer),
    "internal_name": (text_of(ItemCategory.internal_name), None),
}
# Keys of products and variations that older pretix versions do not write, with pretix's
# defaults for them.
ITEM_SETTINGS = {
    "sales_channels": (channels, None),
    "require_voucher": (boolean, False),
    "hide_without_voucher": (boolean, False),
    "allow_cancel": (boolean, True),
    "require_bundling": (boolean, False),
    "checkin_attention": (boolean, False),
    "checkin_text": (text_of(Item.checkin_text), None),
    "original_price": (optional(money), None),
    "issue_giftcard": (boolean, False),
    "meta_data": (meta_data, None),
    "require_membership": (boolean, False),
}
VARIATION_SETTINGS = {
    "sales_channels": (channels, None),
    "checkin_attention": (boolean, False),
    "checkin_text": (text_of(ItemVariation.checkin_text), None),
    "require_approval": (boolean, False),
    "require_membership": (boolean, False),
    "available_from": (optional_timestamp, None),
    "available_until": (optional_timestamp, None),
    "hide_without_voucher": (boolean, False),
    "meta_data": (meta_data, None),
}
ITEM = {
    "id": _must(integer),
    "position": _must(integer),
    "name": _must(text_of(Item.name)),
    "internal_name": _must(pretix_text_of(Item.internal_name)),
    "category": _must(optional_integer),
    "price": _must(money),
    "tax_rate": _must(tax_rate),
    "tax_name": _must(blank_text_of(Item.tax_name)),
    "admission": _must(boolean),
    "personalized": _must(boolean),
    "active": _must(boolean),
    "description": _must(blank_text_of(Item.description)),
    "available_from": _must(optional_timestamp),
    "available_until": _must(optional_timestamp),
    "min_per_order": _must(optional_integer),
    "max_per_order": _must(optional_integer),
    "variations": _must(_keep),
    **ITEM_SETTINGS,
}
VARIATION = {
    "id": _must(integer),
    "active": _must(boolean),
    "price": _must(optional(money)),
    "name": _must(text_of(ItemVariation.value)),
    "description": _must(blank_text_of(ItemVariation.description)),
    "position": _must(integer),
    **VARIATION_SETTINGS,
}
QUESTION = {
    "id": _must(integer),
    "identifier": _must(text_of(Question.identifier)),
    "required": _must(boolean),
    "question": _must(text_of(Question.question)),
    "position": _must(integer),
    "hidden": _must(boolean),
    "ask_during_checkin": _must(boolean),
    "help_text": _must(blank_text_of(Question.help_text)),
    "type": _must(one_of(QUESTION_TYPES)),
}
QUOTA = {
    "id": _must(integer),
    "size": _must(optional_integer),
    "items": _must(_keep),
    "variations": _must(_keep),
}
ORDER = {
    "code": _must(text_of(Order.code)),
    "status": _must(one_of(ORDER_STATUSES)),
    "customer": _must(text_of(Order.customer_identifier)),
    "testmode": _must(boolean),
    "email": _must(text_of(Order.email)),
    "phone": _must(pretix_text_of(Order.phone)),
    "locale": _must(text_of(Order.locale)),
    "comment": _must(blank_text_of(Order.comment)),
    "custom_followup_at": _must(optional(day)),
    "checkin_text": (text_of(Order.checkin_text), None),
    # pretix's REST API has them; its JSON export does not.
    "secret": (blank_text_of(Order.secret), None),
    "require_approval": _must(boolean),
    "checkin_attention": _must(boolean),
    "sales_channel": _must(text_of(Order.sales_channel)),
    "expires": _must(optional_timestamp),
    "datetime": _must(timestamp),
    "fees": _must(_keep),
    "total": _must(money),
    "positions": _must(_keep),
    "payments": (_keep, list),
    "refunds": (_keep, list),
}
FEE = {
    "type": _must(text_of(OrderFee.fee_type)),
    "description": _must(blank_text_of(OrderFee.description)),
    "value": _must(money),
    # Not in pretix's file: without them the fee gets the tax of the event's tax rule.
    "tax_rate": (optional(tax_rate), None),
    "tax_value": (optional(money), None),
}
POSITION = {
    "id": _must(integer),
    "positionid": _must(integer),
    "item": _must(integer),
    "variation": _must(optional_integer),
    "price": _must(money),
    "tax_rate": _must(tax_rate),
    "tax_value": _must(money),
    "attendee_name": _must(text_of(OrderPosition.attendee_name)),
    "attendee_email": _must(text_of(OrderPosition.attendee_email)),
    "company": _must(text_of(OrderPosition.company)),
    "street": _must(text_of(OrderPosition.street)),
    "zipcode": _must(text_of(OrderPosition.zipcode)),
    "country": _must(text_of(OrderPosition.country)),
    "state": _must(text_of(OrderPosition.state)),
    "secret": _must(text_of(OrderPosition.secret)),
    "web_secret": (blank_text_of(OrderPosition.web_secret), None),
    "city": (text_of(OrderPosition.city), None),
    "pseudonymization_id": (blank_text_of(OrderPosition.pseudonymization_id), None),
    "addon_to": _must(optional_integer),
    # Newer pretix versions only.
    "valid_from": (optional_timestamp, None),
    "valid_until": (optional_timestamp, None),
    "blocked": (blocked, None),
    "answers": _must(_keep),
    "checkins": (_keep, list),
}
ANSWER = {"question": _must(integer), "answer": _must(text_of(QuestionAnswer.answer))}
PAYMENT = {
    "local_id": _must(integer),
    "state": _must(one_of(PAYMENT_STATES)),
    "amount": _must(money),
    "provider": _must(text_of(OrderPayment.provider)),
    "created": _must(timestamp),
    "payment_date": (optional_timestamp, None),
}
REFUND = {
    "local_id": _must(integer),
    "state": _must(one_of(REFUND_STATES)),
    "source": (text_of(OrderRefund.source), "admin"),
    "amount": _must(money),
    "provider": _must(text_of(OrderRefund.provider)),
    "created": _must(timestamp),
    "execution_date": (optional_timestamp, None),
    "payment": (optional_integer, None),
}
CHECKIN = {
    "list": _must(integer),
    "datetime": _must(timestamp),
    "type": (one_of(CHECKIN_TYPES), "entry"),
    "successful": (boolean, True),
}


# The import ----------------------------------------------------------------------------------
def load(path: Path) -> dict:
    """The parsed file, or a refusal saying where the JSON breaks."""
    try:
        with open(path, "rb") as handle:
            document = json.load(handle)
    except UnicodeDecodeError as exc:
        raise ImportRefused("", f"the file is not UTF-8 text: {exc.reason}") from None
    except json.JSONDecodeError as exc:
        raise ImportRefused(
            "", f"the file is not JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"
        ) from None
    if not isinstance(document, dict):
        raise ImportRefused("", f"the file must hold a JSON object, not {_kind(document)}")
    return document


@dataclass
class ImportResult:
    organizer: str
    organizer_created: bool
    events: list[str]
    counts: dict[str, int]
    # What the import filled in itself, one sentence each.
    notes: list[str] = field(default_factory=list)
    # What the file could not carry, so the store does not have it.
    missing: list[str] = field(default_factory=list)


class _Absent:
    """Which of the values pretix's file may lack were absent anywhere in it."""

    # In the order they are listed; the first ones pretix's file never carries.
    ALWAYS = (
        "invoice addresses",
        "tax rules' internal names and whether prices include tax",
        "the events' languages and product names in each",
        "add-on categories",
        "products' free price, ticket, waiting list, approval and hidden-membership settings",
    )
    KINDS = (
        "payments",
        "refunds",
        "check-ins",
        "fees' tax",
        "order secrets (order links)",
        "ticket page secrets (position order links)",
        "attendees' cities",
        "pseudonymization IDs",
    )

    def __init__(self) -> None:
        self.found: set[str] = set()

    def note(self, kind: str) -> None:
        self.found.add(kind)

    def listed(self) -> list[str]:
        return [*self.ALWAYS[:1], *(k for k in self.KINDS if k in self.found), *self.ALWAYS[1:]]


class _Ids:
    """The next free primary key per table, read once inside the import's transaction."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self._next: dict = {}

    def take(self, model) -> int:
        if model not in self._next:
            self._next[model] = (self.session.scalar(select(func.max(model.id))) or 0) + 1
        value = self._next[model]
        self._next[model] = value + 1
        return value


@dataclass
class _Rows:
    """Rows to insert, per table, with add-on positions after the positions they belong to."""

    tables: dict = field(default_factory=lambda: {model: [] for model in MODELS})
    addon_positions: list[dict] = field(default_factory=list)
    quota_items: list[dict] = field(default_factory=list)
    quota_variations: list[dict] = field(default_factory=list)
    orders: int = 0


class JsonImport:
    """Check a parsed file (``check``), then write it (``write``), in one transaction.

    ``check`` reads the store (does the event exist, which ids are free) and builds every row;
    ``write`` inserts them and commits, or rolls back on any failure.
    """

    def __init__(
        self, session: Session, organizer_slug: str, document: dict, timezone: str = "UTC"
    ) -> None:
        self.session = session
        self.organizer_slug = organizer_slug
        self.document = document
        # pretix's file does not say the events' time zone: the caller does.
        self.timezone = timezone
        self.absent = _Absent()
        self.fees_taxed: dict[str, int] = {}
        self.ids = _Ids(session)
        self.organizer: Organizer | None = None
        self.new_organizer: dict | None = None
        self.catalogue = _Rows()
        self.order_batches: list[_Rows] = []
        self.event_slugs: list[str] = []
        self.events = self._events()
        # Sales channels the file names, in the order it names them, and those the
        # organizer has already.
        self.channels: dict[str, None] = {}
        self.known_channels: set[str] = set()

    def _events(self) -> list[tuple[str, dict]]:
        """The event objects of the file, each with the path that names it in messages."""
        document = self.document
        if "event" in document:
            return [("event", document["event"])]
        if "events" not in document:
            raise ImportRefused("event", "required key is missing")
        if "organizer" not in document:
            raise ImportRefused("organizer", "required key is missing")
        events = _list(document["events"], "events")
        return [(f"events[{index}]", event) for index, event in enumerate(events)]

    @property
    def order_count(self) -> int:
        return sum(
            len(event["orders"])
            for _, event in self.events
            if isinstance(event, dict) and isinstance(event.get("orders"), list)
        )

    # Checking --------------------------------------------------------------------------------
    def check(self, progress: Progress = _no_progress) -> None:
        """Refuse the file with ``ImportRefused`` unless all of it can be imported."""
        if not SLUG_RE.match(self.organizer_slug) or len(self.organizer_slug) > _length(
            Organizer.slug
        ):
            raise ImportRefused("", f"{self.organizer_slug!r} is not a valid organizer slug")
        self.organizer = self.session.scalar(
            select(Organizer).where(Organizer.slug == self.organizer_slug)
        )
        organizer_id = self._organizer_id()
        if self.organizer is not None:
            self.known_channels = set(
                self.session.scalars(
                    select(SalesChannel.identifier).where(SalesChannel.organizer_id == organizer_id)
                )
            )
        for where, event in self.events:
            self._check_event(event, where, organizer_id, progress)
        self._add_sales_channels(organizer_id)

    def name_channels(self, identifiers) -> None:
        """Sales channels the file names (for products, variations and orders)."""
        for identifier in identifiers:
            self.channels.setdefault(identifier, None)

    def _add_sales_channels(self, organizer_id: int) -> None:
        """The channels the file names that the organizer lacks: pretix's online shop
        first, as pretix places it, then the others labelled with their identifier."""
        new = [c for c in self.channels if c not in self.known_channels]
        new.sort(key=lambda identifier: identifier != WEB_CHANNEL)
        first = 0
        if self.known_channels:
            first = 1 + self.session.scalar(
                select(func.max(SalesChannel.position)).where(
                    SalesChannel.organizer_id == organizer_id
                )
            )
        for position, identifier in enumerate(new, first):
            web = identifier == WEB_CHANNEL
            self.catalogue.tables[SalesChannel].append(
                {
                    "id": self.ids.take(SalesChannel),
                    "organizer_id": organizer_id,
                    "identifier": identifier,
                    "type": "web" if web else "api",
                    "label": WEB_CHANNEL_LABEL if web else identifier,
                    "position": position,
                }
            )

    def _organizer_id(self) -> int:
        if self.organizer is not None:
            return self.organizer.id
        if "events" in self.document:
            where, source = "organizer", self.document["organizer"]
        else:
            where, source = "event.organizer", self.events[0][1]
            source = _read(source, "event", {"organizer": _must(_keep)})["organizer"]
        name = _read(source, where, ORGANIZER)["name"]
        self.new_organizer = {
            "id": self.ids.take(Organizer),
            "slug": self.organizer_slug,
            "name": name,
        }
        return self.new_organizer["id"]

    def _check_event(self, source, where: str, organizer_id: int, progress: Progress) -> None:
        event = _read(source, where, EVENT)
        _read(event["organizer"], f"{where}.organizer", ORGANIZER)
        slug = event["slug"]
        if not SLUG_RE.match(slug):
            raise ImportRefused(f"{where}.slug", f"{_shown(slug)} is not a valid event slug")
        if slug.lower() in (s.lower() for s in self.event_slugs) or (
            self.organizer is not None
            and self.session.scalar(
                select(Event.id).where(
                    Event.organizer_id == organizer_id, func.lower(Event.slug) == slug.lower()
                )
            )
        ):
            raise ImportRefused(
                f"{where}.slug",
                f"organizer {self.organizer_slug!r} already has an event {slug!r}",
            )
        self.event_slugs.append(slug)
        event_id = self.ids.take(Event)
        catalogue = _Catalogue(self, event_id, where)
        catalogue.read(event)
        orders = _list(event["orders"], f"{where}.orders")
        self.catalogue.tables[Event].append(
            {
                "id": event_id,
                "organizer_id": organizer_id,
                "slug": slug,
                "name": event["name"],
                "date_from": self._event_date(orders, where),
                "timezone": self.timezone,
            }
        )
        codes: set[str] = set()
        batch = _Rows()
        for index, order in enumerate(orders):
            _OrderReader(self, catalogue, batch, f"{where}.orders[{index}]", codes).read(order)
            orders[index] = None  # the rows replace it; keeps memory near one copy of the file
            if batch.orders == BATCH_ORDERS:
                progress(batch.orders)
                self.order_batches.append(batch)
                batch = _Rows()
        if batch.orders:
            progress(batch.orders)
            self.order_batches.append(batch)
        catalogue.add_checkin_lists()

    def _event_date(self, orders: list, where: str) -> datetime:
        """pretix's file has no event date; the last sale is the closest thing it tells."""
        latest = None
        for index, order in enumerate(orders):
            if isinstance(order, dict) and "datetime" in order:
                try:
                    moment = timestamp(order["datetime"])
                except _Invalid as exc:
                    raise ImportRefused(f"{where}.orders[{index}].datetime", str(exc)) from None
                latest = moment if latest is None else max(latest, moment)
        return latest or datetime.now(UTC).replace(tzinfo=None, microsecond=0)

    # Writing ---------------------------------------------------------------------------------
    def write(self, progress: Progress = _no_progress) -> ImportResult:
        """Insert everything ``check`` built and commit; roll back on any failure."""
        try:
            if self.new_organizer is not None:
                self._insert(Organizer, [self.new_organizer])
            self._insert_rows(self.catalogue)
            for batch in self.order_batches:
                self._insert_rows(batch)
                progress(batch.orders)
            self._reset_sequences()
            self.session.commit()
        except SQLAlchemyError as exc:
            self.session.rollback()
            reason = getattr(exc, "orig", None) or exc
            raise ImportRefused(
                "", f"writing to the store failed, nothing was imported: {reason}"
            ) from exc
        except BaseException:
            self.session.rollback()
            raise
        return ImportResult(
            organizer=self.organizer_slug,
            organizer_created=self.new_organizer is not None,
            events=self.event_slugs,
            counts=self._counts(),
            notes=[
                f"{count} fees without tax in the file got the tax of the event's tax rule: {rule}"
                for rule, count in self.fees_taxed.items()
            ],
            missing=self.absent.listed(),
        )

    def _insert_rows(self, rows: _Rows) -> None:
        for model in MODELS:
            self._insert(model, rows.tables[model])
            if model is Quota:
                self._insert(quota_items, rows.quota_items)
                self._insert(quota_variations, rows.quota_variations)
            if model is OrderPosition:
                self._insert(OrderPosition, rows.addon_positions)

    def _insert(self, table, rows: list[dict]) -> None:
        if rows:
            self.session.execute(insert(getattr(table, "__table__", table)), rows)

    def _reset_sequences(self) -> None:
        """On PostgreSQL, move the id sequences past the explicit ids inserted."""
        if self.session.get_bind().dialect.name != "postgresql":
            return
        for model in MODELS:
            name = model.__tablename__
            self.session.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                    f"(SELECT MAX(id) FROM {name}))"
                )
            )

    def _counts(self) -> dict[str, int]:
        def count(model) -> int:
            rows = sum(len(b.tables[model]) for b in self.order_batches)
            if model is OrderPosition:
                rows += sum(len(b.addon_positions) for b in self.order_batches)
            return rows

        return {
            "orders": count(Order),
            "positions": count(OrderPosition),
            "fees": count(OrderFee),
            "answers": count(QuestionAnswer),
            "payments": count(OrderPayment),
            "refunds": count(OrderRefund),
            "checkins": count(Checkin),
        }


class _Catalogue:
    """One event's categories, products, questions, quotas and check-in lists, with the
    file's ids mapped to new ones."""

    def __init__(self, job: JsonImport, event_id: int, where: str) -> None:
        self.job = job
        self.rows = job.catalogue
        self.event_id = event_id
        self.where = where
        self.categories: dict[int, int] = {}
        self.items: dict[int, dict] = {}
        self.variations: dict[int, dict] = {}
        self.questions: dict[int, int] = {}
        self.checkin_lists: dict[int, int] = {}
        # A rule per rate and name the products have; fees without tax get ``fee_rule``'s.
        self.tax_rules: dict[tuple, dict] = {}
        self.fee_rule: dict | None = None

    def read(self, event: dict) -> None:
        self._categories(_list(event["categories"], f"{self.where}.categories"))
        self._items(_list(event["items"], f"{self.where}.items"))
        self.fee_rule = self._main_tax_rule()
        self._questions(_list(event["questions"], f"{self.where}.questions"))
        self._quotas(_list(event["quotas"], f"{self.where}.quotas"))

    def _tax_rule(self, rate: Decimal, name: str) -> int | None:
        """The rule for a product's rate and tax name, made on first use; none for a product
        without tax. The file says neither the rule's internal name nor whether prices
        include tax: pretix's default, they do."""
        if not rate and not name:
            return None
        key = (rate, name)
        if key not in self.tax_rules:
            row = {
                "id": self.job.ids.take(TaxRule),
                "event_id": self.event_id,
                "internal_name": None,
                "name": name,
                "rate": rate,
                "price_includes_tax": True,
            }
            self.tax_rules[key] = row
            self.rows.tables[TaxRule].append(row)
        return self.tax_rules[key]["id"]

    def _main_tax_rule(self) -> dict | None:
        """The event's tax rule, as far as the file tells: the one most products use (of
        equals, the first product's)."""
        uses = Counter(row["tax_rule_id"] for row in self.items.values() if row["tax_rule_id"])
        if not uses:
            return None
        main = max(uses, key=uses.__getitem__)
        return next(row for row in self.tax_rules.values() if row["id"] == main)

    def _new_id(self, known: dict, file_id: int, where: str, model, what: str) -> int:
        if file_id in known:
            raise ImportRefused(where, f"duplicate {what} id {file_id}")
        return self.job.ids.take(model)

    def _settings(self, values: dict, keys: dict) -> dict:
        """A product's or variation's settings as store columns. The file lists the sales
        channels it may be sold on: the store keeps them as a limit (the same channels,
        whether pretix had them all or some), and the organizer gets those it lacks."""
        row = {key: values[key] for key in keys if key != "sales_channels"}
        listed = values["sales_channels"]
        row["all_sales_channels"] = listed is None
        row["limit_sales_channels"] = listed
        self.job.name_channels(listed or ())
        return row

    def _categories(self, categories: list) -> None:
        for index, source in enumerate(categories):
            where = f"{self.where}.categories[{index}]"
            category = _read(source, where, CATEGORY)
            new_id = self._new_id(
                self.categories, category["id"], f"{where}.id", ItemCategory, "category"
            )
            self.categories[category["id"]] = new_id
            self.rows.tables[ItemCategory].append(
                {
                    "id": new_id,
                    "event_id": self.event_id,
                    "name": category["name"],
                    "description": category["description"],
                    "position": category["position"],
                    "internal_name": category["internal_name"],
                }
            )

    def _items(self, items: list) -> None:
        for index, source in enumerate(items):
            where = f"{self.where}.items[{index}]"
            item = _read(source, where, ITEM)
            new_id = self._new_id(self.items, item["id"], f"{where}.id", Item, "product")
            category = item["category"]
            if category is not None and category not in self.categories:
                raise ImportRefused(f"{where}.category", f"unknown category id {category}")
            row = {
                "id": new_id,
                "event_id": self.event_id,
                "category_id": self.categories.get(category),
                "name": item["name"],
                "internal_name": item["internal_name"],
                "description": item["description"],
                "default_price": item["price"],
                "tax_rate": item["tax_rate"],
                "tax_name": item["tax_name"],
                "tax_rule_id": self._tax_rule(item["tax_rate"], item["tax_name"]),
                "admission": item["admission"],
                "personalized": item["personalized"],
                "active": item["active"],
                "position": item["position"],
                "available_from": item["available_from"],
                "available_until": item["available_until"],
                "min_per_order": item["min_per_order"],
                "max_per_order": item["max_per_order"],
                **self._settings(item, ITEM_SETTINGS),
            }
            self.items[item["id"]] = row
            self.rows.tables[Item].append(row)
            variations = _list(item["variations"], f"{where}.variations")
            for number, variation_source in enumerate(variations):
                self._variation(variation_source, f"{where}.variations[{number}]", item["id"])

    def _variation(self, source, where: str, item_file_id: int) -> None:
        variation = _read(source, where, VARIATION)
        new_id = self._new_id(
            self.variations, variation["id"], f"{where}.id", ItemVariation, "variation"
        )
        row = {
            "id": new_id,
            "item_id": self.items[item_file_id]["id"],
            "value": variation["name"],
            "description": variation["description"],
            "default_price": variation["price"],
            "active": variation["active"],
            "position": variation["position"],
            **self._settings(variation, VARIATION_SETTINGS),
        }
        self.variations[variation["id"]] = {"row": row, "item": item_file_id}
        self.rows.tables[ItemVariation].append(row)

    def _questions(self, questions: list) -> None:
        for index, source in enumerate(questions):
            where = f"{self.where}.questions[{index}]"
            question = _read(source, where, QUESTION)
            new_id = self._new_id(
                self.questions, question["id"], f"{where}.id", Question, "question"
            )
            self.questions[question["id"]] = new_id
            self.rows.tables[Question].append(
                {
                    "id": new_id,
                    "event_id": self.event_id,
                    "question": question["question"],
                    "identifier": question["identifier"],
                    "type": question["type"],
                    "required": question["required"],
                    "position": question["position"],
                    "hidden": question["hidden"],
                    "ask_during_checkin": question["ask_during_checkin"],
                    "help_text": question["help_text"],
                }
            )

    def _quotas(self, quotas: list) -> None:
        seen: set[int] = set()
        for index, source in enumerate(quotas):
            where = f"{self.where}.quotas[{index}]"
            quota = _read(source, where, QUOTA)
            new_id = self._new_id(seen, quota["id"], f"{where}.id", Quota, "quota")
            seen.add(quota["id"])
            self.rows.tables[Quota].append(
                {
                    "id": new_id,
                    "event_id": self.event_id,
                    "name": f"Quota {quota['id']}",
                    "size": quota["size"],
                }
            )
            for item_id in self._references(quota["items"], f"{where}.items", "product"):
                self.rows.quota_items.append(
                    {"quota_id": new_id, "item_id": self.items[item_id]["id"]}
                )
            for variation_id in self._references(
                quota["variations"], f"{where}.variations", "variation"
            ):
                self.rows.quota_variations.append(
                    {"quota_id": new_id, "variation_id": self.variations[variation_id]["row"]["id"]}
                )

    def _references(self, ids, where: str, what: str) -> list[int]:
        known = self.items if what == "product" else self.variations
        unique = []
        for index, file_id in enumerate(_list(ids, where)):
            try:
                integer(file_id)
            except _Invalid as exc:
                raise ImportRefused(f"{where}[{index}]", str(exc)) from None
            if file_id not in known:
                raise ImportRefused(f"{where}[{index}]", f"unknown {what} id {file_id}")
            if file_id not in unique:
                unique.append(file_id)
        return unique

    def checkin_list(self, file_id: int) -> int:
        """The new check-in list for a list id the file's check-ins name."""
        if file_id not in self.checkin_lists:
            self.checkin_lists[file_id] = self.job.ids.take(CheckinList)
        return self.checkin_lists[file_id]

    def add_checkin_lists(self) -> None:
        for file_id, new_id in self.checkin_lists.items():
            self.rows.tables[CheckinList].append(
                {
                    "id": new_id,
                    "event_id": self.event_id,
                    "name": f"Check-in list {file_id}",
                    "all_products": True,
                    "include_pending": False,
                }
            )


class _OrderReader:
    """Reads one order of the file into rows of a batch."""

    def __init__(self, job, catalogue: _Catalogue, batch: _Rows, where: str, codes: set) -> None:
        self.job = job
        self.ids = job.ids
        self.catalogue = catalogue
        self.batch = batch
        self.where = where
        self.codes = codes

    def read(self, source) -> None:
        where = self.where
        order = _read(source, where, ORDER)
        code = order["code"]
        if not code:
            raise ImportRefused(f"{where}.code", "must not be empty")
        if code in self.codes:
            raise ImportRefused(f"{where}.code", f"duplicate order code {code!r}")
        self.codes.add(code)
        order_id = self.ids.take(Order)
        tables = self.batch.tables
        tables[Order].append(
            {
                "id": order_id,
                "event_id": self.catalogue.event_id,
                "code": code,
                "status": order["status"],
                "email": order["email"],
                "phone": order["phone"],
                "locale": order["locale"],
                "datetime": order["datetime"],
                "expires": order["expires"],
                "total": order["total"],
                "comment": order["comment"],
                "custom_followup_at": order["custom_followup_at"],
                "checkin_attention": order["checkin_attention"],
                "require_approval": order["require_approval"],
                "testmode": order["testmode"],
                "sales_channel": order["sales_channel"],
                "customer_identifier": order["customer"],
                "checkin_text": order["checkin_text"],
                "secret": order["secret"] or "",
            }
        )
        self.job.name_channels((order["sales_channel"],))
        self.batch.orders += 1
        for key, kind in (
            ("secret", "order secrets (order links)"),
            ("payments", "payments"),
            ("refunds", "refunds"),
        ):
            if key not in source or (key == "secret" and not order["secret"]):
                self.job.absent.note(kind)
        for index, fee in enumerate(_list(order["fees"], f"{where}.fees")):
            self._fee(order_id, _read(fee, f"{where}.fees[{index}]", FEE))
        self._positions(order_id, _list(order["positions"], f"{where}.positions"))
        payments = self._payments(order_id, _list(order["payments"], f"{where}.payments"))
        self._refunds(order_id, _list(order["refunds"], f"{where}.refunds"), payments)

    def _fee(self, order_id: int, fee: dict) -> None:
        """A fee, taxed as the file says or else with the event's tax rule (fee values are
        gross, as the rule's prices)."""
        rate, tax, rule = fee["tax_rate"], fee["tax_value"], None
        if rate is None:
            self.job.absent.note("fees' tax")
            rule = self.catalogue.fee_rule
            rate = rule["rate"] if rule else Decimal("0.00")
            tax = None
            if rule:
                label = f"{rule['name']} {rule['rate'].normalize():f}%"
                self.job.fees_taxed[label] = self.job.fees_taxed.get(label, 0) + 1
        if tax is None:
            tax = included_tax(fee["value"], rate)
        self.batch.tables[OrderFee].append(
            {
                "id": self.ids.take(OrderFee),
                "order_id": order_id,
                "fee_type": fee["type"],
                "description": fee["description"],
                "value": fee["value"],
                "tax_rate": rate,
                "tax_value": tax,
                "tax_name": rule["name"] if rule else "",
                "tax_rule_id": rule["id"] if rule else None,
                "canceled": False,
            }
        )

    def _positions(self, order_id: int, sources: list) -> None:
        read = []
        new_ids: dict[int, int] = {}
        for index, source in enumerate(sources):
            where = f"{self.where}.positions[{index}]"
            position = _read(source, where, POSITION)
            if "checkins" not in source:
                self.job.absent.note("check-ins")
            if position["id"] in new_ids:
                raise ImportRefused(f"{where}.id", f"duplicate position id {position['id']}")
            new_ids[position["id"]] = self.ids.take(OrderPosition)
            read.append((where, position))
        parents = {p["id"]: p["addon_to"] for _, p in read}
        for where, position in read:
            self._position(order_id, where, position, new_ids, parents)

    def _position(self, order_id, where, position, new_ids, parents) -> None:
        for key, kind in (
            ("web_secret", "ticket page secrets (position order links)"),
            ("city", "attendees' cities"),
            ("pseudonymization_id", "pseudonymization IDs"),
        ):
            if not position[key]:
                self.job.absent.note(kind)
        catalogue = self.catalogue
        item = catalogue.items.get(position["item"])
        if item is None:
            raise ImportRefused(f"{where}.item", f"unknown product id {position['item']}")
        variation_id = position["variation"]
        if variation_id is not None:
            variation = catalogue.variations.get(variation_id)
            if variation is None:
                raise ImportRefused(f"{where}.variation", f"unknown variation id {variation_id}")
            if variation["item"] != position["item"]:
                raise ImportRefused(
                    f"{where}.variation",
                    f"variation {variation_id} is not a variation of product {position['item']}",
                )
        addon_to = position["addon_to"]
        if addon_to is not None:
            if addon_to not in new_ids or addon_to == position["id"]:
                raise ImportRefused(
                    f"{where}.addon_to", f"no other position with id {addon_to} in this order"
                )
            if parents[addon_to] is not None:
                raise ImportRefused(f"{where}.addon_to", f"position {addon_to} is itself an add-on")
        new_id = new_ids[position["id"]]
        row = {
            "id": new_id,
            "order_id": order_id,
            "positionid": position["positionid"],
            "item_id": item["id"],
            "variation_id": None if variation_id is None else variation["row"]["id"],
            "price": position["price"],
            "tax_rate": position["tax_rate"],
            "tax_value": position["tax_value"],
            "tax_name": item["tax_name"],
            "tax_rule_id": item["tax_rule_id"],
            "attendee_name": position["attendee_name"],
            "attendee_email": position["attendee_email"],
            "company": position["company"],
            "street": position["street"],
            "zipcode": position["zipcode"],
            "city": position["city"],
            "country": position["country"],
            "state": position["state"],
            "secret": position["secret"],
            "pseudonymization_id": position["pseudonymization_id"] or "",
            "web_secret": position["web_secret"] or "",
            "addon_to_id": None if addon_to is None else new_ids[addon_to],
            "valid_from": position["valid_from"],
            "valid_until": position["valid_until"],
            "blocked": position["blocked"],
            "canceled": False,
        }
        if addon_to is None:
            self.batch.tables[OrderPosition].append(row)
        else:
            self.batch.addon_positions.append(row)
        for index, source in enumerate(_list(position["answers"], f"{where}.answers")):
            self._answer(new_id, _read(source, f"{where}.answers[{index}]", ANSWER), where, index)
        for index, source in enumerate(_list(position["checkins"], f"{where}.checkins")):
            self._checkin(new_id, _read(source, f"{where}.checkins[{index}]", CHECKIN))

    def _answer(self, position_id: int, answer: dict, where: str, index: int) -> None:
        question_id = self.catalogue.questions.get(answer["question"])
        if question_id is None:
            raise ImportRefused(
                f"{where}.answers[{index}].question", f"unknown question id {answer['question']}"
            )
        self.batch.tables[QuestionAnswer].append(
            {
                "id": self.ids.take(QuestionAnswer),
                "position_id": position_id,
                "question_id": question_id,
                "answer": answer["answer"],
            }
        )

    def _checkin(self, position_id: int, checkin: dict) -> None:
        self.batch.tables[Checkin].append(
            {
                "id": self.ids.take(Checkin),
                "list_id": self.catalogue.checkin_list(checkin["list"]),
                "position_id": position_id,
                "datetime": checkin["datetime"],
                "type": checkin["type"],
                "successful": checkin["successful"],
            }
        )

    def _payments(self, order_id: int, sources: list) -> dict[int, int]:
        """The payments' new ids by their ``local_id``, for the refunds that name them."""
        new_ids: dict[int, int] = {}
        for index, source in enumerate(sources):
            where = f"{self.where}.payments[{index}]"
            payment = _read(source, where, PAYMENT)
            if payment["local_id"] in new_ids:
                raise ImportRefused(
                    f"{where}.local_id", f"duplicate payment local_id {payment['local_id']}"
                )
            new_id = self.ids.take(OrderPayment)
            new_ids[payment["local_id"]] = new_id
            self.batch.tables[OrderPayment].append(
                {
                    "id": new_id,
                    "order_id": order_id,
                    "local_id": payment["local_id"],
                    "state": payment["state"],
                    "amount": payment["amount"],
                    "provider": payment["provider"],
                    "created": payment["created"],
                    "payment_date": payment["payment_date"],
                }
            )
        return new_ids

    def _refunds(self, order_id: int, sources: list, payments: dict[int, int]) -> None:
        seen: set[int] = set()
        for index, source in enumerate(sources):
            where = f"{self.where}.refunds[{index}]"
            refund = _read(source, where, REFUND)
            if refund["local_id"] in seen:
                raise ImportRefused(
                    f"{where}.local_id", f"duplicate refund local_id {refund['local_id']}"
                )
            seen.add(refund["local_id"])
            payment = refund["payment"]
            if payment is not None and payment not in payments:
                raise ImportRefused(
                    f"{where}.payment", f"no payment with local_id {payment} in this order"
                )
            self.batch.tables[OrderRefund].append(
                {
                    "id": self.ids.take(OrderRefund),
                    "order_id": order_id,
                    "payment_id": None if payment is None else payments[payment],
                    "local_id": refund["local_id"],
                    "state": refund["state"],
                    "source": refund["source"],
                    "amount": refund["amount"],
                    "provider": refund["provider"],
                    "created": refund["created"],
                    "execution_date": refund["execution_date"],
                }
            )
