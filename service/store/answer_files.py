"""Where the files uploaded as answers to file questions live: on disk next to the export
results, never in the database (``ANSWER_FILES_DIR``, by default ``instance/answer-files``),
one directory per answer: ``<organizer>/<event>/<position id>-<question id>/<file name>``.
``import-pretix`` fills it (``importers.pretix_files``), ``answerfiles`` reads it."""

import os
import re
from pathlib import Path

from ..config import INSTANCE_DIR

UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def root() -> Path:
    return Path(os.environ.get("ANSWER_FILES_DIR") or INSTANCE_DIR / "answer-files")


def safe_name(name: str) -> str:
    """A file name that stays inside its directory."""
    cleaned = UNSAFE.sub("_", name).strip("._")
    return cleaned[:120] or "file"


def answer_dir(organizer: str, event: str, position_id: int, question_id: int) -> Path:
    return root() / safe_name(organizer) / safe_name(event) / f"{position_id}-{question_id}"


def stored_file(organizer: str, event: str, position_id: int, question_id: int) -> Path | None:
    """The file stored for an answer, or None."""
    folder = answer_dir(organizer, event, position_id, question_id)
    if not folder.is_dir():
        return None
    files = sorted(p for p in folder.iterdir() if p.is_file() and not p.name.startswith("."))
    return files[0] if files else None
