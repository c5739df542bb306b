"""A stored result as a download response, the same for the API, the pages and shared links:
``200`` with the body, ``206`` for a ``Range``, ``304`` for a matching ``If-None-Match``.

Local files go through ``send_file`` as they always have. Objects in S3 are streamed: a
``HEAD`` gives size, ETag and date, werkzeug decides the status, and only the asked-for
bytes are read. With ``EXPORT_DOWNLOAD_REDIRECT`` the answer is instead a ``302`` to a
short-lived presigned URL (off by default: pretix clients expect the file itself).
"""

from flask import Response, current_app, redirect, request, send_file

from . import get_storage
from .local import LocalStorage


def send_result(record: dict, disposition: str) -> Response | None:
    """The response for a finished export's file, or None if the file is gone."""
    storage = get_storage()
    file_id = record["file_id"]
    if isinstance(storage, LocalStorage):
        path = storage.path(file_id)
        try:
            response = send_file(
                path,
                mimetype=record["content_type"],
                as_attachment=True,
                download_name=record["filename"],
                conditional=True,
                etag=True,
                max_age=0,
            )
        except FileNotFoundError:
            return None
        response.headers["Content-Disposition"] = disposition
        return response
    stored = storage.stat(file_id)
    if stored is None:
        return None
    if current_app.config.get("EXPORT_DOWNLOAD_REDIRECT"):
        url = storage.download_url(file_id, disposition, record["content_type"])
        response = redirect(url, code=302)
        response.headers["Cache-Control"] = "no-store"
        return response
    reader = storage.open(file_id)
    response = Response(reader, mimetype=record["content_type"], direct_passthrough=True)
    response.content_length = stored.size
    response.headers["Content-Disposition"] = disposition
    response.set_etag(stored.etag)
    response.last_modified = int(stored.modified)
    response.cache_control.no_cache = True
    response.cache_control.max_age = 0
    response.make_conditional(request.environ, accept_ranges=True, complete_length=stored.size)
    if response.status_code == 304:
        reader.close()
    return response
