"""Signing in to the pages with an API token, and who the signed-in person is.

The session cookie (signed, HttpOnly, SameSite=Lax) holds the token's SHA-256 hash, never the
token: it is enough to load the token's rights again on every request, so a revoked token
ends the session at once, and a stolen cookie never reveals a token the API would accept.
It also holds the id of the session's record in Redis (``server_sessions``): signing out
deletes the record, so a copy of the cookie is worth nothing afterwards.
"""

from functools import wraps

from flask import flash, g, redirect, session, url_for

from ..auth import AuthenticationFailed, Principal, authenticate, principal_for_token_hash
from ..store import get_session
from . import csrf, server_sessions

SESSION_KEY = "token_hash"
SESSION_ID_KEY = "session_id"
SESSION_ENDED = "Your session has ended: the token is no longer valid. Sign in with a valid token."


def sign_in(token: str) -> Principal | None:
    """Check the token as the API would; on success start a fresh session for it."""
    try:
        principal = authenticate(get_session(), f"Token {token.strip()}")
    except AuthenticationFailed:
        return None
    # A new session on sign-in, so a session planted before it is worth nothing after.
    session.clear()
    session[SESSION_KEY] = principal.token_hash
    session[SESSION_ID_KEY] = server_sessions.start(principal.token_hash)
    csrf.renew()
    return principal


def sign_out() -> None:
    session_id = session.get(SESSION_ID_KEY)
    if isinstance(session_id, str):
        server_sessions.end(session_id)
    session.clear()


def current_principal() -> Principal | None:
    """The principal of the session's token, or None (and no session) if it is gone."""
    token_hash, session_id = session.get(SESSION_KEY), session.get(SESSION_ID_KEY)
    if not isinstance(token_hash, str):
        return None
    if not isinstance(session_id, str) or not server_sessions.is_live(session_id, token_hash):
        session.clear()  # signed out elsewhere, or a copy of a cookie that was signed out
        return None
    principal = principal_for_token_hash(get_session(), token_hash)
    if principal is None:
        session.clear()
        flash(SESSION_ENDED)
    return principal


def signed_in(view):
    """Run the view with ``g.principal`` set, or send the visitor to the sign-in page."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        principal = current_principal()
        if principal is None:
            return redirect(url_for("web.login"))
        g.principal = principal
        return view(*args, **kwargs)

    return wrapper
