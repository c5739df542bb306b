"""One invoice as a one- or more-page PDF in memory, laid out like pretix's classic
invoice: sender top left, recipient in the address window, number and dates on the right,
the lines with their tax rates, a tax table per rate and the totals. Small enough to
render one at a time into a ZIP."""

import re
from collections import defaultdict
from decimal import Decimal
from io import BytesIO

from reportlab.lib.pagesizes import A4
from reportlab.pdfgen.canvas import Canvas

from . import fonts

MM = 72 / 25.4
BREAK = re.compile(r"<br\s*/?>|\n")
LEFT, RIGHT = 20 * MM, A4[0] - 20 * MM


def _lines(text: str) -> list[str]:
    return [line for line in (text or "").splitlines() if line.strip()]


def _recipient(invoice) -> list[str]:
    """The address block as issued, or built from its parts where pretix left it empty."""
    if _lines(invoice.invoice_to):
        return _lines(invoice.invoice_to)
    city = " ".join(filter(None, [invoice.invoice_to_zipcode, invoice.invoice_to_city]))
    parts = [invoice.invoice_to_company, invoice.invoice_to_name, invoice.invoice_to_street]
    return [p for p in [*parts, city, invoice.invoice_to_country or ""] if p]


def render(invoice, lines, currency: str, event_name: str, order_code: str) -> bytes:
    fonts.register()
    buffer = BytesIO()
    c = Canvas(buffer, pagesize=A4, pageCompression=1, initialFontName=fonts.REGULAR)
    kind = "Cancellation" if invoice.is_cancellation else "Invoice"
    c.setTitle(f"{kind} {invoice.number}")
    height = A4[1]

    def write(x, y, text, size=9, bold=False, right=False, room=None):
        c.setFont(fonts.BOLD if bold else fonts.REGULAR, size)
        text = fonts.fit(text, room, size, bold) if room else text
        (c.drawRightString if right else c.drawString)(x, y, text)

    # Sender, small above the window, and in full on the right.
    sender = [invoice.invoice_from_name, *_lines(invoice.invoice_from)]
    sender.append(" ".join(filter(None, [invoice.invoice_from_zipcode, invoice.invoice_from_city])))
    sender.append(invoice.invoice_from_country or "")
    sender = [s for s in sender if s]
    write(LEFT, height - 45 * MM, " · ".join(sender), 6.5, room=85 * MM)
    y = height - 52 * MM
    for line in _recipient(invoice) or ["—"]:
        write(LEFT, y, line, 10, room=85 * MM)
        y -= 12
    y = height - 20 * MM
    for line in sender:
        write(RIGHT, y, line, 8, right=True)
        y -= 10
    if invoice.invoice_from_vat_id:
        write(RIGHT, y, f"VAT ID: {invoice.invoice_from_vat_id}", 8, right=True)
    y = height - 95 * MM
    write(LEFT, y, f"{kind} {invoice.number}", 14, bold=True)
    facts = [
        ("Invoice date", invoice.date.isoformat()),
        ("Order code", order_code),
        ("Event", event_name),
    ]
    if invoice.invoice_to_vat_id:
        facts.append(("Customer VAT ID", invoice.invoice_to_vat_id))
    y -= 16
    for label, value in facts:
        write(LEFT, y, label + ":", 9, bold=True)
        write(LEFT + 32 * MM, y, value, 9, room=RIGHT - LEFT - 32 * MM)
        y -= 12
    for text in _lines(invoice.introductory_text):
        write(LEFT, y, text, 9, room=RIGHT - LEFT)
        y -= 12
    y -= 8
    columns = [(LEFT, "Description", False), (RIGHT - 70 * MM, "Tax rate", True)]
    columns += [(RIGHT - 35 * MM, "Net", True), (RIGHT, "Gross", True)]

    def header(y):
        for x, title, right in columns:
            write(x, y, title, 9, bold=True, right=right)
        c.setLineWidth(0.6)
        c.line(LEFT, y - 4, RIGHT, y - 4)
        return y - 16

    y = header(y)
    per_rate = defaultdict(lambda: [Decimal("0"), Decimal("0")])
    gross_total = Decimal("0")
    for line in lines:
        if y < 40 * MM:
            c.showPage()
            y = header(height - 25 * MM)
        description = [t for t in BREAK.split(line.description or "") if t.strip()] or [""]
        if line.attendee_name and line.attendee_name not in (line.description or ""):
            description.append(f"Attendee: {line.attendee_name}")
        net = line.gross_value - line.tax_value
        for number, text in enumerate(description):
            write(LEFT, y - 11 * number, text, 9 if number == 0 else 8, room=RIGHT - LEFT - 75 * MM)
        write(columns[1][0], y, f"{line.tax_rate.normalize():f} %", 9, right=True)
        write(columns[2][0], y, f"{currency} {net:.2f}", 9, right=True)
        write(RIGHT, y, f"{currency} {line.gross_value:.2f}", 9, right=True)
        per_rate[line.tax_rate][0] += net
        per_rate[line.tax_rate][1] += line.tax_value
        gross_total += line.gross_value
        y -= 13 + 11 * (len(description) - 1)
    c.line(LEFT, y + 8, RIGHT, y + 8)
    write(LEFT, y - 4, "Invoice total", 10, bold=True)
    write(RIGHT, y - 4, f"{currency} {gross_total:.2f}", 10, bold=True, right=True)
    y -= 28
    if y < 45 * MM:
        c.showPage()
        y = height - 25 * MM
    write(LEFT, y, "Tax rate", 8, bold=True)
    write(RIGHT - 70 * MM, y, "Net value", 8, bold=True, right=True)
    write(RIGHT - 35 * MM, y, "Tax", 8, bold=True, right=True)
    write(RIGHT, y, "Gross value", 8, bold=True, right=True)
    y -= 12
    for rate, (net, tax) in sorted(per_rate.items()):
        write(LEFT, y, f"{rate.normalize():f} %", 8)
        write(RIGHT - 70 * MM, y, f"{currency} {net:.2f}", 8, right=True)
        write(RIGHT - 35 * MM, y, f"{currency} {tax:.2f}", 8, right=True)
        write(RIGHT, y, f"{currency} {net + tax:.2f}", 8, right=True)
        y -= 11
    if invoice.reverse_charge:
        write(LEFT, y - 6, "Reverse charge: the recipient owes the VAT.", 8)
        y -= 14
    for text in _lines(invoice.additional_text) + _lines(invoice.payment_provider_text):
        y -= 12
        write(LEFT, y, text, 8, room=RIGHT - LEFT)
    footer = " · ".join(_lines(invoice.footer_text))
    if footer:
        write(LEFT, 12 * MM, footer, 7, room=RIGHT - LEFT)
    c.showPage()
    c.save()
    return buffer.getvalue()
