"""``GET /healthz``: can this instance reach Redis and the store, and is any export worker
alive (one that said so within the last few seconds)? Without one, exports cannot run."""

from flask import jsonify
from marshmallow import Schema, fields
from sqlalchemy import text

from ..jobs.housekeeping import live_workers
from ..redis_conn import get_redis
from ..store import get_engine
from . import Blueprint

blp = Blueprint("health", __name__, description="Health of this instance and its dependencies.")


class HealthSchema(Schema):
    status = fields.String(required=True, metadata={"enum": ["ok", "unavailable"]})
    redis = fields.String(required=True)
    database = fields.String(required=True)
    workers = fields.Integer(allow_none=True, required=True)
    unavailable = fields.List(
        fields.String(),
        required=True,
        metadata={"description": "The dependencies that are missing: redis, database, workers"},
    )


def _check_redis() -> tuple[str, int | None]:
    try:
        get_redis().ping()
        return "ok", live_workers()
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
@blp.doc(security=[])
@blp.response(200, HealthSchema)
@blp.alt_response(
    503, schema=HealthSchema, description="Redis or the database is down, or no worker is alive"
)
def healthz():
    """Report Redis, the database and the number of live workers"""
    redis_state, workers = _check_redis()
    database_state = _check_database()
    unavailable = [
        name
        for name, missing in (
            ("redis", redis_state != "ok"),
            ("database", database_state != "ok"),
            ("workers", workers == 0),
        )
        if missing
    ]
    healthy = not unavailable
    body = {
        "status": "ok" if healthy else "unavailable",
        "redis": redis_state,
        "database": database_state,
        "workers": workers,
        "unavailable": unavailable,
    }
    response = jsonify(body)
    response.status_code = 200 if healthy else 503
    if not healthy:
        response.headers["Retry-After"] = "5"
    response.headers["Cache-Control"] = "no-store"
    return response
