"""Chunked request bodies, read whole before any view sees them.

Behind gunicorn a malformed chunked body (a bad chunk size, a missing terminator) raises the
server's own exceptions from deep inside a view's read, and werkzeug silently cuts a chunked
body at ``MAX_CONTENT_LENGTH``. Reading it here first turns the one into a 400 and the
other into a 413, for the API and the pages alike; views then read an ordinary body.
"""

import io
import logging

from flask import Flask, abort, request

log = logging.getLogger(__name__)

MALFORMED = "The request body is malformed."


def _read_chunked_body() -> None:
    environ = request.environ
    if (
        request.content_length is not None
        or "chunked" not in environ.get("HTTP_TRANSFER_ENCODING", "").lower()
        or request.method in ("GET", "HEAD", "OPTIONS")
    ):
        return
    limit = request.max_content_length
    try:
        # The server's own input stream de-chunks; any failure there is the client's framing
        # (gunicorn raises its parse errors, which are neither OSError nor ValueError).
        body = environ["wsgi.input"].read(limit + 1 if limit is not None else -1)
    except Exception as exc:  # noqa: BLE001
        log.info("Malformed chunked body on %s: %s", request.path, exc)
        abort(400, description=MALFORMED)
    if limit is not None and len(body) > limit:
        abort(413)
    environ["wsgi.input"] = io.BytesIO(body)
    environ["CONTENT_LENGTH"] = str(len(body))
    environ.pop("HTTP_TRANSFER_ENCODING", None)
    environ.pop("wsgi.input_terminated", None)


def init_app(app: Flask) -> None:
    app.before_request(_read_chunked_body)
