"""Operator tokens: they open the operator pages and ``/metrics``, never an organizer's data.

Kept apart from team tokens so that no team, whatever its permissions, can reach pages that
show every organizer's exports. Like team tokens, only the SHA-256 of a token is stored.
"""

from datetime import UTC, datetime

from sqlalchemy import DateTime, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from ..auth import TOKEN_RE, hash_token, new_token
from ..store.models import Base


class OperatorToken(Base):
    __tablename__ = "operator_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(190))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    active: Mapped[bool] = mapped_column(default=True)
    created: Mapped[datetime] = mapped_column(DateTime(timezone=True))


def create_operator_token(session: Session, name: str) -> str:
    """A new operator token; returned once, stored only as its hash."""
    token = new_token()
    session.add(OperatorToken(name=name, token_hash=hash_token(token), created=datetime.now(UTC)))
    session.flush()
    return token


def operator_for_hash(session: Session, token_hash: str) -> str | None:
    """The name of the active operator token with this hash, or None."""
    row = session.scalars(
        select(OperatorToken).where(
            OperatorToken.token_hash == token_hash, OperatorToken.active.is_(True)
        )
    ).first()
    return row.name if row is not None else None


def operator_for_token(session: Session, token: str) -> tuple[str, str] | None:
    """(name, hash) of a well-formed, active operator token, or None."""
    token = token.strip()
    if not TOKEN_RE.match(token):
        return None
    token_hash = hash_token(token)
    name = operator_for_hash(session, token_hash)
    return (name, token_hash) if name is not None else None
