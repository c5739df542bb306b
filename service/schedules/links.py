"""Download links for files too big to attach: a long random secret, bound to one file, that
works without an API token until the export expires. Only the secret's hash is stored."""

import hashlib
import secrets

from ..records import RECORD_KEY, ttl_seconds
from ..redis_conn import get_redis

LINK_KEY = "schedule-link:{digest}"


def _key(secret: str) -> str:
    return LINK_KEY.format(digest=hashlib.sha256(secret.encode()).hexdigest())


def create(file_id: str) -> str:
    """A new secret for the file; it expires with the export's record."""
    redis = get_redis()
    remaining = redis.ttl(RECORD_KEY.format(file_id=file_id))
    secret = secrets.token_urlsafe(32)
    redis.set(_key(secret), file_id, ex=remaining if remaining > 0 else ttl_seconds())
    return secret


def resolve(secret: str) -> str | None:
    """The file id of a secret, or None for one that is unknown, malformed or expired."""
    if not (20 <= len(secret) <= 100) or not secret.replace("-", "").replace("_", "").isalnum():
        return None
    value = get_redis().get(_key(secret))
    return value.decode() if value else None
