"""The REST API: flask-smorest for routing and the OpenAPI description. Its error bodies are
pretix's (``errors``), answered by the app-wide handlers in ``service.errors``."""

import flask_smorest
from flask import Flask


class Blueprint(flask_smorest.Blueprint):
    pass


def init_app(app: Flask) -> None:
    from .docs import blp as docs_blp
    from .exporters import blp as exporters_blp
    from .exports import blp as exports_blp
    from .health import blp as health_blp
    from .scheduled_exports import blp as scheduled_exports_blp

    api = flask_smorest.Api(app, spec_kwargs={"servers": [{"url": "/"}]})
    api.register_blueprint(exporters_blp)
    api.register_blueprint(exports_blp)
    api.register_blueprint(health_blp)
    api.register_blueprint(scheduled_exports_blp)
    app.register_blueprint(docs_blp)
    app.extensions["api"] = api
