"""``/download/<secret>/``: the file of a scheduled export too big to attach to its mail.

No token and no session: the long random secret in the link is the permission, bound to that
one file and valid until the export expires. Anything else is a plain 404.
"""

from flask import abort

from .. import records
from ..schedules import links
from ..storage.serving import send_result
from .blueprint import blp
from .exports import attachment


@blp.get("/download/<secret>/")
def shared_download(secret: str):
    file_id = links.resolve(secret)
    record = records.load(file_id) if file_id else None
    if record is None or record.get("state") != "finished":
        abort(404)
    response = send_result(record, attachment(record["filename"]))
    if response is None:
        abort(404)
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response
