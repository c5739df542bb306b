"""Who writes a part of an export: a claim in Redis that lapses unless its writer renews it,
so that a part whose worker was killed, or whose host was lost, can be written again."""

import logging
import os
import socket
import threading

from rq import get_current_job

log = logging.getLogger(__name__)

CLAIM_KEY = "export-part-claim:{file_id}:{number}"
CLAIM_SECONDS = 15
RENEW_SECONDS = 5


def worker_name() -> str:
    """Who writes a part, as the parts' records name it: the RQ worker this runs under (as
    ``rq info`` and the operator pages name it), or ``host:pid`` outside one."""
    job = get_current_job()
    if job is not None and job.worker_name:
        return job.worker_name
    return f"{socket.gethostname()}:{os.getpid()}"


class Claim:
    """Taken with ``take`` (only if nobody holds it), renewed from a thread while the part
    is written (``with claim:``), and left to lapse ``CLAIM_SECONDS`` after that."""

    def __init__(self, redis, file_id: str, number: int) -> None:
        self.redis = redis
        self.key = CLAIM_KEY.format(file_id=file_id, number=number)
        self.me = worker_name()
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._renew, daemon=True)

    def take(self) -> bool:
        return bool(self.redis.set(self.key, self.me, nx=True, ex=CLAIM_SECONDS))

    def __enter__(self) -> "Claim":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stopped.set()
        self.thread.join(timeout=RENEW_SECONDS)

    def _renew(self) -> None:
        while not self.stopped.wait(RENEW_SECONDS):
            try:
                self.redis.set(self.key, self.me, ex=CLAIM_SECONDS)
            except Exception:  # Redis away for a moment: the next renewal may get through
                log.warning("Could not renew the claim %s", self.key, exc_info=True)
