"""``dekodi_nrei``, "dekodi NREI (JSON)": the event's invoices in the layout dekodi's NREI
conversion reads, as pretix's ``DekodiNREIExporter`` writes it (indented JSON, amounts as
numbers rounded to cents, a header, lines and payment attempts per invoice).

Written an invoice at a time, so memory stays flat. As in pretix, ``date_range`` selects by
invoice date, invoices come in date and number order, and the header carries no payment
date (pretix's lookup of the last payment never matches).
"""

import json
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

from ..store import invoice_queries as store
from . import params, register
from .base import BaseExporter, ExportFile, ProgressCallback
from .export_zone import day_range
from .writers import RowCounter

JSON_TYPE = "application/json"
UNKNOWN_CUSTOMER = "Unbekannter Kunde"


def _amount(value) -> float:
    return round(float(value), 2)


def _utc(moment) -> str:
    return moment.isoformat() + "+00:00"


def _payment(p, event, order_code: str) -> dict:
    """One payment attempt in the provider's own shape (PTID, PTN, PTNo…)."""
    info = p.details or {}
    full_id = f"{order_code}-P-{p.local_id}"
    currency = str(event.currency)
    if p.provider == "paypal":
        return {
            "PTID": "1",
            "PTN": "PayPal",
            "PTNo1": info.get("id"),
            "PTNo2": info.get("id"),
            "PTNo7": _amount(p.amount),
            "PTNo8": currency,
            "PTNo11": "",
            "PTNo15": full_id,
        }
    if p.provider == "banktransfer":
        return {
            "PTID": "4",
            "PTN": "Vorkasse",
            "PTNo4": info.get("reference") or f"{event.slug.upper()}-{order_code}",
            "PTNo7": _amount(p.amount),
            "PTNo8": currency,
            "PTNo10": info.get("payer") or "",
            "PTNo14": info.get("date") or "",
            "PTNo15": full_id,
        }
    if p.provider.startswith("stripe"):
        source = info.get("source", info)
        owner = source.get("owner") or {}
        return {
            "PTID": "81",
            "PTN": "Stripe",
            "PTNo1": info.get("id") or "",
            "PTNo5": (source.get("card") or {}).get("last4") or "",
            "PTNo7": _amount(p.amount) or "",
            "PTNo8": currency,
            "PTNo10": owner.get("verified_name") or owner.get("name") or "",
            "PTNo15": full_id,
        }
    return {
        "PTID": "0",
        "PTN": p.provider,
        "PTNo7": _amount(p.amount) or "",
        "PTNo8": currency,
        "PTNo15": full_id,
    }


def encode_invoice(row, lines, payments, event) -> dict:
    """One invoice as an NREI record."""
    invoice = row
    sign = -1 if invoice.is_cancellation else 1
    gross_total = net_total = Decimal("0.00")
    positions = []
    for line in lines:
        net = line.gross_value - line.tax_value
        positions.append(
            {
                "ADes": line.description.replace("<br />", "\n"),
                "ANetA": _amount(sign * net),
                "ANo": event.slug,
                "AQ": sign,
                "AVatP": _amount(line.tax_rate),
                "DIDt": _utc(event.date_from),
                "PosGrossA": _amount(line.gross_value),
                "PosNetA": _amount(net),
            }
        )
        gross_total += line.gross_value
        net_total += net
    name = invoice.invoice_to_name or ""
    header = {
        "C": invoice.invoice_to_country or event.invoice_from_country,
        "CC": event.currency,
        "City": invoice.invoice_to_city,
        "CN": invoice.invoice_to_company,
        "DIC": event.invoice_from_country,
        "DIDt": _utc(row.order_datetime),
        "DT": "30" if invoice.is_cancellation else "10",
        "EM": row.order_email,
        "FamN": name.rsplit(" ", 1)[-1] if name else "",
        "FN": name.rsplit(" ", 1)[0] if " " in name else "",
        "IDt": invoice.date.isoformat() + "T08:00:00+01:00",
        "INo": invoice.number,
        "IsNet": invoice.reverse_charge,
        "ODt": _utc(row.order_datetime),
        "OID": row.order_code,
        "SID": event.slug,
        "SN": event.name,
        "Str": invoice.invoice_to_street or "",
        "TGrossA": _amount(gross_total),
        "TNetA": _amount(net_total),
        "TVatA": _amount(gross_total - net_total),
        "VatDp": False,
        "Zip": invoice.invoice_to_zipcode,
    }
    if not header["FamN"] and not header["CN"]:
        header["CN"] = UNKNOWN_CUSTOMER
    if row.refers_number:
        header["PvrINo"] = row.refers_number
    if invoice.invoice_to_vat_id:
        header["VatID"] = invoice.invoice_to_vat_id
    attempts = [_payment(p, event, row.order_code) for p in payments]
    return {
        "IsValid": True,
        "Hdr": header,
        "InvcPstns": positions,
        "PmIs": [{k: v for k, v in p.items() if v is not None} for p in attempts],
        "ValidationMessage": "",
    }


@register
class DekodiNREIExporter(BaseExporter):
    identifier = "dekodi_nrei"
    verbose_name = "dekodi NREI (JSON)"
    description = "The event's invoices as JSON for dekodi's NREI conversion software."
    file_stem = "nrei"

    def parameter_fields(self) -> dict[str, params.Param]:
        return {"date_range": params.DateFrame()}

    def write(self, form: dict, path: Path, progress: ProgressCallback) -> ExportFile:
        event = self.scope.event
        first, last = day_range(form.get("date_range"), event.timezone)
        where = store.InvoiceFilter([event.id], first, last)
        counter = RowCounter(store.count_invoices(self.session, where), progress)
        with open(path, "w", encoding="utf-8") as out:
            out.write('{\n    "Format": "NREI",\n    "Version": "18.10.2.0",\n')
            out.write('    "SourceSystem": "pretix",\n    "Data": [')
            written = False
            for record in self._records(where, event):
                out.write(",\n        " if written else "\n        ")
                out.write(json.dumps(record, indent=4).replace("\n", "\n        "))
                written = True
                counter.tick()
            out.write("\n    ]\n}" if written else "]\n}")
        return ExportFile(self.base_filename() + ".json", JSON_TYPE)

    def _records(self, where, event) -> Iterator[dict]:
        """Invoices by date and number, as pretix orders them."""
        for chunk in store.iter_invoices_by_date(self.session, where):
            invoice_ids = [row.id for row in chunk]
            lines = store.lines_of(self.session, invoice_ids)
            payments = store.payments_of(
                self.session, [row.order_id for row in chunk], store.LISTED_PAYMENT_STATES
            )
            for row in chunk:
                yield encode_invoice(
                    row,
                    lines.get(row.id, []),
                    payments.get(row.order_id, []),
                    event,
                )
