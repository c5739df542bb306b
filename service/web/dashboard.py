"""The front page: the exports started with the session's token, newest first, filtered by
exporter, event and state."""

import re

from flask import abort, g, render_template, request

from ..auth import visible_events
from ..store import get_session
from .blueprint import blp
from .export_list import exporter_names, rows_for
from .session_auth import signed_in

PAGE_SIZE = 50
STATES = ("waiting", "running", "finished", "failed", "canceled", "expired")


def page_number(count: int) -> int:
    """``?page=``, or 404 for a page that is not a number or past the last one, as the API."""
    text = request.args.get("page", "1")
    if not re.fullmatch(r"[0-9]{1,9}", text) or int(text) < 1:
        abort(404)
    last_page = max(1, -(-count // PAGE_SIZE))
    if int(text) > last_page:
        abort(404)
    return int(text)


def _filter(name: str, allowed) -> str:
    """A filter from the query; one the form never offers is a 400, not an empty list."""
    value = request.args.get(name, "")
    if value and value not in allowed:
        abort(400, f"Unknown {name} {value[:100]!r}.")
    return value


@blp.get("/")
@signed_in
def index():
    principal = g.principal
    events = visible_events(get_session(), principal)
    names = exporter_names()
    chosen = {
        "exporter": _filter("exporter", names),
        "event": _filter("event", {e.slug for e in events}),
        "state": _filter("state", STATES),
    }
    rows = rows_for(principal, **chosen)
    page = page_number(len(rows))
    shown = rows[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
    query = {k: v for k, v in chosen.items() if v}
    return render_template(
        "index.html",
        rows=shown,
        count=len(rows),
        page=page,
        previous_page=page - 1 if page > 1 else None,
        next_page=page + 1 if page * PAGE_SIZE < len(rows) else None,
        events=events,
        exporters=sorted(names.items(), key=lambda pair: pair[1].lower()),
        states=STATES,
        chosen=chosen,
        query=query,
        refresh=any(row.active for row in shown),
    )
