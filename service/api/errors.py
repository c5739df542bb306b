"""Error bodies as pretix (Django REST framework) writes them: ``{"detail": "..."}`` for
request-level errors, ``{"field": ["message", ...]}`` for invalid parameters."""

from flask import jsonify
from werkzeug.exceptions import HTTPException

DETAILS = {
    400: "Bad request.",
    401: "Authentication credentials were not provided.",
    403: "You do not have permission to perform this action.",
    404: "Not found.",
    409: "Conflict.",
    413: "Request body too large.",
    415: "Unsupported media type.",
    429: "Request was throttled.",
    500: "Internal error",
    503: "Service temporarily unavailable, try again later.",
}


class ApiError(Exception):
    """Raised anywhere in a request to answer with ``body`` and ``status``."""

    def __init__(self, status: int, body: dict | None = None, headers: dict | None = None):
        super().__init__(status)
        self.status = status
        self.body = body if body is not None else {"detail": DETAILS.get(status, "Error.")}
        self.headers = headers or {}


def not_found() -> ApiError:
    return ApiError(404)


def permission_denied() -> ApiError:
    return ApiError(403)


def authentication_failed(detail: str) -> ApiError:
    return ApiError(401, {"detail": detail}, {"WWW-Authenticate": "Token"})


def respond(error: ApiError):
    response = jsonify(error.body)
    response.status_code = error.status
    for name, value in error.headers.items():
        response.headers[name] = value
    return response


def http_exception_body(error: HTTPException) -> dict:
    if error.code == 405:
        from flask import request

        return {"detail": f'Method "{request.method}" not allowed.'}
    return {"detail": DETAILS.get(error.code, error.description or "Error.")}
