"""``/metrics`` in Prometheus' text format, written by ``prometheus-client``.

The numbers come from Redis (``service.jobs.counters`` and the fleet's state), not from this
process's memory: workers run the exports, any of several web processes may answer the scrape,
and each must report the same totals. So a collector reads them at scrape time.
"""

from flask import Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
)

from ..jobs import counters
from . import fleet


def _counter(name: str, documentation: str, labels: list[str], counts: dict, kind: str):
    family = CounterMetricFamily(name, documentation, labels=labels)
    for key, value in sorted(counts.items()):
        if key[0] == kind:
            family.add_metric(list(key[1:]), value)
    return family


def _histogram(name: str, documentation: str, key: str, buckets: tuple):
    family = HistogramMetricFamily(name, documentation, labels=["exporter"])
    for exporter, data in sorted(counters.read_histogram(key, buckets).items()):
        family.add_metric([exporter], data["buckets"], data["sum"])
    return family


class ExportCollector:
    """Everything ``/metrics`` reports, read afresh at each scrape."""

    def collect(self):
        counts = counters.read_counts()
        yield _counter("exports_started", "Exports started.", ["exporter"], counts, "started")
        yield _counter(
            "exports_finished", "Exports finished with a file.", ["exporter"], counts, "finished"
        )
        yield _counter(
            "exports_failed",
            "Exports that ended without a file, by reason (canceled counts here too).",
            ["exporter", "reason"],
            counts,
            "failed",
        )
        yield _histogram(
            "export_duration_seconds",
            "Seconds from a worker taking an export to its file being written.",
            counters.DURATION_KEY,
            counters.DURATION_BUCKETS,
        )
        yield _histogram(
            "export_size_bytes",
            "Size of finished export files.",
            counters.SIZE_KEY,
            counters.SIZE_BUCKETS,
        )
        states = fleet.counts_by_state(fleet.all_exports())
        active = GaugeMetricFamily(
            "exports_active", "Exports waiting or running now.", labels=["state"]
        )
        for state in ("waiting", "running"):
            active.add_metric([state], states[state])
        yield active
        queue = fleet.queue_state()
        yield GaugeMetricFamily("export_queue_depth", "Jobs on the RQ queue.", value=queue.depth)
        yield GaugeMetricFamily(
            "export_queue_oldest_age_seconds",
            "Seconds the oldest job on the queue has waited (0 when empty).",
            value=queue.oldest_age or 0,
        )
        yield GaugeMetricFamily(
            "export_workers_live", "Workers that said they were alive.", value=fleet.workers()
        )
        age = fleet.cleanup_age()
        yield GaugeMetricFamily(
            "export_cleanup_age_seconds",
            "Seconds since the last cleanup of expired files (NaN: never).",
            value=float("nan") if age is None else age,
        )


def metrics_response() -> Response:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(ExportCollector())
    return Response(generate_latest(registry), content_type=CONTENT_TYPE_LATEST)
