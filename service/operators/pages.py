"""``/operator/`` and ``/metrics``: for operator tokens only, ``404`` for everyone else."""

from flask import Blueprint, current_app, render_template

from ..jobs.housekeeping import live_workers
from . import fleet
from .access import require_operator
from .metrics import metrics_response

blp = Blueprint("operator", __name__)


@blp.get("/operator/")
def overview():
    operator = require_operator()
    exports = fleet.all_exports()
    config = current_app.config
    cleanup_age, schedules_age = fleet.cleanup_age(), fleet.schedules_age()
    return render_template(
        "operator.html",
        operator=operator,
        counts=fleet.counts_by_state(exports),
        longest=fleet.longest_running(exports),
        failures=fleet.recent_failures(exports),
        queue=fleet.queue_state(),
        workers=live_workers(),
        cleanup_age=cleanup_age,
        cleanup_on_time=fleet.on_time(cleanup_age, config["CLEANUP_INTERVAL_SECONDS"]),
        cleanup_interval=config["CLEANUP_INTERVAL_SECONDS"],
        schedules_age=schedules_age,
        schedules_on_time=fleet.on_time(schedules_age, config["SCHEDULE_POLL_SECONDS"]),
        schedules_interval=config["SCHEDULE_POLL_SECONDS"],
        disk=fleet.export_disk(),
    )


@blp.get("/metrics")
def metrics():
    require_operator()
    return metrics_response()


@blp.after_request
def _headers(response):
    response.headers.setdefault("Cache-Control", "no-store")
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault(
        "Content-Security-Policy", "default-src 'self'; frame-ancestors 'none'"
    )
    return response
