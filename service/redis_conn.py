"""The Redis connection of the web app: short timeouts, so a dead Redis means a quick 503."""

from flask import Flask, current_app
from redis import Redis


def init_app(app: Flask) -> None:
    app.extensions["redis"] = Redis.from_url(
        app.config["REDIS_URL"], socket_timeout=3, socket_connect_timeout=3
    )


def get_redis() -> Redis:
    return current_app.extensions["redis"]
