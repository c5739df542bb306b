"""Who is asking and over what: the request's token, organizer, event and exporters."""

from dataclasses import dataclass

from flask import request

from .. import exporters
from ..auth import (
    AuthenticationFailed,
    PermissionDenied,
    Principal,
    authenticate,
    resolve_event,
    resolve_organizer,
    visible_events,
)
from ..exporters.base import BaseExporter, ExportScope
from ..store import get_session
from ..store.models import Organizer
from .errors import authentication_failed, not_found, permission_denied


def current_principal() -> Principal:
    try:
        return authenticate(get_session(), request.headers.get("Authorization"))
    except AuthenticationFailed as exc:
        raise authentication_failed(exc.detail) from exc


@dataclass
class ExportContext:
    """The exporters a token may use at one event, or at its organizer."""

    principal: Principal
    scope: ExportScope

    @property
    def is_event_level(self) -> bool:
        return self.scope.event is not None

    def _candidates(self) -> list[type[BaseExporter]]:
        if self.is_event_level:
            return exporters.for_event()
        has_events = bool(self.scope.events)
        return [cls for cls in exporters.for_organizer() if cls.organizer_level or has_events]

    def available(self) -> list[BaseExporter]:
        session = get_session()
        usable = [
            cls(session, self.scope)
            for cls in self._candidates()
            if self.principal.has_permission(cls.required_permission)
        ]
        return sorted(usable, key=lambda e: (e.verbose_name.lower(), e.identifier))

    def exporter(self, identifier: str) -> BaseExporter:
        """The exporter by identifier; unknown and not permitted both answer 404."""
        cls = exporters.REGISTRY.get(identifier)
        if (
            cls is None
            or cls not in self._candidates()
            or not self.principal.has_permission(cls.required_permission)
        ):
            raise not_found()
        return cls(get_session(), self.scope)


def event_context(organizer_slug: str, event_slug: str) -> ExportContext:
    principal = current_principal()
    session = get_session()
    try:
        event = resolve_event(session, principal, organizer_slug, event_slug)
    except PermissionDenied as exc:
        raise permission_denied() from exc
    organizer = session.get(Organizer, principal.organizer_id)
    return ExportContext(principal, ExportScope(organizer=organizer, events=[event], event=event))


def organizer_context(organizer_slug: str) -> ExportContext:
    principal = current_principal()
    try:
        resolve_organizer(principal, organizer_slug)
    except PermissionDenied as exc:
        raise permission_denied() from exc
    session = get_session()
    organizer = session.get(Organizer, principal.organizer_id)
    events = visible_events(session, principal)
    return ExportContext(principal, ExportScope(organizer=organizer, events=events, event=None))
