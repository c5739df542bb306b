"""``ordertaxeslist``, "Tax split list": what each order comes to per tax rate, and the
same summed by country and for business customers by address, as pretix's
``OrderTaxListReport`` writes it.

As in pretix: a left out ``status`` selects no orders and a left out ``sort`` sorts by last
payment date; the rate columns cover the event's fees whatever their order's status; an
order's fees count on its row only where it has positions; the last row sums each rate.
Order dates are the event's, payment dates UTC's (as pretix prints them). Canceled
positions and fees count nowhere. The file is ``export`` without the event's slug, as
pretix names it.
"""

from collections import defaultdict
from collections.abc import Iterator
from decimal import Decimal
from itertools import islice

from ..store import tax_split_queries as store
from ..store.models import OrderFee, OrderPosition
from . import dateframes, params, register
from .base import MultiSheetListExporter
from .base_types import Table, format_rate
from .countries import country_name
from .localtime import EventClock

STATUS_LABELS = {"n": "pending", "p": "paid", "e": "expired", "c": "canceled"}
SORTS = {"datetime": "Order date", "payment_date": "Payment date"}
AXES = {"": "Filter by…", "order_date": "Order date", "last_payment_date": "Date of last payment"}
ORDER_COLUMNS = [
    "Order code",
    "Order date",
    "Company",
    "Name",
    "Country",
    "VAT ID",
    "Status",
    "Payment date",
    "Order total",
]
COUNTRY_COLUMNS = ["Country code", "Country", "Tax rate", "Gross", "Tax"]
COMPANY_COLUMNS = [
    "Country code",
    "Country",
    "Tax rate",
    "Company",
    "Address",
    "ZIP code",
    "City",
    "State",
    "VAT ID",
    "Custom field",
    "Gross",
    "Tax",
]
ZERO = Decimal("0.00")
CHUNK = 1000


@register
class OrderTaxListReport(MultiSheetListExporter):
    identifier = "ordertaxeslist"
    verbose_name = "Tax split list"
    description = (
        "Gross and tax per tax rate for every order, by country and for business customers: "
        "for the tax return."
    )
    sheets = (
        ("orders", "Orders"),
        ("countries", "Taxes by country"),
        ("companies", "Business customers"),
    )

    def base_filename(self) -> str:
        return "export"

    def additional_fields(self) -> dict[str, params.Param]:
        return {
            "status": params.MultipleChoice(list(STATUS_LABELS), labels=STATUS_LABELS),
            "sort": params.Choice(list(SORTS), labels=SORTS),
            "date_axis": params.Choice(list(AXES), labels=AXES),
            "date_range": params.DateFrame(),
        }

    def _filter(self, form: dict) -> store.TaxSplitFilter:
        event = self.scope.event
        start = end = None
        if form.get("date_range"):
            start, end = dateframes.resolve(form["date_range"], event.timezone)
        axis = form.get("date_axis") or ""
        return store.TaxSplitFilter(event.id, form.get("status") or [], axis, start, end)

    def table(self, sheet: str, form: dict) -> Table:
        where = self._filter(form)
        if sheet == "orders":
            return self._orders(where, by_payment=form.get("sort") != "datetime")
        business = sheet == "companies"
        rows = self._grouped(store.grouped_sums(self.session, where, business), business)
        return Table(COMPANY_COLUMNS if business else COUNTRY_COLUMNS, len(rows), rows)

    # The orders sheet --------------------------------------------------------------------
    def _orders(self, where, by_payment: bool) -> Table:
        rates = store.tax_rates(self.session, where)
        columns = ORDER_COLUMNS + [
            f"{format_rate(rate)} % {part}" for rate in rates for part in ("Gross", "Tax")
        ]
        order_ids = store.ordered_order_ids(self.session, where, by_payment)
        return Table(columns, len(order_ids) + 1, self._order_rows(order_ids, rates))

    def _order_rows(self, order_ids: list[int], rates: list) -> Iterator[list]:
        clock = EventClock([self.scope.event])
        event_id = self.scope.event.id
        sums = defaultdict(lambda: [ZERO, ZERO])
        ids = iter(order_ids)
        while chunk := list(islice(ids, CHUNK)):
            orders = store.orders_of(self.session, chunk)
            positions = store.sums_by_rate(self.session, chunk, OrderPosition)
            fees = store.sums_by_rate(self.session, chunk, OrderFee)
            for order_id in chunk:
                order, paid = orders[order_id]
                cells = []
                for rate in rates:
                    gross, tax = ZERO, ZERO
                    for found in (fees[order_id], positions[order_id]):
                        if rate in found:
                            gross, tax = gross + found[rate][0], tax + found[rate][1]
                    sums[rate][0] += gross
                    sums[rate][1] += tax
                    cells += [gross, tax]
                has_address = order.invoice_address_modified is not None
                yield [
                    order.code,
                    clock.local(event_id, order.datetime).date(),
                    order.invoice_company if has_address else "",
                    order.invoice_name if has_address else "",
                    order.invoice_country if has_address else "",
                    order.invoice_vat_id if has_address else "",
                    STATUS_LABELS.get(order.status, order.status),
                    paid.date() if paid else "",
                    order.total,
                    *cells,
                ]
        totals = [value for rate in rates for value in sums[rate]]
        yield ["Total", "", "", "", "", "", "", "", "", *totals]

    # The sheets by country and by business customer -----------------------------------------
    @staticmethod
    def _grouped(rows, business: bool) -> list[list]:
        combined = {}
        for has_address, *keys, rate, gross, tax in rows:
            country = keys[0] if has_address else None
            key = (country, rate, *keys[1:])
            found = combined.setdefault(key, [ZERO, ZERO])
            found[0] += gross or ZERO
            found[1] += tax or ZERO

        def order(item):
            (country, rate, *rest), _sums = item
            return (country is not None, country or "", rate, *(part or "" for part in rest))

        result = []
        for (country, rate, *rest), (gross, tax) in sorted(combined.items(), key=order):
            # pretix writes the code as text, so an order without an address shows "None".
            cells = [str(country), country_name(country), rate]
            if business:
                cells += [part or "" for part in rest]
            result.append([*cells, gross, tax])
        return result
