"""What an exporter is: a declaration (identifier, name, level, permission, parameters) and
rows. Formats, dialects, progress and file writing live here and in ``writers`` once.
"""

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.orm import Session

from ..store.models import Event, Organizer
from . import params, writers
from .base_types import ExportError, Table  # noqa: F401 (exporters raise it from here)
from .parallel import parts_spread, write_csv_in_parallel, write_xlsx_in_parallel

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_TYPE = "text/csv"


EMPTY_EXPORT = "Your export did not contain any data."


@dataclass
class ExportScope:
    """What an export runs over: one event, or events of one organizer (``event`` is None)."""

    organizer: Organizer
    events: list[Event]
    event: Event | None = None
    # The permissions of the token the export runs for; None where they do not matter.
    permissions: frozenset[str] | None = None

    def may(self, permission: str) -> bool:
        """Whether the token holds ``permission`` (taken as yes where none are known)."""
        return self.permissions is None or permission in self.permissions

    @property
    def is_multievent(self) -> bool:
        return self.event is None

    @property
    def slug(self) -> str:
        return self.organizer.slug if self.event is None else self.event.slug


@dataclass
class ExportFile:
    filename: str
    content_type: str


ProgressCallback = Callable[[float], None]


class BaseExporter:
    identifier: str = ""
    verbose_name: str = ""
    # Offered on /events/{event}/exporters/ for one event.
    event_level: bool = True
    # Offered on /organizers/{org}/exporters/ over several events (takes events/all_events).
    multi_event: bool = False
    # Offered on /organizers/{org}/exporters/ and not about events (takes neither).
    organizer_level: bool = False
    required_permission: str | None = "can_view_orders"
    file_stem: str = "export"
    # What is in the file and who it is for, shown on the exporter's page.
    description: str = ""

    def __init__(self, session: Session, scope: ExportScope) -> None:
        self.session = session
        self.scope = scope

    # Declaration -----------------------------------------------------------------------
    def parameter_fields(self) -> dict[str, params.Param]:
        """The exporter's own parameters, in display order."""
        return {}

    def declared_parameters(self) -> dict[str, params.Param]:
        """Everything ``run`` accepts: at organizer level a multi-event exporter first takes
        the events to cover (``all_events``, then ``events``, as pretix lists them), then its
        own parameters."""
        own = self.parameter_fields()
        if not (self.multi_event and self.scope.is_multievent):
            return own
        slugs = [e.slug for e in self.scope.events]
        names = {e.slug: e.name for e in self.scope.events}
        return {
            "all_events": params.Boolean(**params.ui("All events", initial=True)),
            "events": params.EventSlugs(slugs, labels=names, **params.ui("Events")),
            **own,
        }

    def validate(self, data: dict) -> dict:
        """The run parameters, validated (``marshmallow.ValidationError`` with pretix's
        messages otherwise). At organizer level the chosen events narrow the scope and are
        not kept in the result: the scope carries them."""
        form = params.validate(self.declared_parameters(), data)
        if self.multi_event and self.scope.is_multievent:
            chosen, all_events = form.pop("events", None), form.pop("all_events", False)
            if chosen and not all_events:
                self.scope.events = [e for e in self.scope.events if e.slug in chosen]
        return form

    # Running ---------------------------------------------------------------------------
    def write(self, form: dict, path: Path, progress: ProgressCallback) -> ExportFile:
        """Write the export to ``path`` and say how to name and serve it."""
        raise NotImplementedError

    def base_filename(self) -> str:
        return f"{self.scope.slug}_{self.file_stem}"

    def _own_session(self) -> None:
        """In a forked child: a session on a fresh connection pool, never the parent's."""
        engine = self.session.get_bind()
        engine.dispose(close=False)
        self.session = Session(bind=engine)


class ListExporter(BaseExporter):
    """One table, as xlsx (one worksheet named after the exporter) or one of the CSV dialects."""

    def parameter_fields(self) -> dict[str, params.Param]:
        return {
            "_format": params.Choice(
                list(writers.LIST_FORMATS),
                required=True,
                labels=writers.LIST_FORMAT_LABELS,
                **params.ui("Format", initial="xlsx"),
            ),
            **self.additional_fields(),
        }

    def additional_fields(self) -> dict[str, params.Param]:
        return {}

    def table(self, form: dict) -> Table:
        raise NotImplementedError

    def write(self, form: dict, path: Path, progress: ProgressCallback) -> ExportFile:
        fmt = form["_format"]
        if fmt == "xlsx":
            writers.write_xlsx(path, [(self.verbose_name, lambda: self.table(form))], progress)
            return ExportFile(self.base_filename() + ".xlsx", XLSX_TYPE)
        writers.write_csv(path, self.table(form), writers.LIST_FORMATS[fmt], progress)
        return ExportFile(self.base_filename() + ".csv", CSV_TYPE)


class MultiSheetListExporter(BaseExporter):
    """Several tables: one workbook with a worksheet each, or any one of them as CSV."""

    sheets: Sequence[tuple[str, str]] = ()

    def parameter_fields(self) -> dict[str, params.Param]:
        return {
            "_format": params.Choice(
                self.formats(),
                required=True,
                labels=self.format_labels(),
                **params.ui("Format", initial="xlsx"),
            ),
            **self.additional_fields(),
        }

    def formats(self) -> list[str]:
        choices = ["xlsx"]
        for key, _title in self.sheets:
            choices += [f"{key}:{dialect}" for dialect in writers.SHEET_DIALECTS]
        return choices

    def format_labels(self) -> dict[str, str]:
        """ "Order positions — CSV (comma-separated)" for ``positions:default``, and so on."""
        labels = {"xlsx": "Excel workbook (.xlsx), one sheet each"}
        for key, title in self.sheets:
            for dialect, text in writers.SHEET_DIALECT_LABELS.items():
                labels[f"{key}:{dialect}"] = f"{title} — {text}"
        return labels

    def additional_fields(self) -> dict[str, params.Param]:
        return {}

    def table(self, sheet: str, form: dict) -> Table:
        raise NotImplementedError

    def write(self, form: dict, path: Path, progress: ProgressCallback) -> ExportFile:
        fmt = form["_format"]
        if fmt == "xlsx":
            cores = os.cpu_count() or 1
            spread = parts_spread()
            counted = self._counted_runs(form, spread.parts) if spread is not None else None
            if counted is not None:
                spread.write_xlsx(counted, progress)
            elif len(self.sheets) > 1 and cores > 1:
                runs = [
                    (title, self._run_factories(key, form, cores)) for key, title in self.sheets
                ]
                write_xlsx_in_parallel(path, runs, progress, in_child=self._own_session)
            else:
                sheets = [(title, self._table_factory(key, form)) for key, title in self.sheets]
                writers.write_xlsx(path, sheets, progress)
            return ExportFile(self.base_filename() + ".xlsx", XLSX_TYPE)
        sheet, dialect = fmt.split(":")
        spread = parts_spread()
        runs = self.split(sheet, form, spread.parts if spread else os.cpu_count() or 1)
        if runs and spread:
            spread.write_csv(sheet, dialect, runs, progress)
        elif runs:
            tables = [self._run_table_factory(sheet, form, run) for run in runs]
            write_csv_in_parallel(
                path, tables, writers.SHEET_DIALECTS[dialect], progress, self._own_session
            )
        else:
            writers.write_csv(
                path, self.table(sheet, form), writers.SHEET_DIALECTS[dialect], progress
            )
        return ExportFile(self.base_filename() + ".csv", CSV_TYPE)

    def split(self, sheet: str, form: dict, parts: int) -> list | None:
        """Consecutive runs of rows to write ``sheet`` in ``parts`` processes, or None to
        write it in one. Each run is handed to ``use_run`` in the process that writes it."""
        return None

    def use_run(self, run) -> None:
        raise NotImplementedError

    def _run_table_factory(self, sheet: str, form: dict, run):
        def make_table() -> Table:
            self.use_run(run)
            return self.table(sheet, form)

        return make_table

    def _counted_runs(self, form: dict, parts: int) -> list[tuple] | None:
        """Each sheet's (title, key, runs, rows of each run), a run of None being the whole
        sheet: the rows counted by an exporter of its own per run, as the run's writer will.
        None where no sheet is big enough to be cut into runs."""
        split = {key: self.split(key, form, parts) for key, _title in self.sheets}
        if not any(split.values()):
            return None
        sheets = []
        for key, title in self.sheets:
            runs = split[key] or [None]
            counts = []
            for run in runs:
                counter = type(self)(self.session, self.scope)
                if run is not None:
                    counter.use_run(run)
                counts.append(counter.table(key, form).total)
            sheets.append((title, key, runs, counts))
        return sheets

    def _table_factory(self, key: str, form: dict):
        return lambda: self.table(key, form)

    def _run_factories(self, key: str, form: dict, parts: int) -> list:
        """A sheet's tables: one per run where the sheet is split, else the whole sheet."""
        runs = self.split(key, form, parts)
        if not runs:
            return [self._table_factory(key, form)]
        return [self._run_table_factory(key, form, run) for run in runs]
