"""App-wide error handling: JSON bodies for the API, HTML pages for people.

Registered last by ``create_app``, so it replaces flask-smorest's JSON-only handler for HTTP
errors. Redis or the store being unreachable is a 503 with ``Retry-After``, never a 500:
clients and people may simply try again.
"""

import logging

from flask import Flask, jsonify, request
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException

from .api.errors import ApiError, http_exception_body, respond
from .web.errors import error_page

log = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = "5"
UNAVAILABLE = (RedisConnectionError, RedisTimeoutError, OperationalError)


def is_page_request() -> bool:
    """Everything outside ``/api/`` is a page (``/healthz`` answers JSON by itself)."""
    return not request.path.startswith("/api/")


def handle_http_exception(error: HTTPException):
    headers = {k: v for k, v in error.get_headers() if k.lower() != "content-type"}
    if is_page_request():
        custom = error.description != type(error).description
        return error_page(error.code or 500, error.description if custom else None, headers)
    response = jsonify(http_exception_body(error))
    response.status_code = error.code or 500
    response.headers.update(headers)
    return response


def handle_unavailable(error: Exception):
    log.warning("Dependency unavailable while serving %s: %s", request.path, error)
    headers = {"Retry-After": RETRY_AFTER_SECONDS}
    if is_page_request():
        return error_page(503, headers=headers)
    return respond(ApiError(503, headers=headers))


def handle_internal_error(error: Exception):
    log.exception("Unhandled error while serving %s", request.path)
    if is_page_request():
        return error_page(500)
    return respond(ApiError(500))


def init_app(app: Flask) -> None:
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(ApiError, respond)
    for error in UNAVAILABLE:
        app.register_error_handler(error, handle_unavailable)
    app.register_error_handler(Exception, handle_internal_error)
