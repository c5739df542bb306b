"""The front page: the exports started with the session's token, newest first."""

import re

from flask import abort, g, render_template, request

from .. import jobs
from ..auth import visible_events
from ..store import get_session
from .blueprint import blp
from .presenters import present
from .session_auth import signed_in

PAGE_SIZE = 50


def page_number(count: int) -> int:
    """``?page=``, or 404 for a page that is not a number or past the last one, as the API."""
    text = request.args.get("page", "1")
    if not re.fullmatch(r"[0-9]{1,9}", text) or int(text) < 1:
        abort(404)
    last_page = max(1, -(-count // PAGE_SIZE))
    if int(text) > last_page:
        abort(404)
    return int(text)


@blp.get("/")
@signed_in
def index():
    principal = g.principal
    records = jobs.exports_of_token(principal.token_hash)
    page = page_number(len(records))
    shown = records[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
    rows = [present(record, jobs.state_of_record(record)) for record in shown]
    return render_template(
        "index.html",
        rows=rows,
        count=len(records),
        page=page,
        previous_page=page - 1 if page > 1 else None,
        next_page=page + 1 if page * PAGE_SIZE < len(records) else None,
        events=visible_events(get_session(), principal),
        refresh=any(row.active for row in rows),
    )
