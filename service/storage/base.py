"""What every result storage offers, so that jobs, downloads and cleanup need not know which
one holds the files.

Workers always write a result on their own disk first (the scratch directory), in one or
several pieces, then ``publish`` it: the storage takes the pieces in order as one file. A
result is named by its file id only; nothing a client sent ever becomes part of a name.
"""

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Protocol


class StorageError(OSError):
    """The storage could not be reached or refused a request. An OSError, so that a job
    reports it as it reports a local disk that failed."""


@dataclass(frozen=True)
class StoredFile:
    size: int
    modified: float  # seconds since the epoch
    etag: str | None  # None: the web layer makes its own (local files)


class Storage(Protocol):
    scratch: Path  # this host's directory for unfinished files

    def publish(self, file_id: str, pieces: list[Path]) -> int:
        """Store ``pieces`` joined in order as the result ``file_id``; returns its size.
        The pieces are gone afterwards (moved, or uploaded and removed)."""

    def stat(self, file_id: str) -> StoredFile | None: ...

    def open(self, file_id: str) -> BinaryIO:
        """A seekable reader of the result; FileNotFoundError when there is none."""

    def delete(self, file_id: str) -> None: ...

    def remove_expired(
        self, max_age_seconds: float, is_running: Callable[[str], bool], grace: float, now: float
    ) -> int:
        """Delete results older than ``max_age_seconds`` and what unfinished uploads of
        exports no longer running left behind; returns how many results went."""

    def download_url(self, file_id: str, disposition: str, content_type: str) -> str | None:
        """A short-lived URL that downloads the result without the service, if any."""
