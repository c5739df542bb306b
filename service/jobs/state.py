"""What became of an export: the record says how it ended; RQ's job and the export's alive
key say whether it still waits or runs. An export whose worker died is ended here, by
whoever looks first (a poll, a page, or a worker's housekeeping)."""

from dataclasses import dataclass

from rq.job import JobStatus

from .. import files, records
from . import counters
from .admission import end_turn
from .messages import INTERNAL_ERROR, WORKER_LOST
from .progress import is_alive
from .queue import WAITING_STATUSES, fetch_job

ACTIVE_STATES = {"waiting", "running"}


@dataclass(frozen=True)
class ExportState:
    """What a client is told: waiting/running (with percentage), finished, or failed."""

    status: str
    percentage: float | None = None
    message: str | None = None


def _ended(record: dict) -> ExportState | None:
    if record["state"] == "finished":
        return ExportState("finished", percentage=100)
    if record["state"] in ("failed", "canceled"):
        return ExportState("failed", message=record.get("message") or INTERNAL_ERROR)
    return None


def end_lost(record: dict, message: str) -> ExportState:
    """The job died without recording how it ended: say so, clean up after it, and give
    its turn to the token's next export."""
    file_id = record["file_id"]
    if not records.end_once(file_id, "failed", message=message):
        # It ended meanwhile (or its record is gone): that answer stands.
        return _ended(records.load(file_id) or record) or ExportState("failed", message=message)
    files.discard_unfinished(file_id)
    counters.count_failed(record.get("exporter", ""), message)
    end_turn(record["token_hash"], file_id)
    return ExportState("failed", message=message)


def current_state(record: dict) -> ExportState:
    ended = _ended(record)
    if ended is not None:
        return ended
    job = fetch_job(record["job_id"])
    if job is None:
        return end_lost(record, INTERNAL_ERROR)
    status = job.get_status()
    percentage = (job.get_meta() or {}).get("percentage")
    if status in WAITING_STATUSES:
        return ExportState("waiting", percentage=percentage)
    if status == JobStatus.STARTED:
        if record["state"] == "running" and not is_alive(record["file_id"]):
            return end_lost(record, WORKER_LOST)
        return ExportState("running", percentage=percentage)
    if status == JobStatus.FINISHED:
        return _ended(records.load(record["file_id"]) or record) or end_lost(record, INTERNAL_ERROR)
    return end_lost(record, WORKER_LOST)


def state_of_record(record: dict) -> ExportState:
    """Like ``current_state``, but a finished export whose file is gone reads "expired"."""
    state = current_state(record)
    if state.status == "finished" and not files.result_exists(record["file_id"]):
        return ExportState("expired")
    return state


def exports_of_token(token_hash: str) -> list[dict]:
    """The records of the exports a token started and that have not expired, newest first."""
    return records.of_token(token_hash)
