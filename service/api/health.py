"""``GET /healthz``: can this instance reach Redis and the store, and are workers alive?"""

from flask import jsonify
from marshmallow import Schema, fields
from rq import Worker
from sqlalchemy import text

from ..redis_conn import get_redis
from ..store import get_engine
from . import Blueprint

blp = Blueprint("health", __name__, description="Health of this instance and its dependencies.")


class HealthSchema(Schema):
    status = fields.String(required=True, metadata={"enum": ["ok", "unavailable"]})
    redis = fields.String(required=True)
    database = fields.String(required=True)
    workers = fields.Integer(allow_none=True, required=True)


def _check_redis() -> tuple[str, int | None]:
    try:
        redis = get_redis()
        redis.ping()
        return "ok", Worker.count(connection=redis)
    except Exception as exc:  # any failure means "down"; the reason goes in the body
        return f"unavailable: {type(exc).__name__}", None


def _check_database() -> str:
    try:
        with get_engine().connect() as connection:
            connection.execute(text("SELECT 1"))
        return "ok"
    except Exception as exc:
        return f"unavailable: {type(exc).__name__}"


@blp.route("/healthz", methods=["GET"])
@blp.response(200, HealthSchema)
@blp.alt_response(503, schema=HealthSchema, description="Redis or the database is down")
def healthz():
    """Report Redis, the database and the number of live workers"""
    redis_state, workers = _check_redis()
    database_state = _check_database()
    healthy = redis_state == "ok" and database_state == "ok"
    body = {
        "status": "ok" if healthy else "unavailable",
        "redis": redis_state,
        "database": database_state,
        "workers": workers,
    }
    response = jsonify(body)
    response.status_code = 200 if healthy else 503
    if not healthy:
        response.headers["Retry-After"] = "5"
    response.headers["Cache-Control"] = "no-store"
    return response
