"""Which exporters a token may use, at one event or at its organizer.

Shared by the API and the pages, so both offer exactly the same exporters.
"""

from dataclasses import dataclass

from sqlalchemy.orm import Session

from . import exporters
from .auth import Principal, resolve_event, resolve_organizer, visible_events
from .exporters.base import BaseExporter, ExportScope
from .store.models import Organizer


class ExporterNotFound(Exception):
    """Unknown exporter, or one the token may not use: answered alike."""


@dataclass
class ExportContext:
    session: Session
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
        """Instances of the usable exporters, sorted by verbose name."""
        usable = [
            cls(self.session, self.scope)
            for cls in self._candidates()
            if self.principal.has_permission(cls.required_permission)
        ]
        return sorted(usable, key=lambda e: (e.verbose_name.lower(), e.identifier))

    def exporter(self, identifier: str) -> BaseExporter:
        cls = exporters.REGISTRY.get(identifier)
        if (
            cls is None
            or cls not in self._candidates()
            or not self.principal.has_permission(cls.required_permission)
        ):
            raise ExporterNotFound(identifier)
        return cls(self.session, self.scope)


def event_context(
    session: Session, principal: Principal, organizer_slug: str, event_slug: str
) -> ExportContext:
    """Raises auth.PermissionDenied for an unknown or forbidden organizer or event."""
    event = resolve_event(session, principal, organizer_slug, event_slug)
    organizer = session.get(Organizer, principal.organizer_id)
    return ExportContext(
        session, principal, ExportScope(organizer=organizer, events=[event], event=event)
    )


def organizer_context(session: Session, principal: Principal, organizer_slug: str) -> ExportContext:
    resolve_organizer(principal, organizer_slug)
    organizer = session.get(Organizer, principal.organizer_id)
    events = visible_events(session, principal)
    return ExportContext(session, principal, ExportScope(organizer=organizer, events=events))
