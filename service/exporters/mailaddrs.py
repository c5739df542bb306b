"""``mailaddrs``, "Email addresses (text file)": every buyer and attendee address of the orders
in the chosen states, one per line, as pretix's ``MailExporter`` writes them.

pretix joins a set, so its order is arbitrary; here the addresses are sorted (code point
order, the same on every database) so that two runs over the same data give the same file.
Lines end with CRLF and the file has no trailing line break, as in pretix.
"""

from pathlib import Path

from sqlalchemy import select

from ..store import queries
from ..store.models import OrderPosition
from . import params, register
from .base import BaseExporter, ExportFile, ProgressCallback

STATUSES = ("n", "p", "e", "c")
STATUS_LABELS = {"n": "pending", "p": "paid", "e": "expired", "c": "canceled"}
TEXT_TYPE = "text/plain"


@register
class MailExporter(BaseExporter):
    identifier = "mailaddrs"
    verbose_name = "Email addresses (text file)"
    description = (
        "The email addresses of the buyers and ticket holders of orders in the chosen states, "
        "one per line and each once: for a mailing to your attendees."
    )
    multi_event = True
    file_stem = "pretixemails"

    def parameter_fields(self) -> dict[str, params.Param]:
        return {
            "status": params.MultipleChoice(
                STATUSES,
                required=True,
                allow_empty=False,
                labels=STATUS_LABELS,
                **params.ui("Filter by status", initial=["n", "p"]),
            ),
        }

    def addresses(self, form: dict, progress: ProgressCallback) -> list[str]:
        """Distinct addresses, read order chunk by order chunk; only the answer is kept."""
        flt = queries.OrderFilter(
            event_ids=[e.id for e in self.scope.events], statuses=list(form["status"])
        )
        total = max(queries.count_orders(self.session, flt), 1)
        found: set[str] = set()
        done = 0
        for chunk in queries.iter_order_chunks(self.session, flt):
            found.update(o.email for o in chunk if o.email)
            found.update(
                self.session.scalars(
                    select(OrderPosition.attendee_email).where(
                        queries.id_in(self.session, OrderPosition.order_id, [o.id for o in chunk]),
                        OrderPosition.canceled.is_(False),
                        OrderPosition.attendee_email.is_not(None),
                        OrderPosition.attendee_email != "",
                    )
                )
            )
            done += len(chunk)
            progress(min(done / total, 1.0))
        return sorted(found)

    def write(self, form: dict, path: Path, progress: ProgressCallback) -> ExportFile:
        text = "\r\n".join(self.addresses(form, progress))
        path.write_bytes(text.encode("utf-8"))
        return ExportFile(self.base_filename() + ".txt", TEXT_TYPE)
