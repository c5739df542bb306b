"""Who is asking, and what they may see: token → team → organizer, events, permissions.

The one place that answers permission questions. An organizer or event that does not exist
and one the token may not see are rejected the same way, with the same queries, so a client
cannot tell them apart.
"""

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from .store.models import PERMISSIONS, Event, Organizer, Team, TeamAPIToken, team_events

SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9.-]*$", re.IGNORECASE)
TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{16,128}$")


class AuthenticationFailed(Exception):
    """401: the request carries no usable token."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class PermissionDenied(Exception):
    """403: unknown organizer or event, or one the token may not see."""


NO_CREDENTIALS = "Authentication credentials were not provided."
INVALID_TOKEN = "Invalid token."


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> str:
    return secrets.token_urlsafe(32)


@dataclass(frozen=True)
class Principal:
    """An authenticated team token, detached from the session that loaded it."""

    token_hash: str
    team_id: int
    organizer_id: int
    organizer_slug: str
    all_events: bool
    event_ids: frozenset[int]
    permissions: frozenset[str] = field(default_factory=frozenset)

    def has_permission(self, permission: str | None) -> bool:
        return permission is None or permission in self.permissions

    def can_see_event(self, event_id: int) -> bool:
        return self.all_events or event_id in self.event_ids

    def owns_organizer(self, slug: str) -> bool:
        return hmac.compare_digest(slug.lower().encode(), self.organizer_slug.lower().encode())


def parse_authorization(header: str | None) -> str:
    """The token from ``Authorization: Token <token>``, or AuthenticationFailed."""
    if not header:
        raise AuthenticationFailed(NO_CREDENTIALS)
    parts = header.split()
    if len(parts) != 2 or parts[0].lower() != "token" or not TOKEN_RE.match(parts[1]):
        raise AuthenticationFailed(INVALID_TOKEN)
    return parts[1]


def principal_for_token_hash(session: Session, token_hash: str) -> Principal | None:
    """Load the active token with this hash and its team's rights, or None."""
    row = session.execute(
        select(TeamAPIToken, Team, Organizer)
        .join(Team, TeamAPIToken.team_id == Team.id)
        .join(Organizer, Team.organizer_id == Organizer.id)
        .where(TeamAPIToken.token_hash == token_hash)
    ).first()
    if row is None:
        return None
    token, team, organizer = row
    if not token.active or not hmac.compare_digest(token.token_hash, token_hash):
        return None
    event_ids = frozenset(
        session.scalars(select(team_events.c.event_id).where(team_events.c.team_id == team.id))
    )
    return Principal(
        token_hash=token_hash,
        team_id=team.id,
        organizer_id=organizer.id,
        organizer_slug=organizer.slug,
        all_events=team.all_events,
        event_ids=event_ids,
        permissions=frozenset(p for p in PERMISSIONS if getattr(team, p)),
    )


def authenticate(session: Session, header: str | None) -> Principal:
    token = parse_authorization(header)
    principal = principal_for_token_hash(session, hash_token(token))
    if principal is None:
        raise AuthenticationFailed(INVALID_TOKEN)
    return principal


def resolve_organizer(principal: Principal, organizer_slug: str) -> None:
    """A token only ever sees its own organizer; no query, so nothing to time."""
    if not SLUG_RE.match(organizer_slug) or not principal.owns_organizer(organizer_slug):
        raise PermissionDenied()


def resolve_event(session: Session, principal: Principal, organizer_slug: str, event_slug: str):
    """The event, if it exists under the token's organizer and the team may see it."""
    resolve_organizer(principal, organizer_slug)
    if not SLUG_RE.match(event_slug):
        raise PermissionDenied()
    event = session.scalars(
        select(Event).where(
            Event.organizer_id == principal.organizer_id, Event.slug == event_slug.lower()
        )
    ).first()
    if event is None or not principal.can_see_event(event.id):
        raise PermissionDenied()
    return event


def visible_events(session: Session, principal: Principal) -> list[Event]:
    """Every event of the organizer the team may see, by slug."""
    query = select(Event).where(Event.organizer_id == principal.organizer_id).order_by(Event.slug)
    return [e for e in session.scalars(query) if principal.can_see_event(e.id)]


def create_team_token(
    session: Session,
    organizer: Organizer,
    name: str,
    events: list[Event] | None = None,
    permissions: list[str] | None = None,
) -> str:
    """A new team with one token; returns the token, which is shown once and stored hashed."""
    granted = set(PERMISSIONS if permissions is None else permissions)
    team = Team(
        organizer_id=organizer.id,
        name=name,
        all_events=not events,
        limit_events=list(events or []),
        **{p: p in granted for p in PERMISSIONS},
    )
    session.add(team)
    session.flush()
    token = new_token()
    session.add(TeamAPIToken(team_id=team.id, name=name, token_hash=hash_token(token)))
    session.flush()
    return token
