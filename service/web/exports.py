"""One export's page, its download and its cancellation, for the token that started it only."""

import hmac

from flask import abort, g, redirect, render_template, url_for

from .. import files, jobs, records
from ..storage.serving import send_result
from .blueprint import blp
from .presenters import ACTIVE, present
from .session_auth import signed_in


def own_record(file_id: str) -> dict:
    """The export's record if the session's token started it; 404 for anything else."""
    canonical = files.parse_file_id(file_id)
    record = records.load(canonical) if canonical else None
    if record is None or not hmac.compare_digest(
        record.get("token_hash", "").encode(), g.principal.token_hash.encode()
    ):
        abort(404)
    return record


@blp.get("/exports/<file_id>")
@signed_in
def export(file_id: str):
    record = own_record(file_id)
    row = present(record, jobs.state_of_record(record))
    return render_template("export.html", export=row, refresh=row.active)


@blp.get("/exports/<file_id>/download")
@signed_in
def download(file_id: str):
    record = own_record(file_id)
    state = jobs.state_of_record(record)
    if state.status != "finished":
        if state.status == "expired":
            abort(404)
        return redirect(url_for("web.export", file_id=record["file_id"]), code=303)
    response = send_result(record, attachment(record["filename"]))
    if response is None:
        abort(404)  # expired between the check and the read
    if response.status_code != 302:
        response.headers["Cache-Control"] = "private, no-store"
    return response


@blp.post("/exports/<file_id>/cancel")
@signed_in
def cancel(file_id: str):
    record = own_record(file_id)
    if jobs.state_of_record(record).status in ACTIVE:
        jobs.cancel_export(record)
    return redirect(url_for("web.export", file_id=record["file_id"]), code=303)


def attachment(filename: str) -> str:
    """``attachment; filename="..."`` with an ASCII-only name, as the API sends it."""
    safe = "".join(c if c.isascii() and (c.isalnum() or c in "._-") else "_" for c in filename)
    return f'attachment; filename="{safe}"'
