"""Error pages for people: the same status codes as the API, as HTML instead of JSON.

The app-wide error handlers (``service.errors``) decide when a page is due.
"""

from flask import render_template
from werkzeug.http import HTTP_STATUS_CODES

MESSAGES = {
    400: "The request could not be understood.",
    403: "You do not have permission to perform this action.",
    404: "This page does not exist, or what it showed has expired.",
    405: "This page cannot be used that way.",
    413: "What you sent is too large.",
    429: "Too many requests. Wait a moment, then try again.",
    500: "Something went wrong on our side. Please try again later.",
    503: "The service is temporarily unavailable. Please try again in a moment.",
}


def error_page(status: int, message: str | None = None, headers: dict | None = None):
    """An HTML error page with ``status``; ``message`` replaces the standard text."""
    body = render_template(
        "error.html",
        status=status,
        title=HTTP_STATUS_CODES.get(status, "Error"),
        message=message or MESSAGES.get(status, "The request failed."),
    )
    response_headers = {"Cache-Control": "no-store", **(headers or {})}
    return body, status, response_headers
