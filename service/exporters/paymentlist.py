"""``paymentlist``, "Payments and refunds": one row per payment and per refund, by creation
time, as pretix's ``PaymentListExporter`` lists them.

As in pretix, a state list that is left out selects nothing of that kind; refunds show a
negative amount; ``start_date_range`` filters by creation and ``end_date_range`` by
completion (payment or execution date), so it leaves out anything not completed. Date
frames are resolved in each event's own time zone. "Comment" is a refund's; "Matching ID" what
the provider gives accounting to match a payment or refund with (Stripe's charge or refund id,
PayPal's capture); "Payment details" the provider's short rendering (``payment_details``);
"Invoice numbers" the order's invoices. Where the event lacks a payment's provider (its
plugin is off), both stay empty, as in pretix.

Payments and refunds are read in two key-set streams on (created, id) and merged, so memory
stays flat however many there are.
"""

import heapq
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from itertools import islice

from sqlalchemy import and_, func, literal, or_, select

from ..store import queries
from ..store.catalog_queries import SortKey, iter_keyset
from ..store.models import Invoice, Order, OrderPayment, OrderRefund
from . import dateframes, params, register
from .base import ListExporter
from .base_types import Table
from .localtime import EventClock
from .payment_details import payment_details, refund_details
from .payment_providers import active_in, matching_id, refund_matching_id
from .payment_providers import name as provider_name

PAYMENT_STATES = {
    "created": "created",
    "pending": "pending",
    "confirmed": "confirmed",
    "canceled": "canceled",
    "failed": "failed",
    "refunded": "refunded",
}
REFUND_STATES = {
    "external": "started externally",
    "created": "created",
    "transit": "in transit",
    "done": "done",
    "failed": "failed",
    "canceled": "canceled",
}
COLUMNS = [
    "Event slug",
    "Order",
    "Payment ID",
    "Creation date",
    "Completion date",
    "Status",
    "Status code",
    "Amount",
    "Payment method",
    "Comment",
    "Matching ID",
    "Payment details",
    "Invoice numbers",
]
# Rows whose orders' invoice numbers are looked up with one query.
BATCH_ROWS = 500


@dataclass(frozen=True)
class _Kind:
    """What differs between the payment and the refund stream."""

    model: type
    completed: object  # the completion date column
    states_parameter: str
    letter: str  # in the full ID, e.g. ABC12-P-1
    labels: dict
    sign: int
    rank: int  # payments first among rows created at the same moment
    comment: object  # the comment column, or NULL for payments
    matching_id: Callable[[str, dict | None], str]
    details: Callable[[str, dict | None], str]


PAYMENTS = _Kind(
    OrderPayment,
    OrderPayment.payment_date,
    "payment_states",
    "P",
    PAYMENT_STATES,
    1,
    0,
    literal(None),
    matching_id,
    payment_details,
)
REFUNDS = _Kind(
    OrderRefund,
    OrderRefund.execution_date,
    "refund_states",
    "R",
    REFUND_STATES,
    -1,
    1,
    OrderRefund.comment,
    refund_matching_id,
    refund_details,
)


@register
class PaymentListExporter(ListExporter):
    identifier = "paymentlist"
    verbose_name = "Payments and refunds"
    description = (
        "One row per payment and per refund with its state, amount, method and dates: for "
        "bookkeeping and to match bank statements."
    )
    multi_event = True
    file_stem = "payments"

    def additional_fields(self) -> dict[str, params.Param]:
        return {
            "end_date_range": params.DateFrame(
                **params.ui(
                    "Date range (payment date)",
                    help="Completed in this period; leaves out what is not completed.",
                )
            ),
            "start_date_range": params.DateFrame(
                **params.ui("Date range (start of transaction)", help="Created in this period.")
            ),
            "payment_states": params.MultipleChoice(
                list(PAYMENT_STATES),
                labels=PAYMENT_STATES,
                **params.ui(
                    "Payment states",
                    initial=["confirmed", "refunded"],
                    help="Only payments in the checked states. None checked: no payments.",
                ),
            ),
            "refund_states": params.MultipleChoice(
                list(REFUND_STATES),
                labels=REFUND_STATES,
                **params.ui(
                    "Refund states",
                    initial=["done", "created", "transit"],
                    help="Only refunds in the checked states. None checked: no refunds.",
                ),
            ),
        }

    def _conditions(self, kind: _Kind, form: dict) -> list:
        model = kind.model
        conditions = [
            Order.event_id.in_([e.id for e in self.scope.events]),
            model.state.in_(form.get(kind.states_parameter) or []),
        ]
        for name, column in (
            ("start_date_range", model.created),
            ("end_date_range", kind.completed),
        ):
            if form.get(name):
                conditions.append(self._within(form[name], column))
        return conditions

    def _within(self, frame: str, column):
        """``column`` inside the frame, resolved per event in that event's time zone."""
        per_event = []
        for event in self.scope.events:
            start, end = dateframes.resolve(frame, event.timezone)
            parts = [Order.event_id == event.id]
            if start is not None:
                parts.append(column >= start)
            if end is not None:
                parts.append(column < end)
            per_event.append(and_(*parts))
        return or_(*per_event)

    def _count(self, kind: _Kind, form: dict) -> int:
        model = kind.model
        return self.session.scalar(
            select(func.count())
            .select_from(model)
            .join(Order, Order.id == model.order_id)
            .where(*self._conditions(kind, form))
        )

    def _stream(self, kind: _Kind, form: dict) -> Iterator[tuple]:
        model = kind.model
        query = (
            select(
                model.id,
                model.local_id,
                model.state,
                model.amount,
                model.provider,
                model.created,
                kind.completed.label("completed"),
                kind.comment.label("comment"),
                model.details,
                model.order_id,
                Order.code,
                Order.event_id,
            )
            .join(Order, Order.id == model.order_id)
            .where(*self._conditions(kind, form))
        )
        keys = [SortKey(model.created), SortKey(model.id)]
        for chunk in iter_keyset(self.session, query, keys):
            for row in chunk:
                yield (row.created, kind.rank, row.id), kind, row

    def table(self, form: dict) -> Table:
        total = self._count(PAYMENTS, form) + self._count(REFUNDS, form)
        merged = heapq.merge(
            self._stream(PAYMENTS, form), self._stream(REFUNDS, form), key=lambda t: t[0]
        )
        return Table(COLUMNS, total, self._rows(merged))

    def _rows(self, merged) -> Iterator[list]:
        clock = EventClock(self.scope.events)
        plugins = {e.id: getattr(e, "plugins", None) for e in self.scope.events}
        while batch := list(islice(merged, BATCH_ROWS)):
            invoices = self._invoice_numbers({row.order_id for _key, _kind, row in batch})
            for _key, kind, row in batch:
                rendered = active_in(row.provider, plugins[row.event_id])
                yield [
                    clock.slug(row.event_id),
                    row.code,
                    f"{row.code}-{kind.letter}-{row.local_id}",
                    self._day(clock, row.event_id, row.created),
                    self._day(clock, row.event_id, row.completed),
                    kind.labels.get(row.state, row.state),
                    row.state,
                    row.amount * kind.sign,
                    provider_name(row.provider),
                    row.comment or "",
                    kind.matching_id(row.provider, row.details) if rendered else "",
                    kind.details(row.provider, row.details) if rendered else "",
                    invoices.get(row.order_id, ""),
                ]

    def _invoice_numbers(self, order_ids: set[int]) -> dict[int, str]:
        """Order id -> its invoices' numbers, oldest first, comma-joined."""
        found = defaultdict(list)
        for order_id, number in self.session.execute(
            select(Invoice.order_id, Invoice.number)
            .where(queries.id_in(self.session, Invoice.order_id, order_ids))
            .order_by(Invoice.order_id, Invoice.id)
        ):
            found[order_id].append(number)
        return {order_id: ", ".join(numbers) for order_id, numbers in found.items()}

    @staticmethod
    def _day(clock: EventClock, event_id: int, moment: datetime | None):
        return None if moment is None else clock.local(event_id, moment).date()
