"""``json``, "Order data (JSON)": an event's catalogue and orders as pretix 2026.8's
``JSONExporter`` writes them.

Keys, their order, the order of every list and the value formats are pretix's (see
``json_values`` and ``json_catalogue``): orders newest first, only positions and fees that
are not canceled, nothing pretix does not write (no payments, refunds or check-ins), so that
the file equals pretix's for the same data.

At organizer level (pretix offers the exporter per event only) the file holds several
events: ``{"organizer": {...}, "events": [...]}``, each event shaped exactly like the
``event`` of the single-event file.

The file is streamed: orders are read in key-set chunks and written one by one, so memory
stays flat however many orders an event has. Building and encoding an order is Python work
that keeps one core busy, so a big event's orders are cut into runs, one per core, written
side by side by forked processes (``_write_in_parallel``). Only in the single-event file:
at organizer level the events stay in one process (their runs would have to be spliced
into the middle of one stream).
"""

import json
import os
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import replace
from functools import partial
from pathlib import Path
from types import SimpleNamespace
from typing import TextIO

from sqlalchemy import select

from ..store import queries
from ..store.models import Event, OrderFee, OrderPosition, QuestionAnswer, Seat
from . import register
from .base import BaseExporter, ExportFile, ProgressCallback
from .json_catalogue import Catalogue
from .json_values import blocked, day, money, rate, utc
from .orderlist import SPLIT_MIN_ORDERS
from .parallel import join_end_to_end, parts_written_in_parallel
from .writers import RowCounter

JSON_TYPE = "application/json"


class Streamed(dict):
    """A JSON object whose iterator values are written as arrays, one element at a time."""


def write_streamed(out: TextIO, value) -> None:
    """``json.dump`` with pretix's separators, except that ``Streamed`` objects and
    iterators are written piece by piece instead of being built in memory first."""
    if isinstance(value, Streamed):
        out.write("{")
        for index, (key, member) in enumerate(value.items()):
            out.write(", " if index else "")
            out.write(json.dumps(key) + ": ")
            write_streamed(out, member)
        out.write("}")
    elif isinstance(value, Iterator):
        out.write("[")
        write_elements(out, value)
        out.write("]")
    else:
        out.write(json.dumps(value))


def write_elements(out: TextIO, elements: Iterator) -> None:
    """An array's elements without its brackets: what one process writes of an array
    written in parts."""
    for index, element in enumerate(elements):
        out.write(", " if index else "")
        write_streamed(out, element)


@register
class JSONExporter(BaseExporter):
    identifier = "json"
    verbose_name = "Order data (JSON)"
    description = (
        "All orders with their positions, fees and answers, and the event's products, "
        "questions and quotas, in pretix's JSON layout: for programs and data imports "
        "rather than people."
    )
    multi_event = True
    file_stem = "pretixdata"

    def write(self, form: dict, path: Path, progress: ProgressCallback) -> ExportFile:
        events = self.scope.events
        total = queries.count_orders(self.session, queries.OrderFilter([e.id for e in events]))
        runs = None if self.scope.is_multievent else self._runs(events[0].id, total)
        if runs:
            self._write_in_parallel(self.scope.event, runs, path, progress)
            return ExportFile(self.base_filename() + ".json", JSON_TYPE)
        tick = RowCounter(total, progress).tick
        if self.scope.is_multievent:
            organizer = self.scope.organizer
            document = Streamed(
                organizer={"name": organizer.name, "slug": organizer.slug},
                events=(
                    self._event(event, self._orders(queries.OrderFilter([event.id]), tick))
                    for event in events
                ),
            )
        else:
            event = self.scope.event
            document = Streamed(
                event=self._event(event, self._orders(queries.OrderFilter([event.id]), tick))
            )
        with open(path, "w", encoding="utf-8") as out:
            write_streamed(out, document)
        return ExportFile(self.base_filename() + ".json", JSON_TYPE)

    def _event(self, event: Event, orders: Iterator[dict]) -> Streamed:
        organizer = self.scope.organizer
        catalogue = Catalogue(self.session, event)
        return Streamed(
            name=event.name,
            slug=event.slug,
            organizer={"name": organizer.name, "slug": organizer.slug},
            meta_data=catalogue.event_meta_data(),
            categories=catalogue.categories(),
            items=catalogue.items(),
            questions=catalogue.questions(),
            orders=orders,
            quotas=catalogue.quotas(),
            subevents=[],
        )

    # A big event in parallel ---------------------------------------------------------------
    def _runs(self, event_id: int, total: int) -> list[tuple[queries.OrderFilter, int]] | None:
        """The event's orders cut into runs of equal size by (datetime, id), oldest run
        first, each as its filter and its number of orders; None to write them in one
        process (a small event, one core, or orders that changed while being counted)."""
        parts = os.cpu_count() or 1
        if parts < 2 or total < max(SPLIT_MIN_ORDERS, parts):
            return None
        flt = queries.OrderFilter(event_ids=[event_id])
        keys = queries.split_keys(self.session, flt, parts, total)
        if len(keys) != parts - 1:
            return None
        bounds = [None, *keys, None]
        return [
            (replace(flt, after=after, until=until), total * (i + 1) // parts - total * i // parts)
            for i, (after, until) in enumerate(zip(bounds[:-1], bounds[1:], strict=True))
        ]

    def _write_in_parallel(self, event: Event, runs: list, path: Path, progress) -> None:
        """The single-event file with its orders written by one forked process per run,
        newest run first, each run's orders joined by ", " as ``write_streamed`` joins them.

        The text around the orders is written by ``write_streamed`` too (``_around_orders``),
        so the file is byte for byte the one-process file. The first part's process writes
        the text before the orders; here, once all parts are written, the separator between
        runs goes at the end of each part that holds orders but the last such one (a run
        can be empty if orders went away since they were counted), and the text after the
        orders at the end of the last part. So no byte is copied more than once: the parts
        are the result's pieces inside ``pieces_left_to_storage`` (the storage joins them,
        as it joins CSV parts), or are joined here by appending them to the first."""
        head, tail = self._around_orders(event)
        newest_first = runs[::-1]
        parts = [
            partial(self._write_run, flt, size, head if number == 0 else "")
            for number, (flt, size) in enumerate(newest_first)
        ]
        with parts_written_in_parallel(path, parts, progress, self._own_session) as files:
            bare = [len(head.encode()), *[0] * (len(files) - 1)]
            with_orders = [f for f, b in zip(files, bare, strict=True) if f.stat().st_size > b]
            for part in with_orders[:-1]:
                with open(part, "a", encoding="utf-8") as out:
                    out.write(", ")
            kept = [files[0], *(f for f in with_orders if f != files[0])]
            with open(kept[-1], "a", encoding="utf-8") as out:
                out.write(tail)
            join_end_to_end(path, kept)

    def _around_orders(self, event: Event) -> tuple[str, str]:
        """The single-event file's text before and after its orders' elements."""
        written: list[str] = []
        cut: list[int] = []

        def no_orders() -> Iterator[dict]:
            # Started by write_streamed right after the array's "[": marks the place.
            cut.append(len(written))
            yield from ()

        document = Streamed(event=self._event(event, no_orders()))
        write_streamed(SimpleNamespace(write=written.append), document)
        return "".join(written[: cut[0]]), "".join(written[cut[0] :])

    def _write_run(self, flt, size: int, head: str, target: Path, begin, count) -> None:
        """One run's orders (after ``head``), in a child process with its own session."""
        begin(size)
        with open(target, "w", encoding="utf-8") as out:
            out.write(head)
            write_elements(out, self._orders(flt, count))

    # Orders ------------------------------------------------------------------------------------
    def _orders(self, flt: queries.OrderFilter, tick: Callable[[], None]) -> Iterator[dict]:
        """Newest first, as pretix orders them (datetime, then id, descending); ``tick``
        after each."""
        for chunk in queries.iter_order_chunks(self.session, flt, newest_first=True):
            ids = [o.id for o in chunk]
            positions = self._positions(ids)
            fees = self._fees(ids)
            answers = self._answers([p.id for lines in positions.values() for p in lines])
            for order in chunk:
                yield self._order(
                    order, positions.get(order.id, ()), fees.get(order.id, ()), answers
                )
                tick()

    def _positions(self, order_ids: list[int]) -> dict[int, list]:
        """The orders' positions that are not canceled, by position number, with the guid
        of their seat."""
        found = defaultdict(list)
        rows = self.session.execute(
            select(
                OrderPosition.id,
                OrderPosition.order_id,
                OrderPosition.positionid,
                OrderPosition.item_id,
                OrderPosition.variation_id,
                Seat.seat_guid,
                OrderPosition.price,
                OrderPosition.tax_rate,
                OrderPosition.tax_value,
                OrderPosition.attendee_name,
                OrderPosition.attendee_email,
                OrderPosition.company,
                OrderPosition.street,
                OrderPosition.zipcode,
                OrderPosition.country,
                OrderPosition.state,
                OrderPosition.secret,
                OrderPosition.addon_to_id,
                OrderPosition.valid_from,
                OrderPosition.valid_until,
                OrderPosition.blocked,
            )
            .outerjoin(Seat, Seat.id == OrderPosition.seat_id)
            .where(
                queries.id_in(self.session, OrderPosition.order_id, order_ids),
                OrderPosition.canceled.is_(False),
            )
            .order_by(OrderPosition.order_id, OrderPosition.positionid, OrderPosition.id)
        )
        for row in rows:
            found[row.order_id].append(row)
        return found

    def _fees(self, order_ids: list[int]) -> dict[int, list[dict]]:
        """The orders' fees that are not canceled, as pretix lists them."""
        found = defaultdict(list)
        rows = self.session.execute(
            select(OrderFee.order_id, OrderFee.fee_type, OrderFee.description, OrderFee.value)
            .where(
                queries.id_in(self.session, OrderFee.order_id, order_ids),
                OrderFee.canceled.is_(False),
            )
            .order_by(OrderFee.order_id, OrderFee.id)
        )
        for order_id, kind, description, value in rows:
            found[order_id].append(
                {"type": kind, "description": description, "value": money(value)}
            )
        return found

    def _answers(self, position_ids: list[int]) -> dict[int, list[dict]]:
        answers = defaultdict(list)
        rows = self.session.execute(
            select(QuestionAnswer.position_id, QuestionAnswer.question_id, QuestionAnswer.answer)
            .where(queries.id_in(self.session, QuestionAnswer.position_id, position_ids))
            .order_by(QuestionAnswer.position_id, QuestionAnswer.id)
        )
        for position_id, question_id, answer in rows:
            answers[position_id].append({"question": question_id, "answer": answer})
        return answers

    def _order(self, order, positions, fees: list[dict], answers) -> dict:
        return {
            "code": order.code,
            "status": order.status,
            "customer": order.customer_identifier,
            "testmode": order.testmode,
            "user": order.email,
            "email": order.email,
            "phone": str(order.phone),
            "locale": order.locale,
            "comment": order.comment,
            "custom_followup_at": day(order.custom_followup_at),
            "require_approval": order.require_approval,
            "checkin_attention": order.checkin_attention,
            "checkin_text": order.checkin_text,
            "sales_channel": order.sales_channel,
            "expires": utc(order.expires),
            "datetime": utc(order.datetime),
            "fees": fees,
            "total": money(order.total),
            "positions": [self._position(p, answers.get(p.id, [])) for p in positions],
        }

    @staticmethod
    def _position(p, answers: list[dict]) -> dict:
        return {
            "id": p.id,
            "positionid": p.positionid,
            "item": p.item_id,
            "variation": p.variation_id,
            "subevent": None,
            "seat": p.seat_guid,
            "price": money(p.price),
            "tax_rate": rate(p.tax_rate),
            "tax_value": money(p.tax_value),
            "attendee_name": p.attendee_name,
            "attendee_email": p.attendee_email,
            "company": p.company,
            "street": p.street,
            "zipcode": p.zipcode,
            "country": p.country or None,
            "state": p.state,
            "secret": p.secret,
            "addon_to": p.addon_to_id,
            "valid_from": utc(p.valid_from),
            "valid_until": utc(p.valid_until),
            "blocked": blocked(p.blocked),
            "answers": answers,
        }
