"""Export results: how they are named, where they are written, and how they expire.

A result's name comes from its file id (a UUID the service made), never from anything a
client sent. Workers write it on their own disk first (``scratch_dir``: ``EXPORT_DIR``
itself for local storage) under a temporary name, in one piece or in several (``.pieceN``,
from writers working in parallel), and publish it to the storage (``service.storage``) when
complete, so a reader never sees half a file and a failed job leaves nothing behind.
"""

import logging
import os
import re
import shutil
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from .storage import LocalStorage, get_storage

log = logging.getLogger(__name__)

PARTIAL_SUFFIX = ".partial"
PIECE_RE = re.compile(r"\.piece(\d+)\.partial$")


def scratch_dir() -> Path:
    """This host's directory for unfinished files, made when missing."""
    path = get_storage().scratch
    path.mkdir(parents=True, exist_ok=True)
    return path


export_dir = scratch_dir  # the name jobs used when results lived there only


def parse_file_id(text: str) -> str | None:
    """The canonical form of a UUID4 file id, or None for anything else."""
    try:
        value = uuid.UUID(text)
    except (ValueError, AttributeError, TypeError):
        return None
    if value.version != 4 or str(value) != text.lower():
        return None
    return str(value)


def result_path(file_id: str) -> Path:
    """Where a result lies on local storage (tests and local tools; S3 has no path)."""
    storage = get_storage()
    if not isinstance(storage, LocalStorage):
        raise RuntimeError("results are not on a local disk")
    return storage.path(file_id)


def partial_path(file_id: str) -> Path:
    return scratch_dir() / f".{file_id}{PARTIAL_SUFFIX}"


def piece_path(partial: Path, number: int) -> Path:
    """``.<file id>.piece2.partial``: the second piece of a result written in pieces."""
    stem = Path(partial).name.removesuffix(PARTIAL_SUFFIX)
    return Path(partial).with_name(f"{stem}.piece{number}{PARTIAL_SUFFIX}")


def pieces_of(partial: Path) -> list[Path]:
    """The written result: the partial file, or else its pieces in order."""
    if partial.exists():
        return [partial]
    stem = partial.name.removesuffix(PARTIAL_SUFFIX)
    found = [
        p for p in partial.parent.glob(f"{stem}.piece*{PARTIAL_SUFFIX}") if PIECE_RE.search(p.name)
    ]
    return sorted(found, key=lambda p: int(PIECE_RE.search(p.name).group(1)))


def publish(file_id: str) -> int:
    """Hand the written result to the storage; returns its size."""
    pieces = pieces_of(partial_path(file_id))
    if not pieces:
        raise FileNotFoundError(partial_path(file_id))
    return get_storage().publish(file_id, pieces)


def result_exists(file_id: str) -> bool:
    return get_storage().stat(file_id) is not None


def delete_result(file_id: str) -> None:
    get_storage().delete(file_id)


@contextmanager
def local_copy(file_id: str) -> Iterator[Path]:
    """A path to read the result from: the file itself on local storage, else a copy in the
    scratch directory, removed afterwards."""
    storage = get_storage()
    if isinstance(storage, LocalStorage):
        yield storage.path(file_id)
        return
    with storage.open(file_id) as source:
        with tempfile.NamedTemporaryFile(dir=scratch_dir(), suffix=PARTIAL_SUFFIX) as copy:
            shutil.copyfileobj(source, copy, 1 << 20)
            copy.flush()
            yield Path(copy.name)


def discard(path: Path) -> None:
    try:
        path.unlink()
    except FileNotFoundError:
        pass


def discard_unfinished(file_id: str) -> None:
    """The partial file of an export and the parts its writer processes left, if any. Where
    they cannot be removed now (a read-only directory), the next cleanup removes them."""
    try:
        for path in scratch_dir().glob(f".{file_id}*{PARTIAL_SUFFIX}"):
            discard(path)
    except OSError:
        log.warning("Could not remove the parts of export %s", file_id, exc_info=True)


def file_id_of_partial(name: str) -> str | None:
    """The export a partial file belongs to: ``.{file id}[.part].partial``."""
    if not (name.startswith(".") and name.endswith(PARTIAL_SUFFIX)):
        return None
    return parse_file_id(name[1:37])


def remove_expired(
    max_age_seconds: float,
    is_running: Callable[[str], bool],
    partial_grace_seconds: float = 60,
    now: float | None = None,
) -> int:
    """Delete results older than ``max_age_seconds`` (and what unfinished uploads left), and
    this host's partial files of exports no longer running (failed, canceled, or whose
    worker died) once they are ``partial_grace_seconds`` old."""
    now = time.time() if now is None else now
    removed = get_storage().remove_expired(
        max_age_seconds, is_running, grace=partial_grace_seconds, now=now
    )
    return removed + remove_abandoned_partials(is_running, partial_grace_seconds, now)


def remove_abandoned_partials(
    is_running: Callable[[str], bool], grace_seconds: float, now: float | None = None
) -> int:
    """This host's partial files of exports that no longer run."""
    now = time.time() if now is None else now
    removed = 0
    for entry in os.scandir(scratch_dir()):
        partial_of = file_id_of_partial(entry.name)
        if partial_of is None or not entry.is_file():
            continue
        if now - entry.stat().st_mtime > grace_seconds and not is_running(partial_of):
            discard(Path(entry.path))
            removed += 1
    return removed
