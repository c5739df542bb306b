"""The state of all exports, queues and workers, read from Redis for the operator page and
``/metrics``. Metadata only: never a file, a download link or a token (records hold a token's
hash; it is not read here)."""

import shutil
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime

from flask import current_app

from .. import records
from ..jobs import get_queue
from ..jobs.housekeeping import CLEANUP_STATS_KEY, SCHEDULES_ROUND_KEY, live_workers
from ..redis_conn import get_redis
from ..web.presenters import format_duration

FIELDS = ("exporter", "organizer", "event", "state", "message", "created", "started", "finished")
STATES = ("waiting", "running", "finished", "failed", "canceled")


@dataclass(frozen=True)
class ExportSummary:
    exporter: str
    organizer: str
    event: str
    state: str
    message: str
    created: datetime | None
    started: datetime | None
    finished: datetime | None

    @property
    def running_for(self) -> str:
        if self.started is None:
            return ""
        return format_duration((datetime.now(UTC) - self.started).total_seconds())


def _time(text: str) -> datetime | None:
    try:
        return datetime.fromisoformat(text) if text else None
    except ValueError:
        return None


def all_exports() -> list[ExportSummary]:
    """Every live export record, by a ``SCAN`` (records expire with their files)."""
    redis = get_redis()
    keys = list(redis.scan_iter(match=records.RECORD_KEY.format(file_id="*"), count=500))
    pipe = redis.pipeline(transaction=False)
    for key in keys:
        pipe.hmget(key, FIELDS)
    summaries = []
    for values in pipe.execute():
        texts = dict(zip(FIELDS, [(v or b"").decode() for v in values], strict=True))
        if not texts["state"]:
            continue  # expired between the scan and the read
        summaries.append(
            ExportSummary(
                exporter=texts["exporter"],
                organizer=texts["organizer"],
                event=texts["event"],
                state=texts["state"],
                message=texts["message"],
                created=_time(texts["created"]),
                started=_time(texts["started"]),
                finished=_time(texts["finished"]),
            )
        )
    return summaries


def counts_by_state(exports: list[ExportSummary]) -> dict[str, int]:
    counted = Counter(e.state for e in exports)
    return {state: counted.get(state, 0) for state in STATES}


def longest_running(exports: list[ExportSummary], limit: int = 10) -> list[ExportSummary]:
    running = [e for e in exports if e.state == "running" and e.started]
    return sorted(running, key=lambda e: e.started)[:limit]


def recent_failures(exports: list[ExportSummary], limit: int = 10) -> list[ExportSummary]:
    failed = [e for e in exports if e.state == "failed" and e.finished]
    return sorted(failed, key=lambda e: e.finished, reverse=True)[:limit]


@dataclass(frozen=True)
class QueueState:
    depth: int
    oldest_age: float | None  # seconds the oldest job has waited on the queue


def queue_state() -> QueueState:
    queue = get_queue()
    oldest = None
    for job_id in queue.get_job_ids(0, 1):
        job = queue.fetch_job(job_id)
        if job is not None and job.enqueued_at is not None:
            enqueued = job.enqueued_at.replace(tzinfo=job.enqueued_at.tzinfo or UTC)
            oldest = max(0.0, (datetime.now(UTC) - enqueued).total_seconds())
    return QueueState(depth=queue.count, oldest_age=oldest)


def _age_of(text: str | None) -> float | None:
    moment = _time(text or "")
    return None if moment is None else max(0.0, time.time() - moment.timestamp())


def cleanup_age() -> float | None:
    """Seconds since a worker last deleted expired files, or None if none ever did."""
    last = get_redis().hget(CLEANUP_STATS_KEY, "last_run")
    return _age_of(last.decode() if last else None)


def schedules_age() -> float | None:
    """Seconds since a worker last looked for due scheduled exports."""
    last = get_redis().get(SCHEDULES_ROUND_KEY)
    return _age_of(last.decode() if last else None)


def on_time(age: float | None, interval: int) -> bool:
    """Ran within two intervals (and a few seconds for the housekeeping round)."""
    return age is not None and age <= 2 * max(1, interval) + 10


@dataclass(frozen=True)
class Disk:
    free: int | None
    total: int | None


def export_disk() -> Disk:
    try:
        usage = shutil.disk_usage(current_app.config["EXPORT_DIR"])
    except OSError:
        return Disk(None, None)
    return Disk(usage.free, usage.total)


def workers() -> int:
    return live_workers()
