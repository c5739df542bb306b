"""``checkinlog``, "Check-in log (all scans)": one row per scan of the event, successful or
failed, by scan time, as pretix's ``CheckinLogList`` writes it.

Filters as in pretix: one check-in list or all; products (a scan counts for the product of
its ticket, or, for a code the scanner could not match to a ticket, the product it named;
choosing every product filters nothing, so such codes stay in); successful scans only; a
date frame on the scan time, in the event's time zone. Dates and times are pretix's short
formats in the event's time zone; "Upload date" is when the scan reached the server. The
name is the attendee's, else the parent ticket's attendee's, else the invoice name.

The store cannot always tell whether a scan was sent from offline mode (pretix's API does
not say); pretix's own default for that is "no", and that is what such scans show.

The scans come from one query streamed to its end, a batch of columns at a time, and the
cells are made column by column, as the order list's sheets are.
"""

from collections.abc import Iterator, Sequence
from functools import partial

from sqlalchemy import func, or_, select

from ..store.checkin_queries import Parent, lists_of_event
from ..store.models import Checkin, CheckinList, Device, Gate, Item, Order, OrderPosition
from ..store.queries import streamed_columns
from . import dateframes, params, register, writers
from .base import ListExporter
from .base_types import Table
from .localtime import EventClock
from .pretix_formats import short_dates, short_times, yes_no_column

COLUMNS = [
    "Date",
    "Time",
    "Check-in list",
    "Scan type",
    "Order code",
    "Position ID",
    "Secret",
    "Product",
    "Name",
    "Device",
    "Offline",
    "Offline override",
    "Automatically checked in",
    "Gate",
    "Result",
    "Error message",
    "Upload date",
    "Upload time",
]
SCAN_TYPES = {"entry": "Entry", "exit": "Exit"}
# pretix's texts for why a scan failed.
ERROR_REASONS = {
    "canceled": "Order canceled",
    "invalid": "Unknown ticket",
    "unpaid": "Ticket not paid",
    "rules": "Forbidden by custom rule",
    "revoked": "Ticket code revoked/changed",
    "incomplete": "Information required",
    "already_redeemed": "Ticket already used",
    "product": "Ticket type not allowed here",
    "ambiguous": "Ticket code is ambiguous on list",
    "error": "Server error",
    "blocked": "Ticket blocked",
    "unapproved": "Order not approved",
    "invalid_time": "Ticket not valid at this time",
    "annulled": "Check-in annulled",
    "already_exchanged": "Ticket already exchanged",
    "medium_invalid": "Reusable medium invalid",
    "medium_exists": "Reusable medium already exists",
}


def device_label(device: Device) -> str:
    """As pretix names a device: ``#1: Scanner 1 (Zebra TC21)``."""
    return f"#{device.id}: {device.name} ({device.hardware_brand} {device.hardware_model})"


@register
class CheckinLogExporter(ListExporter):
    identifier = "checkinlog"
    verbose_name = "Check-in log (all scans)"
    description = (
        "Every scan at your check-in stations, successful or not, with list, device, gate and "
        "result: to see what happened at the entrance."
    )
    file_stem = "checkinlog"

    def _event_id(self) -> int:
        return self.scope.events[0].id

    def additional_fields(self) -> dict[str, params.Param]:
        lists = lists_of_event(self.session, self._event_id())
        items = self.session.execute(
            select(Item.id, Item.name)
            .where(Item.event_id == self._event_id())
            .order_by(Item.position, Item.id)
        ).all()
        return {
            "list": params.Choice(
                [i for i, _ in lists],
                labels=dict(lists),
                listed=False,
                **params.ui("Check-in list", help="None chosen: all lists."),
            ),
            "items": params.MultipleChoice(
                [i for i, _ in items],
                required=True,
                labels=dict(items),
                listed=False,
                **params.ui("Limit to products", initial=[i for i, _ in items]),
            ),
            "successful_only": params.Boolean(**params.ui("Successful scans only", initial=True)),
            "date_range": params.DateFrame(**params.ui("Date range", help="Scans in this period.")),
        }

    def _conditions(self, form: dict) -> list:
        event = self.scope.events[0]
        lists = select(CheckinList.id).where(CheckinList.event_id == event.id)
        conditions = [Checkin.list_id.in_(lists)]
        if form.get("list") is not None:
            conditions.append(Checkin.list_id == form["list"])
        chosen = form.get("items") or []
        every = self.session.scalar(select(func.count()).where(Item.event_id == event.id))
        if chosen and len(chosen) != every:
            conditions.append(
                or_(OrderPosition.item_id.in_(chosen), Checkin.raw_item_id.in_(chosen))
            )
        if form.get("successful_only"):
            conditions.append(Checkin.successful.is_(True))
        if form.get("date_range"):
            start, end = dateframes.resolve(form["date_range"], event.timezone)
            if start is not None:
                conditions.append(Checkin.datetime >= start)
            if end is not None:
                conditions.append(Checkin.datetime < end)
        return conditions

    @staticmethod
    def _joined(query):
        return (
            query.outerjoin(OrderPosition, OrderPosition.id == Checkin.position_id)
            .outerjoin(Order, Order.id == OrderPosition.order_id)
            .outerjoin(Parent, Parent.id == OrderPosition.addon_to_id)
        )

    def table(self, form: dict) -> Table:
        conditions = self._conditions(form)
        total = self.session.scalar(
            self._joined(select(func.count()).select_from(Checkin)).where(*conditions)
        )
        query = self._joined(
            select(
                Checkin.id,
                Checkin.datetime,
                Checkin.created,
                Checkin.list_id,
                Checkin.type,
                Checkin.successful,
                Checkin.error_reason,
                Checkin.error_explanation,
                Checkin.auto_checked_in,
                Checkin.forced,
                Checkin.force_sent,
                Checkin.gate_id,
                Checkin.device_id,
                Checkin.raw_barcode,
                Checkin.raw_item_id,
                Checkin.position_id,
                OrderPosition.positionid,
                OrderPosition.secret,
                OrderPosition.item_id,
                OrderPosition.attendee_name,
                Parent.attendee_name.label("parent_name"),
                Order.code,
                Order.invoice_name,
            ).select_from(Checkin)
        ).where(*conditions)
        query = query.order_by(Checkin.datetime, Checkin.id)
        batches = streamed_columns(self.session.connection(), query, writers.CSV_BATCH_ROWS)
        return Table.of_column_batches(COLUMNS, total, self._columns(batches))

    def _names(self) -> tuple[dict, dict, dict, dict]:
        """Lists, products, devices and gates by id: few, so read whole."""
        event_id = self._event_id()
        organizer_id = self.scope.organizer.id
        lists = dict(lists_of_event(self.session, event_id))
        items = dict(
            self.session.execute(select(Item.id, Item.name).where(Item.event_id == event_id)).all()
        )
        devices = {
            d.id: device_label(d)
            for d in self.session.scalars(select(Device).where(Device.organizer_id == organizer_id))
        }
        gates = dict(
            self.session.execute(
                select(Gate.id, Gate.name).where(Gate.organizer_id == organizer_id)
            ).all()
        )
        return lists, items, devices, gates

    def _columns(self, batches) -> Iterator[list[Sequence]]:
        """Each batch of scans as the sheet's columns."""
        local = partial(EventClock(self.scope.events).local, self._event_id())
        lists, items, devices, gates = self._names()
        for scan in batches:
            rows = len(scan["id"])
            nothing = [""] * rows
            scanned = list(map(local, scan["datetime"]))
            uploaded = [None if moment is None else local(moment) for moment in scan["created"]]
            # A scan of a code the scanner could not match has no position (nor order).
            matched = [position is not None for position in scan["position_id"]]
            item_ids = [
                item if has_position else raw
                for has_position, item, raw in zip(
                    matched, scan["item_id"], scan["raw_item_id"], strict=True
                )
            ]
            yield [
                short_dates(scanned),
                short_times(scanned),
                list(map(lists.get, scan["list_id"], nothing)),
                list(map(SCAN_TYPES.get, scan["type"], scan["type"])),
                _if_matched(matched, scan["code"]),
                _if_matched(matched, scan["positionid"]),
                [
                    raw or secret or ""
                    for raw, secret in zip(scan["raw_barcode"], scan["secret"], strict=True)
                ],
                list(map(items.get, item_ids, nothing)),
                _if_matched(
                    matched,
                    [
                        attendee or parent or buyer or ""
                        for attendee, parent, buyer in zip(
                            scan["attendee_name"],
                            scan["parent_name"],
                            scan["invoice_name"],
                            strict=True,
                        )
                    ],
                ),
                list(map(devices.get, scan["device_id"], nothing)),
                yes_no_column(scan["force_sent"]),
                yes_no_column(scan["forced"]),
                yes_no_column(scan["auto_checked_in"]),
                list(map(gates.get, scan["gate_id"], nothing)),
                list(map(result_text, scan["successful"], scan["error_reason"])),
                [explanation or "" for explanation in scan["error_explanation"]],
                short_dates(uploaded),
                short_times(uploaded),
            ]


def _if_matched(matched: list[bool], values: Sequence) -> list:
    """The values of scans of a known ticket, empty text for the others."""
    return [
        value if has_position else "" for has_position, value in zip(matched, values, strict=True)
    ]


def result_text(successful: bool, reason: str | None) -> str:
    return "OK" if successful else ERROR_REASONS.get(reason, reason or "")
