"""The order list's payment columns on pretix's own data (the imported recording): which
providers the "Payment providers" cells name, and what each "Paid by" column sums, derived
from the recording's payments and refunds; the providers' names from pretix's header row."""

from decimal import Decimal

from .recorded_exports import csv_rows, header_of, recording, run_export

# pretix names the providers of payments in these states, "free" left out.
LISTED = {"confirmed", "refunded", "pending", "created"}
BODY = {"paid_only": False, "include_payment_amounts": True, "group_multiple_choice": True}


def orders_by_code() -> dict[str, dict]:
    return {o["code"]: o for o in recording("events/sampleconf/orders_include_canceled.json")}


def provider_names() -> dict[str, str]:
    """Provider code -> name: pretix's "Paid by" columns are in the order of the codes."""
    header = header_of("orderlist", "payment_amounts_group_mc")
    names = [h.removeprefix("Paid by ") for h in header if h.startswith("Paid by ")]
    codes = sorted(
        {p["provider"] for o in orders_by_code().values() for p in o["payments"]} - {"free"}
    )
    assert len(codes) == len(names)
    return dict(zip(codes, names, strict=True))


def listed(order: dict, names: dict[str, str]) -> str:
    codes = {p["provider"] for p in order["payments"] if p["state"] in LISTED} - {"free"}
    return ", ".join(names[c] for c in sorted(codes))


def test_payment_providers_and_paid_amounts_on_the_orders_sheet(pretix_shop):
    _name, data = run_export(pretix_shop, "orderlist", {"_format": "orders:default", **BODY})
    header, *rows = csv_rows(data)
    assert header == header_of("orderlist", "payment_amounts_group_mc")
    names = provider_names()
    orders = orders_by_code()
    code = header.index("Order code")
    providers = header.index("Payment providers")
    assert len(rows) == len(orders)
    assert any(p["state"] == "created" for o in orders.values() for p in o["payments"]), (
        "the recording has payments not yet paid"
    )
    for row in rows:
        order = orders[row[code]]
        assert row[providers] == listed(order, names), row[code]
        for provider, name in names.items():
            paid = sum(
                Decimal(p["amount"])
                for p in order["payments"]
                if p["provider"] == provider and p["state"] in {"confirmed", "refunded"}
            )
            refunded = sum(
                Decimal(r["amount"])
                for r in order["refunds"]
                if r["provider"] == provider and r["state"] in {"done", "transit"}
            )
            cell = row[header.index(f"Paid by {name}")]
            assert Decimal(cell) == paid - refunded, (row[code], provider)


def test_payment_providers_on_the_positions_and_fees_sheets(pretix_shop):
    names = provider_names()
    orders = orders_by_code()
    for sheet in ("positions", "fees"):
        body = {"_format": f"{sheet}:default", **BODY}
        _name, data = run_export(pretix_shop, "orderlist", body)
        header, *rows = csv_rows(data)
        code, providers = header.index("Order code"), header.index("Payment providers")
        assert rows, sheet
        for row in rows:
            assert row[providers] == listed(orders[row[code]], names), (sheet, row[code])


def test_paymentlist_comment_method_and_invoice_numbers(pretix_shop):
    """pretix's columns; "Comment" is a refund's, "Invoice numbers" the order's invoices."""
    body = {
        "_format": "default",
        "payment_states": ["confirmed", "refunded"],
        "refund_states": ["done", "created", "transit"],
    }
    name, data = run_export(pretix_shop, "paymentlist", body)
    assert name == "sampleconf_payments.csv"
    header, *rows = csv_rows(data)
    assert header == header_of("paymentlist", "event level")
    names = provider_names()
    orders = orders_by_code()
    invoices = {}
    for invoice in recording("events/sampleconf/invoices.json"):
        invoices.setdefault(invoice["order"], []).append(invoice["number"])
    expected = {}
    for code, order in orders.items():
        for kind, objects, states in (
            ("P", order["payments"], body["payment_states"]),
            ("R", order["refunds"], body["refund_states"]),
        ):
            for obj in objects:
                if obj["state"] in states:
                    expected[f"{code}-{kind}-{obj['local_id']}"] = [
                        names[obj["provider"]],
                        (obj["comment"] or "") if kind == "R" else "",
                        ", ".join(invoices.get(code, [])),
                    ]
    assert len(rows) == len(expected)
    columns = [header.index(c) for c in ("Payment method", "Comment", "Invoice numbers")]
    for row in rows:
        assert [row[c] for c in columns] == expected[row[2]], row[2]


# pretix 2026.8's short renderings of the recording's payments and refunds. Their private
# info is not in the recording; the API's details are what pretix shows of it: empty for
# bank transfers and manual payments, no card for Stripe, the card for gift cards.
def rendered_payment(provider: str, details: dict) -> str:
    return {
        "banktransfer": "",  # payer / IBAN / BIC of a matched transfer: none here
        "manual": "Manual payment",  # its public name
        "stripe": "Credit card",  # the card method's public name, no card data
        "giftcard": details["gift_card"]["secret"] if "gift_card" in details else "Gift card",
    }[provider]


def rendered_refund(provider: str, details: dict) -> str:
    if provider == "giftcard":
        return details["gift_card"]["secret"]
    return ""  # the other providers render no refunds


def matching_id(provider: str, details: dict) -> str:
    """Only Stripe and PayPal give matching IDs in pretix 2026.8 (bank transfers none)."""
    return (details.get("id") or "") if provider.startswith("stripe") else ""


def test_paymentlist_matching_ids_and_payment_details(pretix_shop):
    body = {
        "_format": "default",
        "payment_states": ["created", "pending", "confirmed", "canceled", "failed", "refunded"],
        "refund_states": ["external", "created", "transit", "done", "failed", "canceled"],
    }
    _name, data = run_export(pretix_shop, "paymentlist", body, event=None)
    header, *rows = csv_rows(data)
    expected = {}
    for event in ("sampleconf", "workshopday"):
        for order in recording(f"events/{event}/orders_include_canceled.json"):
            for p in order["payments"]:
                expected[f"{order['code']}-P-{p['local_id']}"] = [
                    matching_id(p["provider"], p["details"]),
                    rendered_payment(p["provider"], p["details"]),
                ]
            for r in order["refunds"]:
                expected[f"{order['code']}-R-{r['local_id']}"] = [
                    matching_id(r["provider"], r["details"]),
                    rendered_refund(r["provider"], r["details"]),
                ]
    assert len(rows) == len(expected)
    ids, columns = (
        header.index("Payment ID"),
        [header.index("Matching ID"), header.index("Payment details")],
    )
    for row in rows:
        assert [row[c] for c in columns] == expected[row[ids]], row[ids]
    details = {row[columns[1]] for row in rows}
    assert {"", "Manual payment", "Credit card", "ANCHOR-GIFT-001", "ANCHOR-REFUND-001"} <= details


def test_positions_name_the_lists_each_was_let_in_on(pretix_shop):
    """pretix 2026.8's "Check-in lists" of a position: the names of the lists of its
    successful entry scans, each once, sorted, joined by ", " (not the lists that would admit
    it)."""
    _name, data = run_export(pretix_shop, "orderlist", {"_format": "positions:default", **BODY})
    header, *rows = csv_rows(data)
    names = {c["id"]: c["name"] for c in recording("events/sampleconf/checkinlists.json")}
    lists = {}
    for scan in recording("events/sampleconf/checkins.json"):
        if scan["successful"] and scan["type"] == "entry":
            lists.setdefault(scan["position"], set()).add(names[scan["list"]])
    secrets = {
        p["secret"]: p["id"]
        for p in recording("events/sampleconf/orderpositions_include_canceled.json")
    }
    secret, cell = header.index("Ticket secret"), header.index("Check-in lists")
    assert len(rows) == len(secrets)
    for row in rows:
        position = secrets[row[secret]]
        assert row[cell] == ", ".join(sorted(lists.get(position, ()))), position
    assert {"", "Main entrance", "Workshops", "Main entrance, Workshops"} == {r[cell] for r in rows}
