"""``giftcardlist``, "Gift cards": the organizer's gift cards by issuance with their value
at a moment (``date``, default now), as pretix's ``GiftcardListExporter`` lists them, with
the order that created each card and that order's last invoice.

As in pretix, left out ``testmode`` and ``state`` select every card; dates are shown in the
time zone of the organizer's first event, as text (``2026-01-05``) like pretix writes them,
in xlsx too; the value is a number.
"""

from collections.abc import Iterator
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from marshmallow import ValidationError, fields
from sqlalchemy import or_

from ..store import giftcard_queries as store
from ..store.models import GiftCard
from . import params, register
from .base import ListExporter
from .base_types import ExportError, Table
from .export_zone import ZoneClock, export_timezone
from .pretix_formats import short_date

COLUMNS = [
    "Gift card code",
    "Test mode card",
    "Creation date",
    "Expiry date",
    "Special terms and conditions",
    "Currency",
    "Current value",
    "Created in order",
    "Last invoice number of order",
    "Last invoice date of order",
]
TESTMODE = {"": "All", "yes": "Test mode", "no": "Live"}
STATES = {
    "": "All",
    "empty": "Empty",
    "valid_value": "Valid and with value",
    "expired_value": "Expired and with value",
    "expired": "Expired",
}


class Moment(params.Param, fields.Field):
    """A date and time (ISO 8601); without a zone it is read in the export's zone."""

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("allow_none", True)
        kwargs.setdefault("error_messages", {"required": params.REQUIRED, "null": params.NULL})
        super().__init__(**kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        try:
            return datetime.fromisoformat(str(value).replace("Z", "+00:00"))
        except ValueError as exc:
            raise ValidationError(
                "Datetime has wrong format. Use one of these formats instead: "
                "YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z]."
            ) from exc


@register
class GiftcardListExporter(ListExporter):
    identifier = "giftcardlist"
    verbose_name = "Gift cards"
    description = (
        "Every gift card of the organizer with its value, expiry and the order that bought it."
    )
    event_level = False
    organizer_level = True
    required_permission = "can_manage_gift_cards"
    file_stem = "giftcards"

    def additional_fields(self) -> dict[str, params.Param]:
        return {
            "date": Moment(),
            "testmode": params.Choice(list(TESTMODE), labels=TESTMODE),
            "state": params.Choice(list(STATES), labels=STATES),
        }

    def _moment(self, form: dict, zone: str) -> datetime:
        moment = form.get("date") or datetime.now(UTC)
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=ZoneInfo(zone))
        return moment.astimezone(UTC).replace(tzinfo=None)

    def _conditions(self, form: dict, moment: datetime, value) -> list:
        found = [GiftCard.organizer_id == self.scope.organizer.id, GiftCard.issuance <= moment]
        if form.get("testmode") in ("yes", "no"):
            found.append(GiftCard.testmode.is_(form["testmode"] == "yes"))
        unexpired = or_(GiftCard.expires.is_(None), GiftCard.expires >= moment)
        state = form.get("state")
        if state == "empty":
            found.append(value == 0)
        elif state == "valid_value":
            found += [value != 0, unexpired]
        elif state == "expired_value":
            found += [value != 0, GiftCard.expires < moment]
        elif state == "expired":
            found.append(GiftCard.expires < moment)
        return found

    def table(self, form: dict) -> Table:
        zone = export_timezone(self.scope)
        try:
            moment = self._moment(form, zone)
        except (OverflowError, ValueError) as exc:
            raise ExportError("Invalid date.") from exc
        value = store.value_at(moment)
        conditions = self._conditions(form, moment, value)
        total = store.count_cards(self.session, conditions)
        return Table(COLUMNS, total, self._rows(conditions, value, zone))

    def _rows(self, conditions, value, zone: str) -> Iterator[list]:
        clock = ZoneClock(zone)
        for chunk in store.iter_cards(self.session, conditions, value):
            firsts = store.first_orders(self.session, [row.GiftCard.id for row in chunk])
            order_ids = [found[1] for found in firsts.values() if found]
            invoices = store.last_invoices(self.session, order_ids)
            for row in chunk:
                card, first = row.GiftCard, firsts.get(row.GiftCard.id)
                invoice = invoices.get(first[1]) if first else None
                yield [
                    card.secret,
                    "Yes" if card.testmode else "No",
                    short_date(clock.local(card.issuance)),
                    short_date(clock.local(card.expires)) if card.expires else "",
                    card.conditions or "",
                    card.currency,
                    row.value_then,
                    f"{first[0].upper()}-{first[2]}" if first else "",
                    invoice[0] if invoice else "",
                    invoice[1].isoformat() if invoice else "",
                ]
