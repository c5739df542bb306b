"""Counters of exports for ``/metrics``, kept in Redis.

Workers run the exports and the web processes serve ``/metrics``, and there are several of
each: counters held in one process's memory would show only that process's share. So every
start and end adds to Redis hashes (one ``HINCRBY`` each, in a pipeline), and ``/metrics``
reads them back. They live as long as Redis keeps its data, like the export records.
"""

import bisect
import logging

from ..redis_conn import get_redis
from .messages import (
    CANCELED,
    DATABASE_UNAVAILABLE,
    DENIED,
    DISK_FULL,
    INTERNAL_ERROR,
    STORAGE_FAILED,
    TIMED_OUT,
    WORKER_LOST,
)

COUNTS_KEY = "metrics:exports"  # field "<event>|<exporter>[|<reason>]" → count
DURATION_KEY = "metrics:export-duration"  # field "<exporter>|<bucket>|sum|count"
SIZE_KEY = "metrics:export-size"
DURATION_BUCKETS = (0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600)
SIZE_BUCKETS = (1_000, 10_000, 100_000, 1_000_000, 10_000_000, 100_000_000, 1_000_000_000)
REASONS = {
    TIMED_OUT: "timeout",
    CANCELED: "canceled",
    WORKER_LOST: "worker_lost",
    DISK_FULL: "disk_full",
    STORAGE_FAILED: "storage",
    DATABASE_UNAVAILABLE: "database",
    DENIED: "denied",
    INTERNAL_ERROR: "internal",
}

log = logging.getLogger(__name__)


def reason_of(message: str | None) -> str:
    """A short, bounded label for a failure: an exporter's own message is "exporter"."""
    return REASONS.get(message or INTERNAL_ERROR, "exporter")


def _observe(pipe, key: str, buckets: tuple, exporter: str, value: float) -> None:
    index = bisect.bisect_left(buckets, value)
    bucket = str(buckets[index]) if index < len(buckets) else "+Inf"
    pipe.hincrby(key, f"{exporter}|{bucket}", 1)
    pipe.hincrbyfloat(key, f"{exporter}|sum", value)
    pipe.hincrby(key, f"{exporter}|count", 1)


def _safely(write) -> None:
    """Metrics never fail an export: a lost increment is logged and forgotten."""
    try:
        pipe = get_redis().pipeline(transaction=False)
        write(pipe)
        pipe.execute()
    except Exception as exc:
        log.warning("Could not count an export: %s", exc)


def count_started(exporter: str) -> None:
    _safely(lambda pipe: pipe.hincrby(COUNTS_KEY, f"started|{exporter}", 1))


def count_finished(exporter: str, seconds: float | None, size: int) -> None:
    def write(pipe):
        pipe.hincrby(COUNTS_KEY, f"finished|{exporter}", 1)
        if seconds is not None:
            _observe(pipe, DURATION_KEY, DURATION_BUCKETS, exporter, seconds)
        _observe(pipe, SIZE_KEY, SIZE_BUCKETS, exporter, size)

    _safely(write)


def count_failed(exporter: str, message: str | None) -> None:
    reason = reason_of(message)
    _safely(lambda pipe: pipe.hincrby(COUNTS_KEY, f"failed|{exporter}|{reason}", 1))


def read_counts() -> dict[tuple[str, ...], int]:
    """``{("started", exporter): n, ("failed", exporter, reason): n, ...}``"""
    raw = get_redis().hgetall(COUNTS_KEY)
    return {tuple(k.decode().split("|")): int(v) for k, v in raw.items()}


def read_histogram(key: str, buckets: tuple) -> dict[str, dict]:
    """Per exporter: cumulative ``buckets`` as (bound, count) pairs, ``sum`` and ``count``."""
    raw = {k.decode(): v.decode() for k, v in get_redis().hgetall(key).items()}
    by_exporter: dict[str, dict[str, str]] = {}
    for field_name, value in raw.items():
        exporter, _, part = field_name.rpartition("|")
        by_exporter.setdefault(exporter, {})[part] = value
    result = {}
    for exporter, parts in by_exporter.items():
        running, cumulative = 0, []
        for bound in [str(b) for b in buckets] + ["+Inf"]:
            running += int(parts.get(bound, 0))
            cumulative.append((bound, running))
        result[exporter] = {
            "buckets": cumulative,
            "sum": float(parts.get("sum", 0)),
            "count": int(parts.get("count", 0)),
        }
    return result
