"""An export's parts as RQ jobs that any worker, on any host, may take, meeting in storage.

With ``EXPORT_PART_JOBS`` set to N, a CSV sheet big enough to be cut into runs of orders is
cut into N runs, and so is each sheet of a workbook; each run becomes a job at the front of
the export queue. The export's own job coordinates: it describes the parts in Redis, puts
their jobs on the queue, writes the last part itself, then any part no worker has taken
within a second (or whose claim lapsed: its worker was killed, its host lost), and waits for
the rest. A worker takes a part by claiming it (``part_claims``) and writes it to its own
disk, then stages it in the result storage (``part_writers``). The coordinator has the
storage put the staged parts together into the result (``publish_composed``: server-side
copies on S3), so that the file never passes through one machine: for a CSV sheet the parts
one after the other, for a workbook its own headers and small entries around the deflated
worksheet pieces, which it places before any part is written (each run's rows counted
first), so that rows are numbered and worksheets continued as one process would.

A part that fails fails the export with its message. A canceled export stops its parts at
their next progress step.
"""

import json
import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial

from flask import current_app, has_app_context

from ..exporters.base_types import ExportError
from ..exporters.parallel import PartFailed, spreading_parts
from ..exporters.xlsx import WorkbookWriter, continuation_title
from ..exporters.zip_writer import Piece, SegmentSink
from ..redis_conn import get_redis
from ..storage import get_storage
from ..storage.base import StagedPart
from .part_claims import Claim
from .part_writers import (
    DATA_CHANGED,
    RESULT_KEY,
    ROWS_KEY,
    RUN_EXPORT_PART,
    SPEC_KEY,
    run_to_json,
    write_part,
)
from .queue import get_queue

log = logging.getLogger(__name__)

WAIT_SECONDS = 0.05
# After its own first part, the coordinator leaves the other parts this long to the workers.
STEAL_AFTER_SECONDS = 1.0
# Parts' keys outlive any export that could still use them.
KEYS_SECONDS = 2 * 24 * 3600


def part_jobs_wanted() -> int:
    """How many parts a big sheet is cut into as jobs (0: written by local processes)."""
    return int(current_app.config.get("EXPORT_PART_JOBS") or 0) if has_app_context() else 0


class PartJobs:
    """Spreads one export's parts over the queue's workers (see the module's docstring).
    ``published`` is the result's size once the storage has put the parts together, and
    ``written_by`` who wrote each part."""

    def __init__(self, file_id: str, record: dict, parts: int) -> None:
        self.file_id = file_id
        self.record = record
        self.parts = parts
        self.redis = get_redis()
        self.published: int | None = None
        self.written_by: dict[int, str] = {}

    # CSV -----------------------------------------------------------------------------------
    def write_csv(self, sheet: str, dialect: str, runs: list, progress) -> None:
        """``sheet`` as CSV in ``dialect``, a part per run, the header in the first."""
        specs = [
            {"kind": "csv", "sheet": sheet, "dialect": dialect, "run": run_to_json(run)}
            | {"header": number == 0}
            for number, run in enumerate(runs)
        ]
        with self._parts(specs, progress) as results:
            _check_agree(results)
            staged = [StagedPart(*result["staged"]) for result in results]
            self.published = get_storage().publish_composed(self.file_id, staged)

    # Workbooks -----------------------------------------------------------------------------
    def write_xlsx(self, sheets: list[tuple[str, str, list, list[int]]], progress) -> None:
        """A workbook of ``sheets``, each (title, sheet, runs, rows of each run): a part per
        run (a run of None is the whole sheet), placed by the rows of the runs before it."""
        specs, tables = [], []
        for index, (_title, sheet, runs, counts) in enumerate(sheets):
            for place, (run, rows) in enumerate(zip(runs, counts, strict=True)):
                specs.append(
                    {"kind": "sheet", "sheet": sheet, "run": run_to_json(run), "rows": rows}
                    | {"before": sum(counts[:place]), "table_rows": sum(counts)}
                    | {"first": place == 0}
                )
                tables.append(index)
        with self._parts(specs, progress) as results:
            sink = SegmentSink()
            workbook = WorkbookWriter(sink)
            for index, (title, _sheet, _runs, _counts) in enumerate(sheets):
                of_table = [r for r, t in zip(results, tables, strict=True) if t == index]
                _check_agree(of_table)
                worksheets: dict[int, list[Piece]] = {}
                for result in of_table:
                    for number, crc, size, key, compressed in result["pieces"]:
                        piece = Piece(StagedPart(key, compressed), crc, size)
                        worksheets.setdefault(number, []).append(piece)
                for number in sorted(worksheets):
                    workbook.add_sheet_pieces(continuation_title(title, number), worksheets[number])
            workbook.close()
            self.published = get_storage().publish_composed(self.file_id, sink.segments)

    # Running the parts ---------------------------------------------------------------------
    @contextmanager
    def _parts(self, specs: list[dict], progress) -> Iterator[list[dict]]:
        """Describe the parts, queue their jobs, and yield their results in order once
        every part is written; the staged parts and the keys go afterwards."""
        numbers = list(range(1, len(specs) + 1))
        self._describe(dict(zip(numbers, specs, strict=True)))
        try:
            queue = get_queue()
            # Each at the front, the last first: the queue then holds them in order, and
            # workers take the first parts while this process starts with the last.
            for number in reversed(numbers):
                queue.enqueue(
                    RUN_EXPORT_PART,
                    self.file_id,
                    number,
                    at_front=True,
                    job_timeout=int(current_app.config["EXPORT_TIMEOUT"]),
                    result_ttl=0,
                    failure_ttl=3600,
                )
            results = self._gather(numbers, progress)
            self.written_by = {n: results[n]["by"] for n in numbers}
            yield [results[n] for n in numbers]
        finally:
            self._clean_up()

    def _describe(self, specs: dict[int, dict]) -> None:
        key_of = {name: name.format(file_id=self.file_id) for name in (SPEC_KEY, RESULT_KEY)}
        key_of[ROWS_KEY] = ROWS_KEY.format(file_id=self.file_id)
        with self.redis.pipeline() as pipe:
            pipe.delete(key_of[RESULT_KEY], key_of[ROWS_KEY])
            pipe.hset(key_of[SPEC_KEY], mapping={n: json.dumps(s) for n, s in specs.items()})
            for key in key_of.values():
                pipe.expire(key, KEYS_SECONDS)
            pipe.execute()

    def _gather(self, numbers: list[int], progress) -> dict[int, dict]:
        """Write the last part here, then parts nobody took (or whose writer was lost), and
        wait for the others."""
        results: dict[int, dict] = {}
        first = True
        steal_from = time.monotonic() + STEAL_AFTER_SECONDS
        while len(results) < len(numbers):
            results = self._results()
            _raise_first_error(results.values())
            progress(self._fraction(numbers, results))
            left = [n for n in reversed(numbers) if n not in results]
            if left and (first or time.monotonic() >= steal_from):
                first = False
                if self._write_one_of(left, numbers, progress):
                    continue
            time.sleep(WAIT_SECONDS)
        return results

    def _write_one_of(self, left: list[int], numbers: list[int], progress) -> bool:
        """Claim a part nobody writes (never taken, or its claim lapsed) and write it here."""
        for number in left:
            claim = Claim(self.redis, self.file_id, number)
            if claim.take():
                with claim:
                    report = partial(self._report, numbers, progress)
                    write_part(self.file_id, self.record, number, report)
                return True
        return False

    def _report(self, numbers: list[int], progress) -> None:
        progress(self._fraction(numbers, self._results()))

    def _results(self) -> dict[int, dict]:
        found = self.redis.hgetall(RESULT_KEY.format(file_id=self.file_id))
        return {int(n): json.loads(v) for n, v in found.items()}

    def _fraction(self, numbers: list[int], results: dict) -> float:
        """The mean of each part's share written; a part with a result counts whole."""
        rows = self.redis.hgetall(ROWS_KEY.format(file_id=self.file_id))
        rows = {key.decode(): int(value) for key, value in rows.items()}
        shares = []
        for number in numbers:
            total = rows.get(f"{number}:total", 0)
            if number in results:
                shares.append(1.0)
            elif total > 0:
                shares.append(min(rows.get(f"{number}:done", 0) / total, 1.0))
            else:
                shares.append(0.0)
        return sum(shares) / len(shares)

    def _clean_up(self) -> None:
        """The staged parts and the parts' keys go, however the export ended; part jobs
        still on the queue then find nothing to do."""
        try:
            get_storage().delete_staged(self.file_id)
        except Exception:  # expiry removes them later
            log.warning("Could not remove the staged parts of %s", self.file_id, exc_info=True)
        keys = [SPEC_KEY, RESULT_KEY, ROWS_KEY]
        self.redis.delete(*(key.format(file_id=self.file_id) for key in keys))


@contextmanager
def parts_as_jobs(file_id: str, record: dict) -> Iterator[PartJobs | None]:
    """Inside, an exporter's big sheets are written by part jobs (where configured)."""
    parts = part_jobs_wanted()
    if parts < 2:
        yield None
        return
    spread = PartJobs(file_id, record, parts)
    with spreading_parts(spread):
        yield spread


def _raise_first_error(results) -> None:
    for result in results:
        if "error" in result:
            if result.get("expected"):
                raise ExportError(result["error"])
            raise PartFailed(result["error"])


def _check_agree(results: list[dict]) -> None:
    """The parts of one sheet found its columns (questions, tax rates, providers of the
    whole export) each for itself: they must be the same."""
    if len({result["columns"] for result in results}) > 1:
        raise ExportError(DATA_CHANGED)
