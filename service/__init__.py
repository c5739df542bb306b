"""The application factory: configuration, extensions, blueprints, CLI — nothing else."""

import logging

from flask import Flask

from .config import Config


def create_app(overrides: dict | None = None) -> Flask:
    app = Flask(__name__, instance_relative_config=False)
    app.config.from_object(Config())
    if overrides:
        app.config.update(overrides)
    app.json.sort_keys = False
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")

    from . import api, cli, errors, operators, proxies, redis_conn, request_body, store, web

    proxies.init_app(app)
    store.init_app(app)
    redis_conn.init_app(app)
    request_body.init_app(app)
    api.init_app(app)
    web.init_app(app)
    operators.init_app(app)
    cli.init_app(app)
    errors.init_app(app)  # last: replaces the API extension's JSON-only handler
    return app
