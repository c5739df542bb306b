"""Registers the exporters of printable documents and archives (PDF and ZIP)."""

from . import (  # noqa: F401
    accountingreport,
    answerfiles,
    badges,
    checkinlistpdf,
    invoices,
    ordertaxes,
    pdfreport,
    tickets,
)
