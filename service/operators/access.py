"""Who may see the operator side: an operator token, as ``Authorization: Bearer …`` or as a
signed-in page session. Everyone else gets ``404``, so the operator side does not even show
that it exists to teams or to strangers."""

from dataclasses import dataclass
from urllib.parse import urlsplit

from flask import abort, g, request, session

from ..store import get_session
from ..web import csrf, server_sessions
from .tokens import operator_for_hash, operator_for_token

SESSION_KEY = "operator_hash"
SESSION_ID_KEY = "session_id"


@dataclass(frozen=True)
class Operator:
    name: str
    token_hash: str


def sign_in(token: str) -> Operator | None:
    """Start a page session for an operator token, as team tokens get one."""
    found = operator_for_token(get_session(), token)
    if found is None:
        return None
    name, token_hash = found
    session.clear()
    session[SESSION_KEY] = token_hash
    session[SESSION_ID_KEY] = server_sessions.start(token_hash)
    csrf.renew()
    return Operator(name, token_hash)


def _from_bearer() -> Operator | None:
    parts = request.headers.get("Authorization", "").split()
    if len(parts) != 2 or parts[0].lower() != "bearer":
        return None
    found = operator_for_token(get_session(), parts[1])
    return Operator(*found) if found else None


def _from_session() -> Operator | None:
    token_hash, session_id = session.get(SESSION_KEY), session.get(SESSION_ID_KEY)
    if not isinstance(token_hash, str) or not isinstance(session_id, str):
        return None
    if not server_sessions.is_live(session_id, token_hash):
        return None
    name = operator_for_hash(get_session(), token_hash)
    return Operator(name, token_hash) if name is not None else None


def current_operator() -> Operator | None:
    return _from_bearer() or _from_session()


def _same_origin() -> bool:
    """A change (POST, DELETE) must come from a page of this site: the dashboard's own
    buttons carry no CSRF token."""
    origin = request.headers.get("Origin") or request.headers.get("Referer") or ""
    return urlsplit(origin).netloc == request.host


def require_operator() -> Operator:
    """The operator, with ``g.operator`` set; ``404`` for anyone else."""
    operator = current_operator()
    if operator is None:
        abort(404)
    if request.method not in ("GET", "HEAD", "OPTIONS") and not _from_bearer():
        if not _same_origin():
            abort(403)
    g.operator = operator
    return operator
