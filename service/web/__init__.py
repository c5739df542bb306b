"""Pages for people: sign in with an API token, start exports, watch them, download them.

They call the same catalogue and job functions as the API and show the same job states.
Templates live in ``service/templates``, the stylesheet in ``service/static``.
"""

from flask import Flask

from . import (  # noqa: F401  (add routes)
    account,
    csrf,
    dashboard,
    export_actions,
    exporter_forms,
    exports,
    schedule_links,
    schedules,
)
from .blueprint import blp
from .presenters import format_time
from .session_cookie import SessionInterface

SECURITY_HEADERS = {
    # Everything the pages use comes from this site; nothing may frame them.
    "Content-Security-Policy": "default-src 'self'; frame-ancestors 'none'; form-action 'self'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


@blp.before_request
def _protect_forms():
    csrf.protect()


@blp.after_request
def _add_security_headers(response):
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    return response


@blp.app_context_processor
def _template_helpers():
    return {"csrf_token": csrf.token, "format_time": format_time}


def init_app(app: Flask) -> None:
    app.session_interface = SessionInterface()
    app.register_blueprint(blp)
