"""``customerlist``, "Customer accounts": the organizer's customer accounts (sheet
``customers``, by email, compared byte by byte) and their memberships (sheet
``memberships``, latest end first, then latest start, then membership type, as pretix's
``Membership`` orders them), as pretix's ``CustomerListExporter`` writes them.

Organizer level only, behind pretix's customer permission. Dates are in the zone pretix runs
an organizer's export in, its first event's (the store keeps none for the organizer), in
pretix's short formats; the language is named as pretix's English interface names it.
"""

from collections.abc import Iterator
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from ..store.catalog_queries import SortKey, iter_keyset
from ..store.models import Customer, Membership, MembershipType, Order, OrderPosition
from ..store.text_order import bytewise
from . import register
from .base import MultiSheetListExporter
from .base_types import Table
from .export_zone import export_timezone
from .localtime import in_zone
from .person_names import build_name
from .pretix_formats import short_date, short_time, yes_no

CUSTOMER_COLUMNS = [
    "Customer ID",
    "SSO provider",
    "External identifier",
    "Email",
    "Phone number",
    "Full name",
    "Account active",
    "Verified email address",
    "Last login",
    "Registration date",
    "Language",
    "Notes",
]
MEMBERSHIP_COLUMNS = [
    "Customer ID",
    "External identifier",
    "Email",
    "Test mode",
    "Canceled",
    "Membership type",
    "Purchase ticket",
    "Start date",
    "Start time",
    "End date",
    "End time",
    "Name",
]
# How pretix's English interface names its languages (every language pretix offers).
LANGUAGES = {
    "en": "English",
    "de": "German",
    "de-informal": "German (informal)",
    "ar": "Arabic",
    "eu": "Basque",
    "ca": "Catalan",
    "zh-hans": "Chinese (simplified)",
    "zh-hant": "Chinese (traditional)",
    "cs": "Czech",
    "hr": "Croatian",
    "da": "Danish",
    "nl": "Dutch",
    "nl-informal": "Dutch (informal)",
    "fr": "French",
    "fi": "Finnish",
    "gl": "Galician",
    "el": "Greek",
    "he": "Hebrew",
    "hu": "Hungarian",
    "id": "Indonesian",
    "it": "Italian",
    "ja": "Japanese",
    "lv": "Latvian",
    "nb-no": "Norwegian Bokmål",
    "pl": "Polish",
    "pt-pt": "Portuguese (Portugal)",
    "pt-br": "Portuguese (Brazil)",
    "ro": "Romanian",
    "ru": "Russian",
    "sk": "Slovak",
    "sv": "Swedish",
    "es": "Spanish",
    "es-419": "Spanish (Latin America)",
    "th": "Thai",
    "tr": "Turkish",
    "uk": "Ukrainian",
}


@register
class CustomerListExporter(MultiSheetListExporter):
    identifier = "customerlist"
    verbose_name = "Customer accounts"
    description = (
        "The customer accounts of your shops with contact data, state and last login, and "
        "their memberships: for customer service and membership checks."
    )
    event_level = False
    organizer_level = True
    required_permission = "can_manage_customers"
    file_stem = "customers"
    # pretix titles the worksheets by these names.
    sheets = (("customers", "Customers"), ("memberships", "Memberships"))

    def table(self, sheet: str, form: dict) -> Table:
        zone = ZoneInfo(export_timezone(self.scope))
        if sheet == "customers":
            return self._customers(zone)
        return self._memberships(zone)

    def _customers(self, zone) -> Table:
        where = Customer.organizer_id == self.scope.organizer.id
        total = self.session.scalar(select(func.count()).select_from(Customer).where(where))
        query = select(Customer).where(where)
        email = bytewise(self.session, func.coalesce(Customer.email, ""))
        keys = [SortKey(email), SortKey(Customer.id)]
        chunks = iter_keyset(self.session, query, keys)
        return Table(CUSTOMER_COLUMNS, total, self._customer_rows(chunks, zone))

    @staticmethod
    def _customer_rows(chunks, zone) -> Iterator[list]:
        for chunk in chunks:
            for row in chunk:
                customer = row.Customer
                yield [
                    customer.identifier,
                    customer.provider,
                    customer.external_identifier,
                    customer.email or "",
                    customer.phone or "",
                    customer.name,
                    yes_no(customer.is_active),
                    yes_no(customer.is_verified),
                    short_date(in_zone(zone, customer.last_login)),
                    short_date(in_zone(zone, customer.date_joined)),
                    LANGUAGES.get(customer.locale, customer.locale),
                    customer.notes or "",
                ]

    def _memberships(self, zone) -> Table:
        where = Customer.organizer_id == self.scope.organizer.id
        base = select(func.count()).select_from(Membership).join(Customer)
        total = self.session.scalar(base.where(where))
        query = (
            select(
                Membership.id,
                Membership.testmode,
                Membership.canceled,
                Membership.date_start,
                Membership.date_end,
                Membership.attendee_name_parts,
                Customer.identifier,
                Customer.external_identifier,
                Customer.email,
                MembershipType.name.label("type_name"),
                Order.code,
                OrderPosition.positionid,
            )
            .select_from(Membership)
            .join(Customer, Customer.id == Membership.customer_id)
            .join(MembershipType, MembershipType.id == Membership.membership_type_id)
            .outerjoin(OrderPosition, OrderPosition.id == Membership.granted_in_id)
            .outerjoin(Order, Order.id == OrderPosition.order_id)
            .where(where)
        )
        keys = [
            SortKey(Membership.date_end, descending=True),
            SortKey(Membership.date_start, descending=True),
            SortKey(Membership.membership_type_id),
            SortKey(Membership.id),
        ]
        chunks = iter_keyset(self.session, query, keys)
        return Table(MEMBERSHIP_COLUMNS, total, self._membership_rows(chunks, zone))

    @staticmethod
    def _membership_rows(chunks, zone) -> Iterator[list]:
        for chunk in chunks:
            for row in chunk:
                start, end = in_zone(zone, row.date_start), in_zone(zone, row.date_end)
                yield [
                    row.identifier,
                    row.external_identifier,
                    row.email or "",
                    yes_no(row.testmode),
                    yes_no(row.canceled),
                    row.type_name,
                    f"{row.code}-{row.positionid}" if row.code else "",
                    short_date(start),
                    short_time(start),
                    short_date(end),
                    short_time(end),
                    build_name(row.attendee_name_parts),
                ]
