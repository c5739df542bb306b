"""Parts of one export written side by side, each in a forked child process.

Building rows and writing them is Python work that keeps one core busy. A workbook is split
by sheet; a big CSV sheet by runs of orders. Each child writes its part to a file next to the
export, counting rows in shared memory; the parent reports progress from those counters (so a
cancel is noticed as usual), then puts the parts together. A child's failure becomes the
parent's: the same ExportError message, or the same OSError errno.

CSV parts are joined by concatenation, which the result storage does best itself (a rename
and in-kernel copies on local disk, consecutive parts of one upload to S3): inside
``pieces_left_to_storage`` they are left as the result's pieces (``files.piece_path``).
"""

import csv
import logging
import multiprocessing
import multiprocessing.connection
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import partial
from itertools import chain
from pathlib import Path

from ..files import piece_path
from ..storage.local import append
from .base_types import ExportError, Table
from .writers import write_csv_table
from .xlsx import WorkbookWriter, continuation_title, sheet_runs, sheet_xml

log = logging.getLogger(__name__)

# Often enough that the published percentage moves in steps of one point on big exports.
POLL_SECONDS = 0.05

# A part: writes itself to a path, calling begin(total rows) once and count(n) per n rows.
Part = Callable[[Path, Callable[[int], None], Callable[[int], None]], None]


_LEAVE_PIECES: ContextVar[bool] = ContextVar("leave_pieces", default=False)


@contextmanager
def pieces_left_to_storage() -> Iterator[None]:
    """CSV parts written in parallel stay separate pieces, for the storage to join."""
    token = _LEAVE_PIECES.set(True)
    try:
        yield
    finally:
        _LEAVE_PIECES.reset(token)


class PartFailed(Exception):
    """A child's failure that is neither an ExportError nor an OSError."""


def part_path(path: Path, number: int) -> Path:
    """``.<file id>.part2.partial`` beside ``.<file id>.partial``: cleaned up like it."""
    path = Path(path)
    stem = path.name.removesuffix(".partial")
    return path.with_name(f"{stem}.part{number}.partial")


def _run_part(write: Part, target: Path, done, total, errors, finished, in_child) -> None:
    try:
        in_child()

        def begin(rows: int) -> None:
            total.value = rows

        def count(rows: int = 1) -> None:
            done.value += rows

        write(target, begin, count)
        # Said before exiting: a process takes a while to go once it has written its part.
        finished.send_bytes(b"")
    except BaseException as exc:
        log.exception("Writing part of an export failed")
        errors.put(
            (
                type(exc).__name__,
                str(exc),
                getattr(exc, "errno", None),
                isinstance(exc, ExportError),
            )
        )
        os._exit(1)
    os._exit(0)


def _raise_child_error(errors, children) -> None:
    if errors.empty():  # killed before it could say why
        codes = [child.exitcode for child in children]
        raise PartFailed(f"a process writing part of the export ended with {codes}")
    kind, message, errno, expected = errors.get()
    if expected:
        raise ExportError(message)
    if errno is not None:
        raise OSError(errno, message)
    raise PartFailed(f"{kind}: {message}")


@contextmanager
def parts_written_in_parallel(
    path: Path, parts: list[Part], progress: Callable[[float], None], in_child
) -> Iterator[list[Path]]:
    """Write ``parts`` in child processes; yields their files, removed afterwards.
    ``in_child`` runs first in each child (to open its own database connection: a
    connection must never be shared across a fork)."""
    context = multiprocessing.get_context("fork")
    done = [context.Value("q", 0, lock=False) for _ in parts]
    totals = [context.Value("q", -1, lock=False) for _ in parts]
    errors = context.SimpleQueue()
    signals = [context.Pipe(duplex=False) for _ in parts]
    targets = [part_path(path, number) for number in range(1, len(parts) + 1)]
    children = [
        context.Process(
            target=_run_part,
            args=(write, target, done[i], totals[i], errors, signals[i][1], in_child),
            daemon=True,
        )
        for i, (write, target) in enumerate(zip(parts, targets, strict=True))
    ]
    finished = [False] * len(parts)
    try:
        for child in children:
            child.start()
        while not all(finished):
            for i, (receiver, _sender) in enumerate(signals):
                finished[i] = finished[i] or receiver.poll()
            # A part's process that ended without saying it was done has failed.
            unfinished = [i for i in range(len(parts)) if not finished[i]]
            if any(children[i].exitcode is not None for i in unfinished):
                break
            progress(_fraction(done, totals, finished))
            # Wakes as soon as a part is written or a process ends.
            receivers = [signals[i][0] for i in unfinished]
            sentinels = [children[i].sentinel for i in unfinished]
            multiprocessing.connection.wait(receivers + sentinels, timeout=POLL_SECONDS)
        if not all(finished):
            _raise_child_error(errors, children)
        # The parts are put together while their processes end.
        yield targets
    finally:
        for child, part_finished in zip(children, finished, strict=True):
            if not part_finished and child.is_alive():
                child.kill()
            # Reaped, so that their CPU time and peak memory count as the export's.
            child.join()
        for receiver, sender in signals:
            receiver.close()
            sender.close()
        for target in targets:
            target.unlink(missing_ok=True)


def _fraction(done, totals, finished) -> float:
    """The mean of each part's share written (never falls; a finished part counts whole)."""
    shares = []
    for counter, total, part_finished in zip(done, totals, finished, strict=True):
        if part_finished:
            shares.append(1.0)
        elif total.value > 0:
            shares.append(min(counter.value / total.value, 1.0))
        else:
            shares.append(0.0)
    return sum(shares) / len(shares)


# Workbooks: one part per sheet ------------------------------------------------------------------
def continuation_path(target: Path, number: int) -> Path:
    """Where a part's ``number``-th worksheet goes: the part's own file for the first,
    ``….sheet2.partial`` beside it for continuation sheets (cleaned up like it)."""
    if number == 1:
        return target
    return target.with_name(target.name.removesuffix(".partial") + f".sheet{number}.partial")


def _sheet_part(make_table: Callable[[], Table], target: Path, begin, count) -> None:
    table = make_table()
    begin(table.total)
    runs = sheet_runs(chain([table.columns], table.rows))
    for number, run in enumerate(runs, start=1):
        with open(continuation_path(target, number), "wb") as handle:
            for chunk in sheet_xml(run, count):
                handle.write(chunk)


def _sheet_files(target: Path) -> Iterator[Path]:
    """The worksheet files a sheet's part wrote, in order."""
    number = 1
    while (path := continuation_path(target, number)).exists():
        yield path
        number += 1


def write_xlsx_in_parallel(
    path: Path,
    sheets: list[tuple[str, Callable[[], Table]]],
    progress: Callable[[float], None],
    in_child: Callable[[], None],
) -> None:
    """Like ``writers.write_xlsx``, with the sheets written at the same time."""
    parts = [partial(_sheet_part, make_table) for _title, make_table in sheets]
    with parts_written_in_parallel(path, parts, progress, in_child) as files:
        workbook = WorkbookWriter(path)
        try:
            for (title, _make_table), part in zip(sheets, files, strict=True):
                for number, sheet in enumerate(_sheet_files(part), start=1):
                    workbook.add_sheet_file(continuation_title(title, number), sheet)
        finally:
            for part in files:
                for sheet in list(_sheet_files(part))[1:]:
                    sheet.unlink(missing_ok=True)
        workbook.close()


# CSV: one part per run of orders ----------------------------------------------------------------
def _csv_part(make_table, dialect, with_header: bool, target: Path, begin, count) -> None:
    table = make_table()
    begin(table.total)
    write_csv_table(target, table, dialect, count, header=with_header)


def write_csv_in_parallel(
    path: Path,
    tables: list[Callable[[], Table]],
    dialect: type[csv.Dialect],
    progress: Callable[[float], None],
    in_child: Callable[[], None],
) -> None:
    """Like ``writers.write_csv`` for a table cut into consecutive runs of rows: the parts
    are written at the same time and joined in order, with the header once."""
    parts = [partial(_csv_part, make, dialect, i == 0) for i, make in enumerate(tables)]
    with parts_written_in_parallel(path, parts, progress, in_child) as files:
        if _LEAVE_PIECES.get():
            for number, part in enumerate(files, start=1):
                os.replace(part, piece_path(path, number))
            return
        os.replace(files[0], path)
        with open(path, "ab") as joined:
            for part in files[1:]:
                append(part, joined)
