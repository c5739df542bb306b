"""The operator side, apart from organizers' pages: ``/operator/`` (exports across organizers,
metadata only), rq-dashboard under ``/operator/rq/``, ``/metrics`` for Prometheus, and the
operator tokens that open them (``create-operator-token``)."""

from flask import Flask

from . import tokens  # noqa: F401  (its table is made by create_all too)
from .cli import create_operator_token_command
from .pages import blp
from .rq_mount import mount


def init_app(app: Flask) -> None:
    app.register_blueprint(blp)
    mount(app)
    app.cli.add_command(create_operator_token_command)
