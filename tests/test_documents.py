"""The PDF and ZIP exporters run through the API on the imported pretix recording, and every
document is read back: its text with pypdf against the recording (names, codes, sums, page
counts), ticket QR codes decoded with zbarimg from pages rendered by pdftoppm, and ZIP
members listed and opened."""

import io
import os
import re
import shutil
import subprocess
import zipfile
from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest
from pypdf import PdfReader

from .pretix_server import uploaded_file
from .recorded_exports import BASE, file_name, finished_download, recording


def run(shop, identifier: str, body: dict, event: str | None = "sampleconf"):
    """(file name, content type, bytes) of the finished export."""
    download = finished_download(shop, identifier, body, event)
    assert download.status_code == 200, download.data[:300]
    return file_name(download), download.headers["Content-Type"], download.data


def failure(shop, identifier: str, body: dict, event: str | None = "sampleconf"):
    return finished_download(shop, identifier, body, event)


SCREENSHOTS = Path(__file__).parent.parent / "docs" / "screenshots"


def picture(name: str, pdf: bytes, tmp_path: Path) -> None:
    """With UPDATE_SCREENSHOTS=1, the first page as docs/screenshots/<name>.png."""
    if not os.environ.get("UPDATE_SCREENSHOTS"):
        return
    source = tmp_path / f"{name}.pdf"
    source.write_bytes(pdf)
    target = SCREENSHOTS / name
    subprocess.run(
        ["pdftoppm", "-r", "70", "-singlefile", "-png", str(source), str(target)], check=True
    )


def pdf_pages(data: bytes) -> list[str]:
    assert data.startswith(b"%PDF-")
    return [page.extract_text() for page in PdfReader(io.BytesIO(data)).pages]


def flat(text: str) -> str:
    return " ".join(text.split())


def money(value) -> str:
    return f"{Decimal(value):.2f}"


def orders():
    return {o["code"]: o for o in recording("events/sampleconf/orders.json")}


def positions():
    return recording("events/sampleconf/orderpositions.json")


def test_checkinlistpdf_lists_every_admitted_position(pretix_shop, tmp_path):
    name, kind, data = run(
        pretix_shop, "checkinlistpdf", {"list": 1, "sort": "code", "questions": [1]}
    )
    assert (name, kind) == ("sampleconf_checkin_Main entrance.pdf", "application/pdf")
    pages = pdf_pages(data)
    picture("checkinlistpdf", data, tmp_path)
    text = "\n".join(pages)
    by_code = orders()
    admitted = [
        p for p in positions() if by_code[p["order"]]["status"] == "p" and not p.get("canceled")
    ]
    assert f"{len(admitted)} attendees" in pages[0]
    assert "Check-in list: Main entrance" in pages[0]
    assert "Dietary requirem" in pages[0]
    codes = re.findall(r"\b([A-Z0-9]{5})\b", text)
    assert Counter(c for c in codes if c in by_code) == Counter(p["order"] for p in admitted)
    # Sorted by order code as asked, page after page.
    seen = [c for c in codes if c in by_code]
    assert seen == sorted(seen)
    named = [p["attendee_name"] for p in admitted if p["attendee_name"]]
    for attendee in named[:40]:
        assert attendee in text
    assert "Zoë Becker" in text
    for p in admitted[:40]:
        diet = next((a["answer"] for a in p["answers"] if a["question"] == 1), None)
        if diet:
            assert diet in text
    assert len(pages) == -(-len(admitted) // 35) or len(pages) > 1
    assert all(f"Page {i}" in page for i, page in enumerate(pages, 1))


def test_checkinlistpdf_status_filter_and_parameters(pretix_shop):
    _name, _kind, data = run(pretix_shop, "checkinlistpdf", {"list": 1, "status": "1"})
    checkins = recording("events/sampleconf/checkins.json")
    entered = {
        c["position"]
        for c in checkins
        if c["successful"] and c["type"] == "entry" and c["list"] == 1
    }
    assert f"{len(entered)} attendees" in pdf_pages(data)[0]
    client = pretix_shop.app.test_client()
    response = client.post(
        f"{BASE}/events/sampleconf/exporters/checkinlistpdf/run/",
        json={"list": 1, "secrets": True},
        headers={"Authorization": f"Token {pretix_shop.token}"},
    )
    assert response.status_code == 400
    assert response.json == {"fields": ["Additional fields not allowed: ['secrets']."]}


def test_pdfreport_counts_and_sums_per_product(pretix_shop, tmp_path):
    name, _kind, data = run(pretix_shop, "pdfreport", {})
    assert name == "sampleconf_order_overview.pdf"
    picture("pdfreport", data, tmp_path)
    text = flat("\n".join(pdf_pages(data)))
    by_code = orders()
    paid = Counter()
    paid_sum = Counter()
    for p in positions():
        if by_code[p["order"]]["status"] == "p" and not p.get("canceled"):
            paid[p["item"]] += 1
            paid_sum[p["item"]] += Decimal(p["price"])
    items = {i["id"]: i["name"]["en"] for i in recording("events/sampleconf/items.json")}
    for item_id, count in paid.items():
        line = re.search(re.escape(items[item_id]) + r" ([\d ,.]+)", text).group(1).split()
        # canceled #, sum, expired #, sum, pending #, sum, paid #, sum, total #, sum
        assert int(line[6]) == count
        assert line[7] == money(paid_sum[item_id])
    assert "Total" in text


def test_pdfreport_skip_empty_lines(pretix_shop):
    _n, _k, full = run(
        pretix_shop, "pdfreport", {"date_axis": "order_date", "date_range": "2000-01-01/2000-01-02"}
    )
    _n, _k, skipped = run(
        pretix_shop,
        "pdfreport",
        {
            "date_axis": "order_date",
            "date_range": "2000-01-01/2000-01-02",
            "skip_empty_lines": True,
        },
    )
    assert "Regular ticket" in flat(pdf_pages(full)[0])
    assert "Regular ticket" not in flat(pdf_pages(skipped)[0])


def test_ordertaxes_rows_and_totals(pretix_shop, tmp_path):
    name, _kind, data = run(pretix_shop, "ordertaxes", {"status": ["p"], "sort": "datetime"})
    assert name == "sampleconf_taxes.pdf"
    picture("ordertaxes", data, tmp_path)
    text = flat("\n".join(pdf_pages(data)))
    paid = [o for o in recording("events/sampleconf/orders.json") if o["status"] == "p"]
    for order in paid:
        assert order["code"] in text
    gross = Decimal(0)
    for order in paid:
        gross += sum(Decimal(p["price"]) for p in order["positions"] if not p.get("canceled"))
        gross += sum(Decimal(f["value"]) for f in order["fees"] if not f.get("canceled"))
    total_line = re.search(
        r"Total ([\d., ]+)", text.split("Total", 1)[1] and text[text.rindex("Total") :]
    ).group(1)
    grosses = [Decimal(v.replace(",", "")) for v in total_line.split()[0::2]]
    assert sum(grosses) == gross


def test_accountingreport_sums_payments_refunds_and_sales(pretix_shop, tmp_path):
    name, _kind, data = run(pretix_shop, "accountingreport", {})
    assert name == "sampleconf_accountingreport.pdf"
    picture("accountingreport", data, tmp_path)
    text = flat("\n".join(pdf_pages(data)))
    payments = [
        p
        for o in recording("events/sampleconf/orders.json")
        for p in o["payments"]
        if p["state"] in ("confirmed", "refunded")
    ]
    total = sum(Decimal(p["amount"]) for p in payments)
    assert f"Payments total {len(payments)} {money(total)}" in text
    sales = sum(
        Decimal(t["price"]) * t["count"] for t in recording("events/sampleconf/transactions.json")
    )
    assert re.search(r"Sales total \d+ [\d,.-]+ [\d,.-]+ " + re.escape(money(sales)), text)


def test_accountingreport_organizer_level(pretix_shop):
    name, _kind, data = run(pretix_shop, "accountingreport", {"all_events": True}, None)
    assert name == "bigevents_accountingreport.pdf"
    assert "2 events" in pdf_pages(data)[0]


def test_invoices_zip_one_pdf_per_invoice(pretix_shop, tmp_path):
    name, kind, data = run(pretix_shop, "invoices", {})
    assert (name, kind) == ("sampleconf_invoices.zip", "application/zip")
    invoices = recording("events/sampleconf/invoices.json")
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert sorted(archive.namelist()) == sorted(f"{i['number']}.pdf" for i in invoices)
        picture("invoice", archive.read(f"{invoices[0]['number']}.pdf"), tmp_path)
        for invoice in invoices[:25]:
            text = flat("\n".join(pdf_pages(archive.read(f"{invoice['number']}.pdf"))))
            assert invoice["number"] in text
            assert invoice["order"] in text
            assert invoice["date"] in text
            assert invoice["invoice_from_name"] in text
            if invoice["invoice_to_name"]:
                assert invoice["invoice_to_name"] in text
            gross = sum(Decimal(line["gross_value"]) for line in invoice["lines"])
            assert f"Invoice total EUR {gross:.2f}" in text
            for rate in {Decimal(line["tax_rate"]) for line in invoice["lines"]}:
                assert f"{rate.normalize():f} %" in text


def test_invoices_organizer_level_and_provider_filter(pretix_shop):
    _n, _k, data = run(pretix_shop, "invoices", {"all_events": True}, None)
    both = recording("events/sampleconf/invoices.json") + recording(
        "events/workshopday/invoices.json"
    )
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert len(archive.namelist()) == len(both)
    response = failure(pretix_shop, "invoices", {"payment_provider": "stripe_twint"})
    assert response.status_code == 410
    assert response.json["message"] == "Your export did not contain any data."


def test_invoices_rendered_in_parallel_runs_make_the_same_archive(pretix_shop, monkeypatch):
    from service.exporters import invoices

    def archive(data: bytes) -> list[tuple[str, list[str]]]:
        with zipfile.ZipFile(io.BytesIO(data)) as opened:
            return [(name, pdf_pages(opened.read(name))) for name in opened.namelist()]

    body = {"all_events": True}
    whole = archive(run(pretix_shop, "invoices", body, None)[2])
    keys = []

    def split_keys(*args):
        keys.append(found := store_split_keys(*args))
        return found

    store_split_keys = invoices.store.split_keys
    monkeypatch.setattr(invoices, "SPLIT_MIN_INVOICES", 1)
    monkeypatch.setattr(invoices.store, "split_keys", split_keys)
    monkeypatch.setattr(os, "cpu_count", lambda: 3)
    split = archive(run(pretix_shop, "invoices", body, None)[2])
    assert len(keys) == 1 and len(keys[0]) == 2, "three runs of invoices"
    assert split == whole


@pytest.mark.skipif(not shutil.which("zbarimg"), reason="zbarimg (zbar-tools) is missing")
def test_tickets_one_page_each_with_the_secret_as_qr(pretix_shop, tmp_path):
    name, _kind, data = run(pretix_shop, "pdfoutput_all_tickets", {"order_by": "code"})
    assert name == "sampleconf_tickets.pdf"
    by_code = orders()
    admission = {i["id"] for i in recording("events/sampleconf/items.json") if i["admission"]}
    printed = [
        p
        for p in positions()
        if by_code[p["order"]]["status"] == "p" and not p.get("canceled") and p["item"] in admission
    ]
    printed.sort(key=lambda p: (p["order"], p["positionid"], p["id"]))
    pages = pdf_pages(data)
    picture("ticket", data, tmp_path)
    assert len(pages) == len(printed)
    for page, p in list(zip(pages, printed, strict=True))[:30]:
        assert f"Order {p['order']}-{p['positionid']}" in page
        assert p["secret"] in page
        if p["attendee_name"]:
            assert p["attendee_name"] in page
    pdf = tmp_path / "tickets.pdf"
    pdf.write_bytes(data)
    subprocess.run(
        ["pdftoppm", "-r", "60", "-l", "3", "-png", str(pdf), str(tmp_path / "p")], check=True
    )
    found = subprocess.run(
        ["zbarimg", "-q", "--raw", *sorted(str(p) for p in tmp_path.glob("p-*.png"))],
        capture_output=True,
        text=True,
    ).stdout.split()
    assert found == [p["secret"] for p in printed[:3]]


def test_tickets_organizer_level(pretix_shop):
    name, _kind, data = run(
        pretix_shop, "pdfoutput_all_tickets", {"all_events": True, "order_by": "name"}, None
    )
    assert name == "bigevents_tickets.pdf"
    assert any("Day pass" in page for page in pdf_pages(data))


def test_badges_on_label_sheets(pretix_shop, tmp_path):
    body = {"items": [1], "rendering": "a4_a6l", "order_by": "name"}
    name, _kind, data = run(pretix_shop, "badges", body)
    assert name == "sampleconf_badges.pdf"
    by_code = orders()
    badges = [
        p
        for p in positions()
        if by_code[p["order"]]["status"] == "p" and not p.get("canceled") and p["item"] == 1
    ]
    pages = pdf_pages(data)
    picture("badges", data, tmp_path)
    assert len(pages) == -(-len(badges) // 4)
    text = "\n".join(pages)
    for p in badges:
        if p["attendee_name"]:
            assert p["attendee_name"] in text
    _n, _k, one = run(
        pretix_shop, "badges", {**body, "rendering": "one", "order_by": "question:DIET"}
    )
    assert len(pdf_pages(one)) == len(badges)


def test_answerfiles_zip_holds_the_fetched_uploads(pretix_shop):
    name, kind, data = run(pretix_shop, "answerfiles", {})
    assert (name, kind) == ("sampleconf_answers.zip", "application/zip")
    by_id = {p["id"]: p for p in positions()}
    with_file = [
        (p, a) for p in by_id.values() for a in p["answers"] if a["question_identifier"] == "CV"
    ]
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = archive.namelist()
        assert len(names) == len(with_file)
        for p, a in with_file:
            member = f"SAMPLECONF-{p['order']}-{p['positionid']}-{a['question']}-cv-{p['id']}.pdf"
            assert archive.read(member) == uploaded_file(str(p["id"]))


def test_answer_files_are_on_disk_not_in_the_store(pretix_shop):
    folder = Path(os.environ["ANSWER_FILES_DIR"]) / "bigevents" / "sampleconf"
    assert len(list(folder.glob("*/cv-*.pdf"))) > 0
