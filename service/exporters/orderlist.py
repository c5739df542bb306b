"""``orderlist``, "Order data": orders, order positions and order fees, as pretix 2026.8 lays
them out.

Every column pretix writes is there, with its name and in its place, also where the store
holds no value yet (vouchers, seats, invoices: empty, as pretix writes them for an event
without), and no column of our own. Rows are ordered by order date, then position number.
"""

from collections.abc import Iterator, Sequence
from dataclasses import replace
from datetime import datetime
from decimal import Decimal

from flask import current_app, has_app_context
from sqlalchemy import func, select

from ..store import queries
from ..store.distinct_values import distinct_values
from ..store.models import Item, ItemVariation, OrderFee, OrderPosition
from ..store.order_totals import LISTED_PAYMENT_STATES, TotalsLayout, orders_with_totals
from ..store.position_lines import LinesLayout, positions_with_orders
from . import dateframes, params, register, writers
from .answer_columns import answer_cells, answer_columns
from .base import MultiSheetListExporter
from .base_types import Cents, Memo, Rates, Table, format_rate
from .localtime import EventClock, times_of_day
from .pretix_texts import (
    CheckedInLists,
    ShopLinks,
    payment_provider_name,
    sales_channel_name,
    tax_rule_texts,
)

STATUS_LABELS = {"n": "pending", "p": "paid", "e": "expired", "c": "canceled"}
FEE_TYPE_LABELS = {
    "payment": "Payment fee",
    "shipping": "Shipping fee",
    "service": "Service fee",
    "cancellation": "Cancellation fee",
    "insurance": "Insurance fee",
    "late": "Late fee",
    "other": "Other fees",
    "giftcard": "Gift card",
}
# Below this, starting processes costs more than sharing the work saves.
SPLIT_MIN_ORDERS = 20_000


def split_min_orders() -> int:
    """``EXPORT_SPLIT_MIN_ORDERS`` where the operator set it, else ``SPLIT_MIN_ORDERS``."""
    configured = current_app.config.get("EXPORT_SPLIT_MIN_ORDERS") if has_app_context() else None
    return configured or SPLIT_MIN_ORDERS


def writes_text(form: dict) -> bool:
    """Whether a sheet goes to a CSV file: it writes amounts and rates as text, so they may
    come from the store as text (a workbook, or a form naming no format, keeps numbers)."""
    return form.get("_format", "xlsx") != "xlsx"


def yes_no(value: bool) -> str:
    return "Yes" if value else "No"


YES_NO = Memo(yes_no)


def status_label(status: str, require_approval: bool) -> str:
    if status == "n" and require_approval:
        return "Approval pending"
    return STATUS_LABELS.get(status, status)


def order_status(order) -> str:
    return status_label(order.status, order.require_approval)


def position_status(canceled: bool, status_of_order: str) -> str:
    return "canceled" if canceled else status_of_order


def time_of_day(moment: datetime) -> str:
    return moment.time().isoformat("seconds")


# Company, name, street, ZIP code, city, country, state and VAT ID, in pretix's order.
INVOICE_ADDRESS_COLUMNS = (
    "invoice_company",
    "invoice_name",
    "invoice_street",
    "invoice_zipcode",
    "invoice_city",
    "invoice_country",
    "invoice_state",
    "invoice_vat_id",
)
# They sit side by side among the order's columns.
INVOICE_ADDRESS = slice(
    queries.ORDER_COLUMN_NAMES.index(INVOICE_ADDRESS_COLUMNS[0]),
    queries.ORDER_COLUMN_NAMES.index(INVOICE_ADDRESS_COLUMNS[-1]) + 1,
)


def invoice_address(order) -> tuple:
    """Company, name, street, ZIP code, city, country, state and VAT ID."""
    return order[INVOICE_ADDRESS]


class ProviderText:
    """The "Payment providers" cell from how many payments each provider took, memoised:
    few orders differ in which providers they paid with."""

    def __init__(self, providers: list[str]) -> None:
        self.providers = providers
        self.texts = Memo(self._text)

    def __call__(self, payments: tuple) -> str:
        return self.texts[payments]

    def _text(self, payments: tuple) -> str:
        paid = (p for p, n in zip(self.providers, payments, strict=True) if n)
        return ", ".join(map(payment_provider_name, paid))

    def column(self, counts: list[Sequence[int]], rows: int) -> list[str]:
        """The cells of a batch of ``rows`` rows from one column of counts per provider."""
        if not counts:
            return [""] * rows
        return list(map(self.texts.__getitem__, zip(*counts, strict=True)))


def local_or_none(clock: EventClock, event_ids: Sequence[int], moments: Sequence) -> Sequence:
    """A batch's column of moments as wall-clock times of their events; a column without
    any (valid from and until, usually) as it is."""
    if moments.count(None) == len(moments):
        return moments
    return list(map(clock.local_or_none, event_ids, moments))


def empty(rows: int) -> list[None]:
    """A column the store holds no value for yet."""
    return [None] * rows


# pretix's columns, in its order, that are the same at event and organizer level.
EVENT_COLUMNS = ["Event slug", "Event name"]
VOUCHER_COLUMNS = ["Voucher", "Voucher budget usage", "Voucher tag"]
SEAT_COLUMNS = ["Seat ID", "Seat name", "Seat zone", "Seat row", "Seat number"]


def product_labels(session, event_id: int) -> dict[int, str]:
    """Product id → its name, with its variations: "T-shirt (S, M, L)"."""
    items = session.execute(
        select(Item.id, Item.name).where(Item.event_id == event_id).order_by(Item.position, Item.id)
    ).all()
    variations: dict[int, list[str]] = {}
    for item_id, value in session.execute(
        select(ItemVariation.item_id, ItemVariation.value)
        .join(Item, ItemVariation.item_id == Item.id)
        .where(Item.event_id == event_id)
        .order_by(ItemVariation.item_id, ItemVariation.position, ItemVariation.id)
    ).all():
        variations.setdefault(item_id, []).append(str(value))
    return {
        item_id: f"{name} ({', '.join(variations[item_id])})" if item_id in variations else name
        for item_id, name in items
    }


@register
class OrderListExporter(MultiSheetListExporter):
    identifier = "orderlist"
    verbose_name = "Order data"
    multi_event = True
    file_stem = "orders"
    sheets = (("orders", "Orders"), ("positions", "Order positions"), ("fees", "Order fees"))
    description = (
        "All orders with their totals, payments and status, one row per ticket or product "
        "(order positions) and per fee: for accounting, reconciliation and your own analyses "
        "in a spreadsheet. As an Excel workbook with three sheets, or one of them as CSV."
    )

    def __init__(self, session, scope) -> None:
        super().__init__(session, scope)
        # Read here, in the process the export starts in: the processes a sheet is split
        # among need not have the app.
        shop_url = current_app.config.get("SHOP_URL", "") if has_app_context() else ""
        self.links = ShopLinks(shop_url, scope.organizer.slug, scope.events)
        self.event_names = {e.id: e.name for e in scope.events}

    def additional_fields(self) -> dict[str, params.Param]:
        fields = {
            "paid_only": params.Boolean(**params.ui("Only paid orders", initial=True)),
            "include_payment_amounts": params.Boolean(**params.ui("Include payment amounts")),
            "group_multiple_choice": params.Boolean(
                **params.ui("Show multiple choice answers grouped in one column")
            ),
            "date_range": params.DateFrame(
                **params.ui("Date range", help="Orders placed in this period.")
            ),
        }
        if self.scope.is_multievent:
            fields["event_date_range"] = params.DateFrame(
                **params.ui("Event date", help="Only orders of events that start in this period.")
            )
        else:
            names = product_labels(self.session, self.scope.events[0].id)
            fields["items"] = params.MultipleChoice(
                list(names),
                labels=names,
                listed=False,
                **params.ui("Products", help="Only orders with these products. None checked: all."),
            )
        return fields

    # Shared context ----------------------------------------------------------------------
    # Set in a child process that writes one run of orders of a CSV sheet.
    order_range: tuple = (None, None)
    # The orders and positions sheets' columns that depend on the whole export (``_layout``).
    _layouts: dict | None = None

    def split(self, sheet: str, form: dict, parts: int) -> list[tuple] | None:
        """Runs of orders, by (datetime, id), for writing one CSV sheet of a big event in
        ``parts`` processes."""
        flt = self._filter(form)
        if parts < 2:
            return None
        total = queries.count_orders(self.session, flt)
        if total < split_min_orders():
            return None
        keys = queries.split_keys(self.session, flt, parts, total)
        if len(keys) != parts - 1:
            return None
        if sheet in ("orders", "positions"):
            # Every run has the export's columns: found here, once, the processes inherit them.
            self._layout(sheet, flt, form)
        bounds = [None, *keys, None]
        return list(zip(bounds[:-1], bounds[1:], strict=True))

    def use_run(self, run: tuple) -> None:
        self.order_range = run

    def _filter(self, form: dict) -> queries.OrderFilter:
        after, until = self.order_range
        flt = queries.OrderFilter(event_ids=[e.id for e in self._events_in_frame(form)])
        flt.after, flt.until = after, until
        if form.get("paid_only"):
            flt.statuses = ["p"]
        if form.get("date_range"):
            flt.created = {
                e.id: dateframes.resolve(form["date_range"], e.timezone) for e in self.scope.events
            }
        if form.get("items"):
            flt.item_ids = list(form["items"])
        return flt

    def _events_in_frame(self, form: dict) -> list:
        """The events whose start lies in ``event_date_range`` (each in its own time zone),
        all of them without one."""
        frame = form.get("event_date_range")
        if not frame:
            return self.scope.events
        chosen = []
        for event in self.scope.events:
            start, end = dateframes.resolve(frame, event.timezone)
            if (start is None or event.date_from >= start) and (
                end is None or event.date_from < end
            ):
                chosen.append(event)
        return chosen

    def _clock(self) -> EventClock:
        return EventClock(self.scope.events)

    def _event_prefix(self, order, clock: EventClock) -> list:
        return [clock.slug(order.event_id), self.event_names[order.event_id]]

    def _order_basics(self, order, clock: EventClock) -> list:
        local = clock.local(order.event_id, order.datetime)
        return [order.email, order.phone, local.date(), time_of_day(local)]

    def table(self, sheet: str, form: dict) -> Table:
        return {"orders": self._orders, "positions": self._positions, "fees": self._fees}[sheet](
            form
        )

    # Orders --------------------------------------------------------------------------------
    def _layout(self, sheet: str, flt: queries.OrderFilter, form: dict):
        """The columns of the orders or positions sheet that depend on the whole export (tax
        rates, payment providers, questions), asked for once: every run of a split sheet
        must have the same ones."""
        if self._layouts is None:
            self._layouts = {}
        if sheet not in self._layouts:
            whole = queries.ExportedOrders.of(self.session, replace(flt, after=None, until=None))
            # pretix leaves "free" out of the provider columns and the provider cells.
            providers = [
                p
                for p in distinct_values(self.session, queries.OrderPayment.provider, whole)
                if p != "free"
            ]
            if sheet == "orders":
                with_amounts = bool(form.get("include_payment_amounts"))
                layout = TotalsLayout(self._tax_rates(whole), providers, with_amounts)
            else:
                grouped = bool(form.get("group_multiple_choice"))
                columns = answer_columns(self.session, flt.event_ids, grouped)
                layout = LinesLayout(columns, providers)
            self._layouts[sheet] = layout
        return self._layouts[sheet]

    def _tax_rates(self, whole: queries.ExportedOrders) -> list[Decimal]:
        """The rates of the export's positions and fees."""
        rates = set()
        for column in (OrderPosition.tax_rate, OrderFee.tax_rate):
            rates.update(Decimal(r) for r in distinct_values(self.session, column, whole))
        return sorted(rates)

    def _orders(self, form: dict) -> Table:
        flt = self._filter(form)
        layout = self._layout("orders", flt, form)
        columns = EVENT_COLUMNS + [
            "Order code",
            "Order total",
            "Status",
            "Email",
            "Phone number",
            "Order date",
            "Order time",
            "Company",
            "Name",
            "Address",
            "ZIP code",
            "City",
            "Country",
            "State",
            "Custom address field",
            "VAT ID",
            "Date of last payment",
            "Fees",
            "Order locale",
        ]
        for rate in layout.rates:
            label = format_rate(rate)
            columns += [f"Gross at {label} % tax", f"Net at {label} % tax"]
            columns += [f"Tax value at {label} % tax"]
        columns += [
            "Invoice numbers",
            "Sales channel",
            "Requires special attention",
            "Check-in text",
            "Comment",
            "Follow-up date",
            "Positions",
            "Email address verified",
            "External customer ID",
            "Payment providers",
            "Order link",
        ]
        if layout.with_amounts:
            columns += [f"Paid by {payment_provider_name(p)}" for p in layout.providers]
        exported = queries.ExportedOrders.of(self.session, flt)
        batches = self._order_batches(exported, layout, writes_text(form))
        return Table.of_column_batches(columns, exported.count, batches)

    def _order_batches(
        self, exported: queries.ExportedOrders, layout: TotalsLayout, as_text: bool = False
    ) -> Iterator[list[Sequence]]:
        """Each batch of orders, column by column: most columns are the query's own, sums per
        tax rate and payments per provider included; the rest are made by mapping over
        whole columns, not by building each row. ``as_text``: amounts may come as their
        text (``writes_text``)."""
        clock = self._clock()
        provider_text = ProviderText(layout.providers)
        statuses = Memo(lambda key: status_label(*key))
        channels = Memo(sales_channel_name)
        batches = orders_with_totals(
            self.session, exported, layout, writers.CSV_BATCH_ROWS, as_text
        )
        for orders in batches:
            event_ids = orders["event_id"]
            rows = len(event_ids)
            placed = clock.local_column(event_ids, orders["datetime"])
            paid = [orders[name] for name in layout.took_payment]
            yield [
                *self._event_columns(event_ids, clock),
                orders["code"],
                Cents(orders["total"]),
                statuses.column(orders["status"], orders["require_approval"]),
                orders["email"],
                orders["phone"],
                list(map(datetime.date, placed)),
                times_of_day(placed),
                *(orders[name] for name in INVOICE_ADDRESS_COLUMNS[:-1]),
                orders["invoice_custom_field"],
                orders[INVOICE_ADDRESS_COLUMNS[-1]],
                list(map(clock.local_date, event_ids, orders["last_payment"])),
                Cents(orders["fees"]),
                orders["locale"],
                *(Cents(orders[name]) for name in layout.per_rate),
                empty(rows),
                channels.column(orders["sales_channel"]),
                YES_NO.column(orders["checkin_attention"]),
                orders["checkin_text"],
                orders["comment"],
                orders["custom_followup_at"],
                orders["positions"],
                YES_NO.column(orders["email_known_to_work"]),
                orders["customer_identifier"],
                provider_text.column(paid, rows),
                self.links.order_column(event_ids, orders["code"], orders["order_secret"]),
                *(Cents(orders[name]) for name in layout.kept),
            ]

    def _event_columns(self, event_ids: Sequence[int], clock: EventClock) -> list[list[str]]:
        """The "Event slug" and "Event name" columns of a batch."""
        return [list(map(clock.slug, event_ids)), list(map(self.event_names.get, event_ids))]

    # Positions -------------------------------------------------------------------------------
    def _positions(self, form: dict) -> Table:
        flt = self._filter(form)
        layout = self._layout("positions", flt, form)
        columns = EVENT_COLUMNS + [
            "Order code",
            "Position ID",
            "Status",
            "Email",
            "Phone number",
            "Order date",
            "Order time",
            "Product",
            "Product ID",
            "Variation",
            "Variation ID",
            "Price",
            "Tax rate",
            "Tax rule",
            "Tax value",
            "Attendee name",
            "Attendee email",
            "Attendee company",
            "Address",
            "ZIP code",
            "City",
            "Country",
            "State",
            *VOUCHER_COLUMNS,
            "Pseudonymization ID",
            "Ticket secret",
            *SEAT_COLUMNS,
            "Blocked",
            "Valid from",
            "Valid until",
            "Order comment",
            "Follow-up date",
            "Add-on to position ID",
        ]
        columns += [q.question for q in layout.questions]
        columns += [
            "Invoice address company",
            "Invoice address name",
            "Invoice address street",
            "Invoice address ZIP code",
            "Invoice address city",
            "Invoice address country",
            "Invoice address state",
            "VAT ID",
            "Sales channel",
            "Order locale",
            "Email address verified",
            "External customer ID",
            "Check-in lists",
            "Payment providers",
            "Position order link",
        ]
        count_query = (
            select(func.count())
            .select_from(OrderPosition)
            .join(queries.Order, OrderPosition.order_id == queries.Order.id)
            .where(*flt.conditions(), *self._position_conditions(form))
        )
        total = self.session.scalar(count_query)
        batches = self._position_batches(form, flt, layout, writes_text(form))
        return Table.of_column_batches(columns, total, batches)

    def _position_conditions(self, form: dict) -> list:
        conditions = []
        if form.get("paid_only"):
            conditions.append(OrderPosition.canceled.is_(False))
        if form.get("items"):
            conditions.append(OrderPosition.item_id.in_(form["items"]))
        return conditions

    def _position_batches(
        self, form, flt, layout: LinesLayout, as_text: bool = False
    ) -> Iterator[list[Sequence]]:
        """Each batch of positions, column by column, like ``_order_batches``: the order's
        columns, add-on parent, check-ins and their lists, answers and payments come with
        each position."""
        clock = self._clock()
        items, variations = queries.product_names(self.session, flt.event_ids)
        rules = tax_rule_texts(queries.tax_rules_of(self.session, flt.event_ids))
        lists = CheckedInLists(queries.checkin_list_names(self.session, flt.event_ids))
        provider_text = ProviderText(layout.providers)
        statuses = Memo(lambda key: position_status(key[0], status_label(*key[1:])))
        channels = Memo(sales_channel_name)
        conditions = self._position_conditions(form)
        batch_rows = writers.CSV_BATCH_ROWS
        batches = positions_with_orders(self.session, flt, layout, conditions, batch_rows, as_text)
        for lines in batches:
            event_ids = lines["event_id"]
            rows = len(event_ids)
            placed = clock.local_column(event_ids, lines["datetime"])
            paid = [lines[name] for name in layout.took_payment]
            yield [
                *self._event_columns(event_ids, clock),
                lines["code"],
                lines["positionid"],
                statuses.column(lines["canceled"], lines["status"], lines["require_approval"]),
                lines["email"],
                lines["phone"],
                list(map(datetime.date, placed)),
                times_of_day(placed),
                list(map(items.get, lines["item_id"])),
                lines["item_id"],
                list(map(variations.get, lines["variation_id"])),
                lines["variation_id"],
                Cents(lines["price"]),
                Rates(lines["tax_rate"]),
                list(map(rules.get, lines["tax_rule_id"])),
                Cents(lines["tax_value"]),
                lines["attendee_name"],
                lines["attendee_email"],
                lines["company"],
                lines["street"],
                lines["zipcode"],
                lines["city"],
                lines["country"],
                lines["state"],
                *(empty(rows) for _ in VOUCHER_COLUMNS),
                lines["pseudonymization_id"],
                lines["secret"],
                *(empty(rows) for _ in SEAT_COLUMNS),
                lines["blocked"],
                local_or_none(clock, event_ids, lines["valid_from"]),
                local_or_none(clock, event_ids, lines["valid_until"]),
                lines["comment"],
                lines["custom_followup_at"],
                lines["addon_to"],
                *(
                    answer_cells(column, lines[name])
                    for column, name in zip(layout.questions, layout.answers, strict=True)
                ),
                *(lines[name] for name in INVOICE_ADDRESS_COLUMNS),
                channels.column(lines["sales_channel"]),
                lines["locale"],
                YES_NO.column(lines["email_known_to_work"]),
                lines["customer_identifier"],
                lists.column(lines["checkin_lists"]),
                provider_text.column(paid, rows),
                self.links.position_column(
                    event_ids, lines["code"], lines["positionid"], lines["web_secret"]
                ),
            ]

    @staticmethod
    def _listed_providers(payments) -> str:
        """pretix's "Payment providers" cell of a fee: as on the other sheets."""
        listed = {p.provider for p in payments if p.state in LISTED_PAYMENT_STATES}
        return ", ".join(payment_provider_name(p) for p in sorted(listed) if p != "free")

    # Fees ----------------------------------------------------------------------------------
    def _fees(self, form: dict) -> Table:
        flt = self._filter(form)
        columns = EVENT_COLUMNS + [
            "Order code",
            "Status",
            "Email",
            "Phone number",
            "Order date",
            "Order time",
            "Fee type",
            "Description",
            "Price",
            "Tax rate",
            "Tax rule",
            "Tax value",
            "Company",
            "Invoice address name",
            "Address",
            "ZIP code",
            "City",
            "Country",
            "State",
            "VAT ID",
            "External customer ID",
            "Payment providers",
        ]
        conditions = [OrderFee.canceled.is_(False)] if form.get("paid_only") else []
        total = self.session.scalar(
            select(func.count())
            .select_from(OrderFee)
            .join(queries.Order, OrderFee.order_id == queries.Order.id)
            .where(*flt.conditions(), *conditions)
        )
        batches = self._fee_batches(form, flt, columns.index("Tax rate"))
        return Table.of_column_batches(columns, total, batches)

    def _fee_batches(self, form, flt, rate_column: int) -> Iterator[list[Sequence]]:
        """The fees of each chunk of orders, turned into columns: the tax rates marked as
        such for the CSV writer."""
        for rows in self._fee_rows(form, flt):
            columns = list(zip(*rows, strict=True))
            columns[rate_column] = Rates(columns[rate_column])
            yield columns

    def _fee_rows(self, form, flt) -> Iterator[list[list]]:
        """The fee rows of each chunk of orders that has fees."""
        clock = self._clock()
        rules = tax_rule_texts(queries.tax_rules_of(self.session, flt.event_ids))
        for chunk in queries.iter_order_chunks(self.session, flt):
            ids = [o.id for o in chunk]
            fees = queries.fees_by_order(self.session, ids)
            payments = queries.payments_by_order(self.session, ids)
            rows = []
            for order in chunk:
                providers = self._listed_providers(payments.get(order.id, ()))
                for fee in fees.get(order.id, ()):
                    if form.get("paid_only") and fee.canceled:
                        continue
                    rows.append(
                        self._event_prefix(order, clock)
                        + [
                            order.code,
                            "canceled" if fee.canceled else order_status(order),
                            *self._order_basics(order, clock),
                            FEE_TYPE_LABELS.get(fee.fee_type, fee.fee_type),
                            fee.description,
                            fee.value,
                            fee.tax_rate,
                            rules.get(fee.tax_rule_id),
                            fee.tax_value,
                            *invoice_address(order),
                            order.customer_identifier,
                            providers,
                        ]
                    )
            if rows:
                yield rows
