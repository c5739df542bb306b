"""Results in a local directory (``EXPORT_DIR``): what one machine, or hosts sharing a disk,
need. Unfinished files live in the same directory, so publishing is a rename."""

import errno
import os
import shutil
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

from .base import StoredFile


def is_file_id(name: str) -> bool:
    try:
        value = uuid.UUID(name)
    except ValueError:
        return False
    return value.version == 4 and str(value) == name


class LocalStorage:
    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.scratch = self.root

    def path(self, file_id: str) -> Path:
        return self.root / file_id

    def publish(self, file_id: str, pieces: list[Path]) -> int:
        first = pieces[0]
        if len(pieces) > 1:
            with open(first, "ab") as joined:
                for piece in pieces[1:]:
                    append(piece, joined)
                    piece.unlink()
        size = os.path.getsize(first)
        os.replace(first, self.path(file_id))
        return size

    def stat(self, file_id: str) -> StoredFile | None:
        try:
            info = os.stat(self.path(file_id))
        except FileNotFoundError:
            return None
        return StoredFile(size=info.st_size, modified=info.st_mtime, etag=None)

    def open(self, file_id: str) -> BinaryIO:
        return open(self.path(file_id), "rb")

    def delete(self, file_id: str) -> None:
        self.path(file_id).unlink(missing_ok=True)

    def remove_expired(
        self, max_age_seconds: float, is_running: Callable[[str], bool], grace: float, now: float
    ) -> int:
        removed = 0
        try:
            entries = os.scandir(self.root)
        except FileNotFoundError:
            return 0  # no export has been written here yet
        with entries:
            for entry in entries:
                if is_file_id(entry.name) and entry.is_file():
                    if now - entry.stat().st_mtime > max_age_seconds:
                        Path(entry.path).unlink(missing_ok=True)
                        removed += 1
        return removed

    def download_url(self, file_id: str, disposition: str, content_type: str) -> str | None:
        return None


def append(source: Path, target) -> None:
    """``source``'s bytes added to the open file ``target``, copied inside the kernel where
    it can (``sendfile``), through a buffer where it cannot."""
    with open(source, "rb") as part:
        size = os.fstat(part.fileno()).st_size
        offset = 0
        try:
            while offset < size:
                sent = os.sendfile(target.fileno(), part.fileno(), offset, size - offset)
                if sent == 0:
                    break
                offset += sent
        except OSError as exc:
            if exc.errno not in (errno.EINVAL, errno.ENOSYS, errno.ENOTSOCK, errno.EOPNOTSUPP):
                raise
        part.seek(offset)
        shutil.copyfileobj(part, target, 1 << 20)
