"""Moving exports from their token's line onto the queue: when one is started, and
whenever one of the token's exports ends, however it ends."""

import logging

from .. import records
from . import line
from .queue import enqueue_created

log = logging.getLogger(__name__)


def enqueue_admitted(file_ids: list[str]) -> None:
    for file_id in file_ids:
        record = records.load(file_id)
        if record is None or record.get("state") != "waiting":
            # Canceled or expired meanwhile: its place goes to the next one.
            enqueue_admitted(line.leave(record["token_hash"], file_id) if record else [])
            continue
        enqueue_created(record["job_id"])


def end_turn(token_hash: str, file_id: str = "") -> None:
    """The export left the line (or none did, with ``file_id`` empty): admit the next."""
    if file_id:
        records.mark_turn_ended(file_id)
    enqueue_admitted(line.leave(token_hash, file_id))
