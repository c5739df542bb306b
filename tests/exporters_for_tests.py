"""Exporters that fail on purpose, registered only by the tests that need them."""

from service.exporters.base import EMPTY_EXPORT, ExportError, ListExporter, MultiSheetListExporter
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


class TwoSheetsOneFailing(MultiSheetListExporter):
    """Its second sheet fails after some rows, while the first one is being written."""

    identifier = "second_sheet_fails"
    verbose_name = "Second sheet fails"
    required_permission = None
    sheets = (("good", "Good"), ("bad", "Bad"))
    failure: BaseException = ExportError("The second sheet could not be made.")

    def table(self, sheet, form):
        if sheet == "good":
            return Table(["n"], 1000, ([n] for n in range(1000)))
        return Table(["n"], 10, self._failing_rows())

    def _failing_rows(self):
        yield [1]
        raise self.failure


class TwoSheetsOneCrashing(TwoSheetsOneFailing):
    identifier = "second_sheet_crashes"
    verbose_name = "Second sheet crashes"
    failure = RuntimeError("unexpected")


TEST_EXPORTERS = (EmptyExporter, CrashingExporter, TwoSheetsOneFailing, TwoSheetsOneCrashing)
