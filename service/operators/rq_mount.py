"""rq-dashboard (the PyPI package, a Flask blueprint) under ``/operator/rq/``: queues, workers,
their jobs and failed jobs, with requeue and delete. It has no sign-in of its own, so every
request to it passes ``require_operator`` first."""

import rq_dashboard
from flask import Flask, request
from rq_dashboard.web import setup_rq_connection

from .access import require_operator

PREFIX = "/operator/rq"


def mount(app: Flask) -> None:
    app.config.setdefault("RQ_DASHBOARD_REDIS_URL", app.config["REDIS_URL"])
    app.config.setdefault("RQ_DASHBOARD_POLL_INTERVAL", 2500)
    app.register_blueprint(rq_dashboard.blueprint, url_prefix=PREFIX)
    app.before_request(_guard)
    setup_rq_connection(app)


def _guard():
    """Before the dashboard's own hooks (app-wide hooks run first)."""
    if request.blueprint == rq_dashboard.blueprint.name:
        require_operator()
