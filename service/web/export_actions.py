"""What the exports list and an export's page offer besides downloading: "Delete file",
"Run again with these settings", and the export as the list shows it (event names, time
zone, parameters in words) for its page."""

from flask import g, redirect, url_for

from .. import jobs
from .again import start_again
from .blueprint import blp
from .export_list import rows_for
from .exports import own_record
from .presenters import ACTIVE
from .session_auth import signed_in


@blp.post("/exports/<file_id>/delete")
@signed_in
def delete(file_id: str):
    """Delete a finished export's file at once (its record goes with it), as the API's
    ``DELETE`` does; an export still waiting or running is canceled instead."""
    record = own_record(file_id)
    if jobs.state_of_record(record).status in (*ACTIVE, "finished"):
        jobs.cancel_export(record)
    return redirect(url_for("web.index"), code=303)


@blp.post("/exports/<file_id>/again")
@signed_in
def again(file_id: str):
    """A new export with the same exporter, level, events and parameters."""
    return start_again(own_record(file_id))


@blp.app_context_processor
def _export_details():
    def described(file_id: str):
        """The export as the list shows it, for its own page."""
        rows = rows_for(g.principal, records=[own_record(file_id)])
        return rows[0] if rows else None

    return {"described": described}
