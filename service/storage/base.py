"""What every result storage offers, so that jobs, downloads and cleanup need not know which
one holds the files.

Workers always write a result on their own disk first (the scratch directory), in one or
several pieces, then ``publish`` it: the storage takes the pieces in order as one file. A
result is named by its file id only; nothing a client sent ever becomes part of a name.

A result whose parts are written on different hosts is put together in the storage itself:
each host stages its part (``stage_part``), then one of them publishes the result as the
staged parts and any literal bytes one after the other (``publish_composed``), so that the
parts' bytes never pass through one machine.
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


@dataclass(frozen=True)
class StagedPart:
    """A part of a result waiting in the storage to be composed: where it is (an object key
    or a path) and how many bytes it holds."""

    key: str
    size: int


class Storage(Protocol):
    scratch: Path  # this host's directory for unfinished files

    def publish(self, file_id: str, pieces: list[Path]) -> int:
        """Store ``pieces`` joined in order as the result ``file_id``; returns its size.
        The pieces are gone afterwards (moved, or uploaded and removed)."""

    def stage_part(self, file_id: str, number: int, path: Path) -> StagedPart:
        """Put the local file ``path`` in the storage as part ``number`` of ``file_id``, for
        ``publish_composed`` on any host; removing ``path`` is the caller's job (the local
        storage moves it)."""

    def publish_composed(self, file_id: str, segments: list[bytes | StagedPart]) -> int:
        """Store the result ``file_id`` as the segments one after the other (literal bytes
        or a staged part's whole content); returns its size. StorageError if a staged part
        is missing or the storage fails; no result is left then."""

    def delete_staged(self, file_id: str) -> None:
        """Remove every staged part of ``file_id`` (once composed, or given up)."""

    def stat(self, file_id: str) -> StoredFile | None: ...

    def open(self, file_id: str) -> BinaryIO:
        """A seekable reader of the result; FileNotFoundError when there is none."""

    def delete(self, file_id: str) -> None: ...

    def remove_expired(
        self, max_age_seconds: float, is_running: Callable[[str], bool], grace: float, now: float
    ) -> int:
        """Delete results and staged parts older than ``max_age_seconds`` and what
        unfinished uploads of exports no longer running left behind; returns how many
        results went."""

    def download_url(self, file_id: str, disposition: str, content_type: str) -> str | None:
        """A short-lived URL that downloads the result without the service, if any."""
