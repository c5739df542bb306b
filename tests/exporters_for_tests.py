"""Exporters that fail on purpose, registered only by the tests that need them."""

from service.exporters.base import EMPTY_EXPORT, ExportError, ListExporter
from service.exporters.base_types import Table


class EmptyExporter(ListExporter):
    identifier = "always_empty"
    verbose_name = "Always empty"
    required_permission = None

    def table(self, form):
        raise ExportError(EMPTY_EXPORT)


class CrashingExporter(ListExporter):
    identifier = "crashing"
    verbose_name = "Crashing"
    required_permission = None

    def table(self, form):
        return Table(["a"], 3, self._rows())

    def _rows(self):
        yield ["one"]
        raise RuntimeError("database password is hunter2")


TEST_EXPORTERS = (EmptyExporter, CrashingExporter)
