"""Canceling: a waiting export leaves its token's line, a running one stops at its next
progress step, and a finished one loses its file."""

from rq.exceptions import InvalidJobOperation
from rq.job import JobStatus

from .. import files, records
from ..redis_conn import get_redis
from . import counters
from .admission import end_turn
from .messages import CANCELED
from .queue import WAITING_STATUSES, fetch_job
from .state import ACTIVE_STATES, current_state


def cancel_export(record: dict) -> None:
    file_id = record["file_id"]
    state = current_state(record)
    if state.status == "finished":
        files.delete_result(file_id)
        get_redis().delete(records.RECORD_KEY.format(file_id=file_id))
        return
    if state.status not in ACTIVE_STATES:
        return
    if not records.end_once(file_id, "canceled", message=CANCELED):
        return  # it ended meanwhile, and that answer stands
    counters.count_failed(record.get("exporter", ""), CANCELED)
    job = fetch_job(record["job_id"])
    if job is not None:
        status = job.get_status()
        if status == JobStatus.CREATED:
            job.delete()
        elif status in WAITING_STATUSES:
            try:
                job.cancel()
            except InvalidJobOperation:
                pass  # it started meanwhile; the running job sees the record and stops
    # The export no longer counts as running: the token's next one may start. A running
    # job notices the canceled record at its next progress step and removes its parts.
    end_turn(record["token_hash"], file_id)
