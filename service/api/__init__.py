"""The REST API: flask-smorest for routing and the OpenAPI description, with pretix's
error bodies instead of flask-smorest's."""

import logging

import flask_smorest
from flask import Flask, jsonify, request
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException

from ..web.errors import error_page, is_page_request
from .errors import ApiError, http_exception_body, respond

log = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = "5"


class Blueprint(flask_smorest.Blueprint):
    pass


class Api(flask_smorest.Api):
    def handle_http_exception(self, error: HTTPException):
        """JSON for the API, an HTML page for people: the handler is app-wide."""
        if is_page_request():
            custom = error.description != type(error).description
            headers = {k: v for k, v in error.get_headers() if k.lower() != "content-type"}
            return error_page(error.code or 500, error.description if custom else None, headers)
        response = jsonify(http_exception_body(error))
        response.status_code = error.code or 500
        for name, value in error.get_headers():
            if name.lower() != "content-type":
                response.headers[name] = value
        return response


def _unavailable(error: Exception):
    log.warning("Dependency unavailable while serving %s: %s", request.path, error)
    if is_page_request():
        return error_page(503, headers={"Retry-After": RETRY_AFTER_SECONDS})
    return respond(
        ApiError(
            503,
            {"detail": "Service temporarily unavailable, try again later."},
            {"Retry-After": RETRY_AFTER_SECONDS},
        )
    )


def _internal_error(error: Exception):
    log.exception("Unhandled error while serving %s", request.path)
    if is_page_request():
        return error_page(500)
    return respond(ApiError(500, {"detail": "Internal error"}))


def init_app(app: Flask) -> None:
    from .docs import blp as docs_blp
    from .exporters import blp as exporters_blp
    from .exports import blp as exports_blp
    from .health import blp as health_blp

    api = Api(app, spec_kwargs={"servers": [{"url": "/"}]})
    api.register_blueprint(exporters_blp)
    api.register_blueprint(exports_blp)
    api.register_blueprint(health_blp)
    app.register_blueprint(docs_blp)
    app.register_error_handler(ApiError, respond)
    for error in (RedisConnectionError, RedisTimeoutError, OperationalError):
        app.register_error_handler(error, _unavailable)
    app.register_error_handler(Exception, _internal_error)
    app.extensions["api"] = api
