"""Cross-site request forgery protection for the pages' forms.

Each session has a random token; every form carries it in a hidden field and every POST to
the pages must send it back. The SameSite=Lax cookie already stops most cross-site posts;
this covers browsers and setups where it does not.
"""

import hmac
import secrets

from flask import abort, request, session

SESSION_KEY = "csrf_token"
FORM_FIELD = "csrf_token"
REFUSED = (
    "The form could not be accepted: it has expired or did not come from this site. "
    "Reload the page and try again."
)


def token() -> str:
    """The session's CSRF token, made on first use."""
    value = session.get(SESSION_KEY)
    if not isinstance(value, str):
        value = renew()
    return value


def renew() -> str:
    session[SESSION_KEY] = secrets.token_urlsafe(32)
    return session[SESSION_KEY]


def protect() -> None:
    """Refuse (400) a state-changing request whose form token is missing or wrong."""
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    expected = session.get(SESSION_KEY)
    sent = request.form.get(FORM_FIELD, "")
    if not isinstance(expected, str) or not hmac.compare_digest(sent.encode(), expected.encode()):
        abort(400, description=REFUSED)
