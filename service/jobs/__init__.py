"""Export jobs, one concern per module:

* ``start``: record an export and put it in its token's line;
* ``line`` and ``admission``: each token's line, and moving exports from it onto the queue;
* ``run``: the RQ job that writes the file in a work horse;
* ``parts``, ``part_writers`` and ``part_claims``: one export spread over the workers as part
  jobs (``EXPORT_PART_JOBS``), meeting in the result storage;
* ``progress``: the percentage and the alive key of a running export;
* ``cancel``: stopping an export, or removing a finished one's file;
* ``state``: what became of an export, as clients are told;
* ``housekeeping``: what workers do beside their jobs (presence, lines, cleanup);
* ``worker``: the worker process itself.

The record (``service.records``) is the source of truth for how an export ended.
"""

from .cancel import cancel_export
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
from .progress import ALIVE_SECONDS
from .queue import fetch_job, get_queue
from .run import run_export
from .start import StartedExport, TooManyExports, start_export
from .state import ExportState, current_state, exports_of_token, state_of_record

__all__ = [
    "ALIVE_SECONDS",
    "CANCELED",
    "DATABASE_UNAVAILABLE",
    "DENIED",
    "DISK_FULL",
    "INTERNAL_ERROR",
    "STORAGE_FAILED",
    "TIMED_OUT",
    "WORKER_LOST",
    "ExportState",
    "StartedExport",
    "TooManyExports",
    "cancel_export",
    "current_state",
    "exports_of_token",
    "fetch_job",
    "get_queue",
    "run_export",
    "start_export",
    "state_of_record",
]
