"""What a running export tells the world: its percentage, and that it is still alive.

While a job runs it renews a short-lived "alive" key, so an export whose worker was killed
is reported as failed within seconds instead of "running" forever.
"""

import logging
import threading

from rq import get_current_job

from .. import records
from ..redis_conn import get_redis

log = logging.getLogger(__name__)

ALIVE_KEY = "export-alive:{file_id}"
ALIVE_SECONDS = 15
HEARTBEAT_SECONDS = 5


class ExportCanceled(Exception):
    """Raised inside a running export when its record says it has ended meanwhile: canceled,
    or given up as lost while its worker did not answer."""


def is_alive(file_id: str) -> bool:
    return bool(get_redis().exists(ALIVE_KEY.format(file_id=file_id)))


class ProgressPublisher:
    """Writes ``percentage`` to the job's meta when it has risen by a whole percent, and
    stops the export if it ended meanwhile (see ``ExportCanceled``).

    Rows map to 0..99; 100 is written only once the file is complete.
    """

    def __init__(self, job, file_id: str) -> None:
        self.job = job
        self.file_id = file_id
        self.published = -1

    def __call__(self, fraction: float) -> None:
        percentage = min(99, int(fraction * 100))
        if percentage > self.published:
            self.publish(percentage)

    def publish(self, percentage: int) -> None:
        record = records.load(self.file_id)
        if record is None or record.get("state") != "running":
            raise ExportCanceled()
        self.published = percentage
        if self.job is not None:
            self.job.meta["percentage"] = percentage
            self.job.save_meta()


class Heartbeat:
    """Renews the export's alive key from a background thread while the job runs."""

    def __init__(self, file_id: str) -> None:
        self.key = ALIVE_KEY.format(file_id=file_id)
        self.redis = get_redis()
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._beat, daemon=True)

    def __enter__(self):
        self.redis.set(self.key, "1", ex=ALIVE_SECONDS)
        self.thread.start()
        return self

    def __exit__(self, *exc_info):
        self.stopped.set()
        self.thread.join(timeout=HEARTBEAT_SECONDS)
        self.redis.delete(self.key)

    def _beat(self) -> None:
        while not self.stopped.wait(HEARTBEAT_SECONDS):
            try:
                self.redis.set(self.key, "1", ex=ALIVE_SECONDS)
            except Exception:  # a Redis hiccup must not kill the export
                log.warning("Could not renew %s", self.key, exc_info=True)


def publisher_for(file_id: str) -> ProgressPublisher:
    return ProgressPublisher(get_current_job(), file_id)
