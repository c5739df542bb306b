"""Signed-in sessions, recorded in Redis so that signing out ends them for good.

The session cookie is signed but kept by the browser: clearing it on sign-out does not stop
someone who copied it before. Each sign-in therefore gets a random id whose Redis key holds
the token's hash; a session counts only while its key exists, and signing out deletes it.
"""

import secrets

from flask import current_app

from ..redis_conn import get_redis

KEY_PREFIX = "web-session:"


def _key(session_id: str) -> str:
    return KEY_PREFIX + session_id


def start(token_hash: str) -> str:
    """A new session id for ``token_hash``, valid for the app's session lifetime."""
    session_id = secrets.token_urlsafe(32)
    lifetime = current_app.permanent_session_lifetime
    get_redis().set(_key(session_id), token_hash, ex=int(lifetime.total_seconds()))
    return session_id


def is_live(session_id: str, token_hash: str) -> bool:
    stored = get_redis().get(_key(session_id))
    return stored is not None and stored.decode() == token_hash


def end(session_id: str) -> None:
    get_redis().delete(_key(session_id))
