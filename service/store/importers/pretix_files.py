"""The files behind pretix's file answers: after ``import-pretix`` has written the store,
each answer's file is downloaded from the URL pretix gave for it (with the same token)
and kept on disk (``store.answer_files``), never in the database. A file that cannot be
fetched is named and skipped; the import itself stands."""

import os
import re
import tempfile
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from urllib.parse import unquote, urlparse

from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import answer_files
from ..models import Event, Order, OrderPosition, Organizer, QuestionAnswer
from .pretix_http import USER_AGENT

FILENAME = re.compile(r"filename\*?=(?:UTF-8'')?\"?([^\";]+)\"?", re.IGNORECASE)


@dataclass
class Fetched:
    stored: int = 0
    failed: list[str] = field(default_factory=list)


def _file_name(response, url: str) -> str:
    found = FILENAME.search(response.headers.get("Content-Disposition") or "")
    if found:
        return os.path.basename(unquote(found.group(1)))
    return os.path.basename(urlparse(url).path.rstrip("/")) or "file"


def _download(url: str, token: str, timeout: float, folder) -> None:
    request = urllib.request.Request(
        url, headers={"Authorization": f"Token {token}", "User-Agent": USER_AGENT}
    )
    with urllib.request.urlopen(request, timeout=timeout) as response:
        name = answer_files.safe_name(_file_name(response, url))
        folder.mkdir(parents=True, exist_ok=True)
        handle, partial = tempfile.mkstemp(dir=folder, prefix=".partial-")
        with os.fdopen(handle, "wb") as out:
            while block := response.read(1 << 16):
                out.write(block)
    for old in folder.iterdir():
        if old.is_file() and not old.name.startswith(".partial-"):
            old.unlink()
    os.replace(partial, folder / name)


def _on_base(url: str, base_url: str) -> str | None:
    """The answer's URL on the pretix the import reads (``--url``): the token goes to no
    other host, and a pretix known under another name is still reached. None for a URL
    outside pretix's API."""
    parts = urlparse(url)
    if parts.scheme not in ("http", "https") or "/api/v1/" not in parts.path:
        return None
    tail = parts.path[parts.path.index("/api/v1/") :]
    return base_url.rstrip("/") + tail + (f"?{parts.query}" if parts.query else "")


def fetch_answer_files(
    session: Session,
    organizer_slug: str,
    event_slugs,
    base_url: str,
    token: str,
    timeout: float = 30,
) -> Fetched:
    """Download the file of every file answer of these events; returns what happened."""
    result = Fetched()
    query = (
        select(
            QuestionAnswer.file, QuestionAnswer.position_id, QuestionAnswer.question_id, Event.slug
        )
        .join(OrderPosition, OrderPosition.id == QuestionAnswer.position_id)
        .join(Order, Order.id == OrderPosition.order_id)
        .join(Event, Event.id == Order.event_id)
        .join(Organizer, Organizer.id == Event.organizer_id)
        .where(
            Organizer.slug == organizer_slug,
            Event.slug.in_(list(event_slugs)),
            QuestionAnswer.file.is_not(None),
        )
        .order_by(QuestionAnswer.id)
    )
    for url, position_id, question_id, event_slug in session.execute(query):
        url = _on_base(url, base_url)
        if url is None:
            continue
        folder = answer_files.answer_dir(organizer_slug, event_slug, position_id, question_id)
        try:
            _download(url, token, timeout, folder)
            result.stored += 1
        except (OSError, urllib.error.URLError) as exc:
            result.failed.append(f"{url}: {exc}")
    return result
