"""The request's token and export context, with failures turned into API errors."""

from flask import request

from .. import catalog
from ..auth import AuthenticationFailed, PermissionDenied, Principal, authenticate
from ..store import get_session
from .errors import authentication_failed, not_found, permission_denied


def current_principal() -> Principal:
    try:
        return authenticate(get_session(), request.headers.get("Authorization"))
    except AuthenticationFailed as exc:
        raise authentication_failed(exc.detail) from exc


def event_context(organizer_slug: str, event_slug: str) -> catalog.ExportContext:
    principal = current_principal()
    try:
        return catalog.event_context(get_session(), principal, organizer_slug, event_slug)
    except PermissionDenied as exc:
        raise permission_denied() from exc


def organizer_context(organizer_slug: str) -> catalog.ExportContext:
    principal = current_principal()
    try:
        return catalog.organizer_context(get_session(), principal, organizer_slug)
    except PermissionDenied as exc:
        raise permission_denied() from exc


def find_exporter(context: catalog.ExportContext, identifier: str):
    try:
        return context.exporter(identifier)
    except catalog.ExporterNotFound as exc:
        raise not_found() from exc
