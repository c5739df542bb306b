"""The accounting exporters (transactions, invoice data, tax split list, dekodi NREI) run
through the API on the imported pretix recording: header rows as pretix
2026.8 wrote them, rows in pretix's order, cells as derived from the recording's JSON."""

import json
from decimal import Decimal

from .recorded_exports import csv_rows, header_of, recording, run_export

EVENT = "events/sampleconf"


def _money(text) -> Decimal:
    return Decimal(text).quantize(Decimal("0.01"))


def test_transactions_event_level(pretix_shop):
    name, data = run_export(pretix_shop, "transactions", {"_format": "default"})
    rows = csv_rows(data)
    assert name == "sampleconf_transactions.csv"
    assert rows[0] == header_of("transactions", "event level")
    expected = sorted(
        recording(f"{EVENT}/transactions.json"), key=lambda t: (t["datetime"], t["id"])
    )
    assert len(rows) - 1 == len(expected)
    for row, t in zip(rows[1:], expected, strict=True):
        cells = dict(zip(rows[0], row, strict=True))
        assert cells["Order code"] == t["order"]
        assert cells["Position ID"] == str(t["positionid"] or "")
        assert cells["Quantity"] == str(t["count"])
        assert cells["Product ID"] == str(t["item"] or "")
        assert cells["Fee type"] == (t["fee_type"] or "")
        assert _money(cells["Price"]) == _money(t["price"])
        assert _money(cells["Gross total"]) == _money(t["price"]) * t["count"]
        assert _money(cells["Tax total"]) == _money(t["tax_value"]) * t["count"]


def test_transactions_organizer_level(pretix_shop):
    name, data = run_export(
        pretix_shop, "transactions", {"_format": "default", "all_events": True}, None
    )
    rows = csv_rows(data)
    assert name == "bigevents_transactions.csv"
    assert rows[0] == header_of("transactions", "organizer level")
    both = [
        t for e in ("sampleconf", "workshopday") for t in recording(f"events/{e}/transactions.json")
    ]
    assert len(rows) - 1 == len(both)


def _invoices():
    return sorted(recording(f"{EVENT}/invoices.json"), key=lambda i: i["number"])


def test_invoicedata_invoices_sheet(pretix_shop):
    name, data = run_export(pretix_shop, "invoicedata", {"_format": "invoices:default"})
    rows = csv_rows(data)
    assert name == "sampleconf_invoices.csv"
    assert rows[0] == header_of("invoicedata", "event level · `invoices:default`")
    invoices = _invoices()
    assert len(rows) - 1 == len(invoices)
    for row, invoice in zip(rows[1:], invoices, strict=True):
        cells = dict(zip(rows[0], row, strict=True))
        gross = sum(_money(line["gross_value"]) for line in invoice["lines"])
        tax = sum(_money(line["tax_value"]) for line in invoice["lines"])
        assert cells["Invoice number"] == invoice["number"]
        assert cells["Date"] == invoice["date"]
        assert cells["Order code"] == invoice["order"]
        assert cells["Invoice type"] == (
            "Cancellation" if invoice["is_cancellation"] else "Invoice"
        )
        assert cells["Cancellation of"] == (invoice["refers"] or "")
        assert cells["Invoice recipient: Name"] == invoice["invoice_to_name"]
        assert cells["Invoice recipient: Country"] == (invoice["invoice_to_country"] or "")
        assert _money(cells["Total value (with taxes)"]) == gross
        assert _money(cells["Total value (without taxes)"]) == gross - tax


def test_invoicedata_lines_sheet_at_organizer_level(pretix_shop):
    body = {"_format": "lines:default", "all_events": True}
    name, data = run_export(pretix_shop, "invoicedata", body, None)
    rows = csv_rows(data)
    assert name == "bigevents_invoices.csv"
    assert rows[0] == header_of("invoicedata", "organizer level · `lines:default`")
    invoices = sorted(
        (i for e in ("sampleconf", "workshopday") for i in recording(f"events/{e}/invoices.json")),
        key=lambda i: i["number"],
    )
    expected = [(i, line) for i in invoices for line in i["lines"]]
    assert len(rows) - 1 == len(expected)
    for row, (invoice, line) in zip(rows[1:], expected, strict=True):
        assert row[:4] == [
            invoice["number"],
            str(line["position"]),
            line["description"].replace("<br />", " - "),
            line["gross_value"],
        ]
        assert _money(row[4]) == _money(line["gross_value"]) - _money(line["tax_value"])


def test_invoicedata_payment_provider_filter(pretix_shop):
    body = {"_format": "invoices:default", "payment_provider": "stripe"}
    _name, data = run_export(pretix_shop, "invoicedata", body)
    orders = {
        o["code"]
        for o in recording(f"{EVENT}/orders_include_canceled.json")
        if any(
            p["provider"] == "stripe"
            and p["state"] in ("confirmed", "refunded", "pending", "created")
            for p in o["payments"]
        )
    }
    expected = [i["number"] for i in _invoices() if i["order"] in orders]
    assert [row[0] for row in csv_rows(data)[1:]] == expected


def test_ordertaxeslist_orders_sheet(pretix_shop):
    body = {"_format": "orders:default", "status": ["p"], "sort": "datetime"}
    name, data = run_export(pretix_shop, "ordertaxeslist", body)
    rows = csv_rows(data)
    assert name == "export.csv"
    assert rows[0] == header_of("ordertaxeslist", "orders:default")
    paid = [
        o
        for o in recording(f"{EVENT}/orders_include_canceled.json")
        if o["status"] == "p" and any(not p["canceled"] for p in o["positions"])
    ]
    paid.sort(key=lambda o: (o["datetime"], o["code"]))
    assert [row[0] for row in rows[1:-1]] == [o["code"] for o in paid]
    total = Decimal(0)
    for row, order in zip(rows[1:-1], paid, strict=True):
        gross = sum(_money(p["price"]) for p in order["positions"] if not p["canceled"])
        gross += sum(_money(f["value"]) for f in order["fees"] if not f["canceled"])
        assert row[6] == "paid"
        assert _money(row[8]) == _money(order["total"])
        assert _money(row[9]) == gross
        total += gross
    assert rows[-1][0] == "Total" and _money(rows[-1][9]) == total


def test_ordertaxeslist_other_sheets_headers(pretix_shop):
    for sheet in ("countries", "companies"):
        body = {"_format": f"{sheet}:default", "status": ["p"], "sort": "datetime"}
        _name, data = run_export(pretix_shop, "ordertaxeslist", body)
        assert csv_rows(data)[0] == header_of("ordertaxeslist", f"{sheet}:default")


def test_dekodi_nrei(pretix_shop):
    name, data = run_export(pretix_shop, "dekodi_nrei", {})
    assert name == "sampleconf_nrei.json"
    document = json.loads(data)
    assert [document[k] for k in ("Format", "Version", "SourceSystem")] == [
        "NREI",
        "18.10.2.0",
        "pretix",
    ]
    invoices = sorted(recording(f"{EVENT}/invoices.json"), key=lambda i: (i["date"], i["number"]))
    assert [d["Hdr"]["INo"] for d in document["Data"]] == [i["number"] for i in invoices]
    for record, invoice in zip(document["Data"], invoices, strict=True):
        gross = sum(Decimal(line["gross_value"]) for line in invoice["lines"])
        assert record["Hdr"]["TGrossA"] == round(float(gross), 2)
        assert record["Hdr"]["DT"] == ("30" if invoice["is_cancellation"] else "10")
        assert len(record["InvcPstns"]) == len(invoice["lines"])
