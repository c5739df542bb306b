"""The built-in layouts of a ticket (an A4 page) and of a badge (any box): what pretix's
default layouts show, drawn with the embedded font. A ticket's QR code holds the position's
secret, which scanners check at the entrance."""

from dataclasses import dataclass

from reportlab.pdfgen.canvas import Canvas

from . import fonts, qr

MM = 72 / 25.4


@dataclass
class PrintedPosition:
    event_name: str
    event_date: str
    location: str
    product: str
    name: str
    company: str
    order_code: str
    positionid: int
    price: str
    secret: str


def draw_ticket(c: Canvas, p: PrintedPosition, page_height: float) -> None:
    left, room = 20 * MM, 100 * MM
    y = page_height - 30 * MM

    def line(text, size, bold=False, gap=6):
        nonlocal y
        c.setFont(fonts.BOLD if bold else fonts.REGULAR, size)
        c.drawString(left, y, fonts.fit(text, room, size, bold))
        y -= size + gap

    line(p.event_name, 18, bold=True)
    line(p.event_date, 11)
    if p.location:
        line(p.location, 10, gap=14)
    line(p.product, 14, bold=True)
    if p.name:
        line(p.name, 13)
    if p.company:
        line(p.company, 11)
    y -= 8
    line(f"Order {p.order_code}-{p.positionid}", 10)
    line(f"Price: {p.price}", 10)
    size = 55 * MM
    qr.draw(c, p.secret, 135 * MM, page_height - 30 * MM - size + 18, size)
    c.setFont(fonts.REGULAR, 7)
    c.drawCentredString(135 * MM + size / 2, page_height - 30 * MM - size + 4, p.secret)
    c.setDash(3, 3)
    c.line(15 * MM, page_height - 120 * MM, 195 * MM, page_height - 120 * MM)
    c.setDash()


def draw_badge(c: Canvas, p: PrintedPosition, x: float, y: float, w: float, h: float) -> None:
    c.setStrokeGray(0.8)
    c.rect(x, y, w, h, stroke=1, fill=0)
    c.setStrokeGray(0)
    pad = min(w, h) * 0.08
    room = w - 2 * pad
    small = max(min(h / 14, 10), 5)
    big = max(min(h / 5, 26), 8)
    c.setFont(fonts.REGULAR, small)
    c.drawString(x + pad, y + h - pad - small, fonts.fit(p.event_name, room, small))
    size = big
    while size > 6 and fonts.width(p.name, size, True) > room:
        size -= 1
    c.setFont(fonts.BOLD, size)
    c.drawCentredString(x + w / 2, y + h / 2, fonts.fit(p.name or "", room, size, True))
    if p.company:
        c.setFont(fonts.REGULAR, small * 1.2)
        c.drawCentredString(
            x + w / 2, y + h / 2 - small * 1.8, fonts.fit(p.company, room, small * 1.2)
        )
    c.setFont(fonts.REGULAR, small)
    c.drawString(x + pad, y + pad, fonts.fit(p.product, room, small))
