"""Results in a local directory (``EXPORT_DIR``): what one machine, or hosts sharing a disk,
need. Unfinished files live in the same directory, so publishing is a rename, and so do
staged parts (``parts/<file id>/<number>``), so that staging one is a rename too."""

import errno
import os
import shutil
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

from .base import StagedPart, StorageError, StoredFile

STAGED_DIR = "parts"


def is_file_id(name: str) -> bool:
    try:
        value = uuid.UUID(name)
    except ValueError:
        return False
    return value.version == 4 and str(value) == name


def part_name(number: int) -> str:
    """A staged part's name: its number in decimal, so that nothing else passes for one."""
    if number < 0:
        raise ValueError(f"a part number is never negative: {number}")
    return str(number)


def is_part_name(name: str) -> bool:
    return name.isascii() and name.isdigit()


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

    def staged_dir(self, file_id: str) -> Path:
        """``<root>/parts/<file id>``; the id is checked because the whole tree is removed
        by this name."""
        if not is_file_id(file_id):
            raise ValueError(f"not a file id: {file_id!r}")
        return self.root / STAGED_DIR / file_id

    def stage_part(self, file_id: str, number: int, path: Path) -> StagedPart:
        target = self.staged_dir(file_id) / part_name(number)
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(path, target)
        return StagedPart(str(target), os.path.getsize(target))

    def publish_composed(self, file_id: str, segments: list[bytes | StagedPart]) -> int:
        """Written under a partial name beside the result and renamed into place, so that
        no reader sees half a result, and a crash leaves a file the cleanup knows."""
        composing = self.root / f".{file_id}.composed.partial"
        try:
            with open(composing, "wb") as result:
                for segment in segments:
                    _write_segment(segment, result)
            size = os.path.getsize(composing)
            os.replace(composing, self.path(file_id))
        except BaseException:
            composing.unlink(missing_ok=True)
            raise
        return size

    def delete_staged(self, file_id: str) -> None:
        try:
            shutil.rmtree(self.staged_dir(file_id))
        except FileNotFoundError:
            pass

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
        self._remove_expired_staged(max_age_seconds, now)
        return removed

    def _remove_expired_staged(self, max_age_seconds: float, now: float) -> None:
        """Parts never composed. A file id's directory goes as a whole once nothing was
        staged in it for ``max_age_seconds``: staging renames a part in, which touches it."""
        try:
            entries = os.scandir(self.root / STAGED_DIR)
        except FileNotFoundError:
            return
        with entries:
            for entry in entries:
                if not (is_file_id(entry.name) and entry.is_dir(follow_symlinks=False)):
                    continue
                if now - entry.stat(follow_symlinks=False).st_mtime > max_age_seconds:
                    shutil.rmtree(entry.path, ignore_errors=True)

    def download_url(self, file_id: str, disposition: str, content_type: str) -> str | None:
        return None


def _write_segment(segment: bytes | StagedPart, target) -> None:
    if not isinstance(segment, StagedPart):
        target.write(segment)
        return
    target.flush()  # append writes to the descriptor, past anything still buffered
    try:
        append(Path(segment.key), target)
    except FileNotFoundError as exc:
        raise StorageError(f"The staged part {segment.key} is missing") from exc


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
