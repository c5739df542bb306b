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
stays flat however many orders an event has.
"""

import json
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO

from sqlalchemy import select

from ..store import queries
from ..store.models import Event, OrderFee, OrderPosition, QuestionAnswer, Seat
from . import register
from .base import BaseExporter, ExportFile, ProgressCallback
from .json_catalogue import Catalogue
from .json_values import blocked, day, money, rate, utc
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
        for index, element in enumerate(value):
            out.write(", " if index else "")
            write_streamed(out, element)
        out.write("]")
    else:
        out.write(json.dumps(value))


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
        counter = RowCounter(total, progress)
        if self.scope.is_multievent:
            organizer = self.scope.organizer
            document = Streamed(
                organizer={"name": organizer.name, "slug": organizer.slug},
                events=(self._event(event, counter) for event in events),
            )
        else:
            document = Streamed(event=self._event(self.scope.event, counter))
        with open(path, "w", encoding="utf-8") as out:
            write_streamed(out, document)
        return ExportFile(self.base_filename() + ".json", JSON_TYPE)

    def _event(self, event: Event, counter: RowCounter) -> Streamed:
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
            orders=self._orders(event.id, counter),
            quotas=catalogue.quotas(),
            subevents=[],
        )

    # Orders ------------------------------------------------------------------------------------
    def _orders(self, event_id: int, counter: RowCounter) -> Iterator[dict]:
        """Newest first, as pretix orders them (datetime, then id, descending)."""
        flt = queries.OrderFilter(event_ids=[event_id])
        for chunk in queries.iter_order_chunks(self.session, flt, newest_first=True):
            ids = [o.id for o in chunk]
            positions = self._positions(ids)
            fees = self._fees(ids)
            answers = self._answers([p.id for lines in positions.values() for p in lines])
            for order in chunk:
                yield self._order(
                    order, positions.get(order.id, ()), fees.get(order.id, ()), answers
                )
                counter.tick()

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
