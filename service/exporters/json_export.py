"""``json``, "Order data (JSON)": an event's catalogue and orders in pretix's JSON layout.

The keys, their order and the value formats are pretix's (decimals as strings with two
places, datetimes in UTC with a ``Z``, ``str()`` of a missing phone number or internal name as
pretix writes it), so that tools reading pretix's file read ours. Beyond pretix, each order
carries ``payments`` and ``refunds`` and each position its ``checkins``; they come after
pretix's keys. Like pretix, only positions and fees that are not canceled are written.

At organizer level the file holds several events: ``{"organizer": {...}, "events": [...]}``,
each event shaped exactly like the ``event`` of the single-event file.

The file is streamed: orders are read in key-set chunks and written one by one, so memory
stays flat however many orders an event has.
"""

import json
from collections import defaultdict
from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import TextIO

from sqlalchemy import select

from ..store import queries
from ..store.models import (
    Checkin,
    Event,
    Item,
    ItemCategory,
    ItemVariation,
    Question,
    QuestionAnswer,
    Quota,
    quota_items,
    quota_variations,
)
from . import register
from .base import BaseExporter, ExportFile, ProgressCallback
from .base_types import format_rate
from .writers import RowCounter

JSON_TYPE = "application/json"
# What pretix writes for product settings our store does not have.
SALES_CHANNELS = ["web"]


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


def money(value: Decimal | None) -> str | None:
    return None if value is None else f"{value:.2f}"


def utc(value: datetime | None) -> str | None:
    """A stored (naive UTC) datetime as Django's JSON encoder writes an aware one."""
    if value is None:
        return None
    return value.isoformat(timespec="milliseconds" if value.microsecond else "seconds") + "Z"


def day(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


@register
class JSONExporter(BaseExporter):
    identifier = "json"
    verbose_name = "Order data (JSON)"
    description = (
        "All orders with positions, fees, payments, refunds and check-ins, and the event's "
        "products, questions and quotas, in pretix's JSON layout: for programs and data imports "
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

    # The event and its catalogue -------------------------------------------------------------
    def _event(self, event: Event, counter: RowCounter) -> Streamed:
        organizer = self.scope.organizer
        return Streamed(
            name=event.name,
            slug=event.slug,
            organizer={"name": organizer.name, "slug": organizer.slug},
            meta_data={},
            categories=self._categories(event.id),
            items=self._items(event.id),
            questions=self._questions(event.id),
            orders=self._orders(event.id, counter),
            quotas=self._quotas(event.id),
            subevents=[],
        )

    def _categories(self, event_id: int) -> list[dict]:
        rows = self.session.execute(
            select(ItemCategory)
            .where(ItemCategory.event_id == event_id)
            .order_by(ItemCategory.position, ItemCategory.id)
        ).scalars()
        return [
            {
                "id": c.id,
                "name": c.name,
                "description": c.description,
                "position": c.position,
                "internal_name": None,
            }
            for c in rows
        ]

    def _items(self, event_id: int) -> list[dict]:
        items = self.session.scalars(
            select(Item).where(Item.event_id == event_id).order_by(Item.position, Item.id)
        ).all()
        variations = defaultdict(list)
        for variation in self.session.scalars(
            select(ItemVariation)
            .where(ItemVariation.item_id.in_([i.id for i in items]))
            .order_by(ItemVariation.position, ItemVariation.id)
        ):
            variations[variation.item_id].append(variation)
        return [self._item(item, variations[item.id]) for item in items]

    def _item(self, item: Item, variations: list[ItemVariation]) -> dict:
        return {
            "id": item.id,
            "position": item.position,
            "name": item.name,
            "internal_name": str(item.internal_name),
            "category": item.category_id,
            "price": money(item.default_price),
            "tax_rate": format_rate(item.tax_rate),
            "tax_name": item.tax_name or None,
            "admission": item.admission,
            "personalized": item.personalized,
            "active": item.active,
            "sales_channels": SALES_CHANNELS,
            "description": item.description,
            "available_from": utc(item.available_from),
            "available_until": utc(item.available_until),
            "require_voucher": False,
            "hide_without_voucher": False,
            "allow_cancel": True,
            "require_bundling": False,
            "min_per_order": item.min_per_order,
            "max_per_order": item.max_per_order,
            "checkin_attention": False,
            "checkin_text": None,
            "original_price": None,
            "issue_giftcard": False,
            "meta_data": {},
            "require_membership": False,
            "variations": [
                {
                    "id": v.id,
                    "active": v.active,
                    "price": money(
                        v.default_price if v.default_price is not None else item.default_price
                    ),
                    "name": v.value,
                    "description": v.description,
                    "position": v.position,
                    "checkin_attention": False,
                    "checkin_text": None,
                    "require_approval": False,
                    "require_membership": False,
                    "sales_channels": SALES_CHANNELS,
                    "available_from": None,
                    "available_until": None,
                    "hide_without_voucher": False,
                    "meta_data": {},
                }
                for v in variations
            ],
        }

    def _questions(self, event_id: int) -> list[dict]:
        rows = self.session.scalars(
            select(Question)
            .where(Question.event_id == event_id)
            .order_by(Question.position, Question.id)
        )
        return [
            {
                "id": q.id,
                "identifier": q.identifier,
                "required": q.required,
                "question": q.question,
                "position": q.position,
                "hidden": q.hidden,
                "ask_during_checkin": q.ask_during_checkin,
                "help_text": q.help_text,
                "type": q.type,
            }
            for q in rows
        ]

    def _quotas(self, event_id: int) -> list[dict]:
        quotas = self.session.execute(
            select(Quota.id, Quota.size).where(Quota.event_id == event_id).order_by(Quota.id)
        ).all()
        ids = [q.id for q in quotas]
        items, variations = defaultdict(list), defaultdict(list)
        for quota_id, item_id in self.session.execute(
            select(quota_items.c.quota_id, quota_items.c.item_id)
            .where(quota_items.c.quota_id.in_(ids))
            .order_by(quota_items.c.item_id)
        ):
            items[quota_id].append(item_id)
        for quota_id, variation_id in self.session.execute(
            select(quota_variations.c.quota_id, quota_variations.c.variation_id)
            .where(quota_variations.c.quota_id.in_(ids))
            .order_by(quota_variations.c.variation_id)
        ):
            variations[quota_id].append(variation_id)
        return [
            {
                "id": q.id,
                "size": q.size,
                "subevent": None,
                "items": items[q.id],
                "variations": variations[q.id],
            }
            for q in quotas
        ]

    # Orders ------------------------------------------------------------------------------------
    def _orders(self, event_id: int, counter: RowCounter) -> Iterator[dict]:
        flt = queries.OrderFilter(event_ids=[event_id])
        for chunk in queries.iter_order_chunks(self.session, flt):
            ids = [o.id for o in chunk]
            positions = queries.positions_by_order(self.session, ids)
            fees = queries.fees_by_order(self.session, ids)
            payments = queries.payments_by_order(self.session, ids)
            refunds = queries.refunds_by_order(self.session, ids)
            position_ids = [p.id for lines in positions.values() for p in lines if not p.canceled]
            answers = self._answers(position_ids)
            checkins = self._checkins(position_ids)
            for order in chunk:
                yield self._order(
                    order,
                    [p for p in positions.get(order.id, ()) if not p.canceled],
                    [f for f in fees.get(order.id, ()) if not f.canceled],
                    payments.get(order.id, ()),
                    refunds.get(order.id, ()),
                    answers,
                    checkins,
                )
                counter.tick()

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

    def _checkins(self, position_ids: list[int]) -> dict[int, list[dict]]:
        checkins = defaultdict(list)
        rows = self.session.execute(
            select(
                Checkin.position_id,
                Checkin.list_id,
                Checkin.datetime,
                Checkin.type,
                Checkin.successful,
            )
            .where(queries.id_in(self.session, Checkin.position_id, position_ids))
            .order_by(Checkin.position_id, Checkin.datetime, Checkin.id)
        )
        for position_id, list_id, when, kind, successful in rows:
            checkins[position_id].append(
                {"list": list_id, "datetime": utc(when), "type": kind, "successful": successful}
            )
        return checkins

    def _order(self, order, positions, fees, payments, refunds, answers, checkins) -> dict:
        payment_numbers = {p.id: p.local_id for p in payments}
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
            "fees": [
                {"type": f.fee_type, "description": f.description, "value": money(f.value)}
                for f in fees
            ],
            "total": money(order.total),
            "positions": [
                self._position(p, answers.get(p.id, []), checkins.get(p.id, [])) for p in positions
            ],
            "payments": [
                {
                    "local_id": p.local_id,
                    "state": p.state,
                    "amount": money(p.amount),
                    "provider": p.provider,
                    "created": utc(p.created),
                    "payment_date": utc(p.payment_date),
                }
                for p in payments
            ],
            "refunds": [
                {
                    "local_id": r.local_id,
                    "state": r.state,
                    "source": r.source,
                    "amount": money(r.amount),
                    "provider": r.provider,
                    "created": utc(r.created),
                    "execution_date": utc(r.execution_date),
                    "payment": payment_numbers.get(r.payment_id),
                }
                for r in refunds
            ],
        }

    def _position(self, p, answers: list[dict], checkins: list[dict]) -> dict:
        return {
            "id": p.id,
            "positionid": p.positionid,
            "item": p.item_id,
            "variation": p.variation_id,
            "subevent": None,
            "seat": None,
            "price": money(p.price),
            "tax_rate": format_rate(p.tax_rate),
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
            "blocked": [p.blocked] if p.blocked else None,
            "answers": answers,
            "checkins": checkins,
        }
