"""Importers, one per source: ``pretix_json`` reads pretix's "Order data (JSON)" export,
``pretix_api`` (with ``pretix_fetch``, ``pretix_http`` and a module per domain) reads a
live pretix's REST API. Both raise ``ImportRefused`` and write nothing when they refuse."""

from .refusal import ImportRefused

__all__ = ["ImportRefused"]
