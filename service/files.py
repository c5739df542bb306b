"""Where export results live on disk, how they are named, and how they expire.

A result's path comes from its file id (a UUID the service made), never from anything a
client sent. Files are written under a temporary name and renamed when complete, so a
reader never sees half a file and a failed job leaves nothing behind.
"""

import os
import time
import uuid
from collections.abc import Callable
from pathlib import Path

from flask import current_app

PARTIAL_SUFFIX = ".partial"


def export_dir() -> Path:
    path = Path(current_app.config["EXPORT_DIR"])
    path.mkdir(parents=True, exist_ok=True)
    return path


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
    return export_dir() / file_id


def partial_path(file_id: str) -> Path:
    return export_dir() / f".{file_id}{PARTIAL_SUFFIX}"


def discard(path: Path) -> None:
    try:
        path.unlink()
    except FileNotFoundError:
        pass


def discard_unfinished(file_id: str) -> None:
    """The partial file of an export and the parts its writer processes left, if any."""
    for path in export_dir().glob(f".{file_id}*{PARTIAL_SUFFIX}"):
        discard(path)


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
    """Delete results older than ``max_age_seconds``, and partial files of exports no
    longer running (failed, canceled, or whose worker died) once they are
    ``partial_grace_seconds`` old."""
    now = time.time() if now is None else now
    removed = 0
    for entry in os.scandir(export_dir()):
        if not entry.is_file():
            continue
        age = now - entry.stat().st_mtime
        if parse_file_id(entry.name) is not None:
            expired = age > max_age_seconds
        else:
            partial_of = file_id_of_partial(entry.name)
            expired = (
                partial_of is not None
                and age > partial_grace_seconds
                and not is_running(partial_of)
            )
        if expired:
            discard(Path(entry.path))
            removed += 1
    return removed
