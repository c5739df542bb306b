"""What the PDF exporters share: the file type, the event's texts in a page's context lines,
and money as pretix prints it."""

from decimal import Decimal

from .localtime import EventClock

PDF_TYPE = "application/pdf"
ZIP_TYPE = "application/zip"


def money(value: Decimal | None, currency: str = "") -> str:
    if value is None:
        return ""
    text = f"{value:,.2f}"
    return f"{currency} {text}".strip()


def event_line(event) -> str:
    """ "Sample Conference · 12 May 2026, 09:00 · Berlin", as a page's first context line."""
    start = EventClock([event]).local(event.id, event.date_from)
    parts = [event.name, start.strftime("%-d %B %Y, %H:%M")]
    if event.location:
        parts.append(event.location.replace("\n", ", "))
    return " · ".join(parts)
