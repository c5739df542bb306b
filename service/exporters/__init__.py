"""The exporter registry: which exporters exist and where each is offered."""

from .base import BaseExporter, ExportError, ExportScope  # noqa: F401

REGISTRY: dict[str, type[BaseExporter]] = {}


def register(cls: type[BaseExporter]) -> type[BaseExporter]:
    REGISTRY[cls.identifier] = cls
    return cls


def for_event() -> list[type[BaseExporter]]:
    return [cls for cls in REGISTRY.values() if cls.event_level]


def for_organizer() -> list[type[BaseExporter]]:
    return [cls for cls in REGISTRY.values() if cls.multi_event or cls.organizer_level]


def _load_builtin_exporters() -> None:
    from . import (  # noqa: F401
        checkinlist,
        checkinlistcodes,
        checkinlog,
        customerlist,
        dekodi,
        eventdata,
        giftcardlist,
        giftcardredemptionlist,
        giftcardtransactionlist,
        invoicedata,
        itemdata,
        json_export,
        mailaddrs,
        orderlist,
        ordertaxeslist,
        paymentlist,
        quotalist,
        reusablemedia,
        transactions,
        waitinglist,
    )


_load_builtin_exporters()
from . import documents  # noqa: E402,F401 (the PDF and ZIP exporters)
