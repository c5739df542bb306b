"""The REST API: flask-smorest for routing and the OpenAPI description. Its error bodies are
pretix's (``errors``), answered by the app-wide handlers in ``service.errors``."""

import flask_smorest
from flask import Flask


class Blueprint(flask_smorest.Blueprint):
    pass


class Api(flask_smorest.Api):
    # Every operation lists the statuses it answers; flask-smorest's catch-all "default"
    # response would only add a meaningless entry to each.
    DEFAULT_ERROR_RESPONSE_NAME = None


TOKEN_SCHEME = {
    "type": "apiKey",
    "in": "header",
    "name": "Authorization",
    "description": "A team's API token, written `Token <token>` (as pretix clients send it).",
}
DESCRIPTION = (
    'pretix\'s "Data exporters" API: list the exporters a token may use, start an export '
    "(`run`), poll its download URL (`409` with a percentage while it runs) and download the "
    "file. Authorize with `Token <token>` to try operations from this page."
)


def init_app(app: Flask) -> None:
    from .docs import blp as docs_blp
    from .exporters import blp as exporters_blp
    from .exports import blp as exports_blp
    from .health import blp as health_blp
    from .scheduled_exports import blp as scheduled_exports_blp

    api = Api(
        app,
        spec_kwargs={
            "servers": [{"url": "/"}],
            "info": {"description": DESCRIPTION},
            "security": [{"Token": []}],
        },
    )
    api.spec.components.security_scheme("Token", TOKEN_SCHEME)
    api.register_blueprint(exporters_blp)
    api.register_blueprint(exports_blp)
    api.register_blueprint(health_blp)
    api.register_blueprint(scheduled_exports_blp)
    app.register_blueprint(docs_blp)
    app.extensions["api"] = api
