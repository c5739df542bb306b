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
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import partial
from pathlib import Path
from typing import NamedTuple

from ..files import piece_path
from ..storage.local import append
from .base_types import ExportError, Table
from .writers import write_csv_table
from .xlsx import WorkbookWriter, continuation_title, sheet_pieces
from .zip_writer import Piece

log = logging.getLogger(__name__)

# Often enough that the published percentage moves in steps of one point on big exports.
POLL_SECONDS = 0.05
# How often a part that must know where its rows fall looks whether the others have counted.
PLACEMENT_WAIT_SECONDS = 0.005

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


def pieces_are_left_to_storage() -> bool:
    """Whether parts that are joined end to end should stay the result's pieces."""
    return _LEAVE_PIECES.get()


_SPREAD: ContextVar = ContextVar("spread", default=None)


@contextmanager
def spreading_parts(spread) -> Iterator[None]:
    """Inside, a sheet cut into runs is written by ``spread`` (``service.jobs.parts``:
    its ``parts`` runs as jobs of any worker) instead of by local processes."""
    token = _SPREAD.set(spread)
    try:
        yield
    finally:
        _SPREAD.reset(token)


def parts_spread():
    """What writes a CSV sheet's runs elsewhere (see ``spreading_parts``), or None."""
    return _SPREAD.get()


class PartFailed(Exception):
    """A child's failure that is neither an ExportError nor an OSError."""


def part_path(path: Path, number: int) -> Path:
    """``.<file id>.part2.partial`` beside ``.<file id>.partial``: cleaned up like it."""
    path = Path(path)
    stem = path.name.removesuffix(".partial")
    return path.with_name(f"{stem}.part{number}.partial")


def _run_part(write, target, done, total, errors, finished, in_child, table) -> None:
    try:
        in_child()

        def begin(rows: int) -> None:
            total.value = rows

        def count(rows: int = 1) -> None:
            done.value += rows

        if table is None:
            write(target, begin, count)
        else:
            write(target, begin, count, partial(_placement, *table))
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


class Placement(NamedTuple):
    """Where a part's rows fall in its table."""

    before: int  # rows of the parts before it
    table_rows: int
    first: bool  # the table's first part


def _placement(totals, place: int, parent: int) -> Placement:
    """Where this part's rows fall, as soon as every part of the table has counted its rows
    (each does so first, with a query of its own)."""
    while any(counted.value < 0 for counted in totals):
        if os.getppid() != parent:  # the export's process is gone: nobody will join this
            os._exit(1)
        time.sleep(PLACEMENT_WAIT_SECONDS)
    counts = [counted.value for counted in totals]
    return Placement(sum(counts[:place]), sum(counts), place == 0)


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
    path: Path,
    parts: list[Part],
    progress: Callable[[float], None],
    in_child,
    tables: list[int] | None = None,
) -> Iterator[list[Path]]:
    """Write ``parts`` in child processes; yields their files, removed afterwards.
    ``in_child`` runs first in each child (to open its own database connection: a
    connection must never be shared across a fork).

    With ``tables`` (the table each part belongs to, its parts consecutive), each part's
    writer is also given a function that says where the part's rows fall in its table
    (see ``_placement``)."""
    context = multiprocessing.get_context("fork")
    done = [context.Value("q", 0, lock=False) for _ in parts]
    totals = [context.Value("q", -1, lock=False) for _ in parts]
    errors = context.SimpleQueue()
    signals = [context.Pipe(duplex=False) for _ in parts]
    targets = [part_path(path, number) for number in range(1, len(parts) + 1)]
    tables_of_parts = [None] * len(parts)
    if tables is not None:
        for i, table in enumerate(tables):
            siblings = [j for j, other in enumerate(tables) if other == table]
            tables_of_parts[i] = ([totals[j] for j in siblings], siblings.index(i), os.getpid())
    children = [
        context.Process(
            target=_run_part,
            args=(write, target, done[i], totals[i], errors, signals[i][1], in_child, table),
            daemon=True,
        )
        for i, (write, target, table) in enumerate(
            zip(parts, targets, tables_of_parts, strict=True)
        )
    ]
    finished = [False] * len(parts)
    try:
        for child in children:
            child.start()
        while not all(finished):
            for i, (receiver, _sender) in enumerate(signals):
                finished[i] = finished[i] or receiver.poll()
            # A part's process that ended without saying it was done has failed. Its pipe is
            # looked at once more: it may have said so just after the look above.
            unfinished = [i for i in range(len(parts)) if not finished[i]]
            if any(
                children[i].exitcode is not None and not signals[i][0].poll() for i in unfinished
            ):
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


# Workbooks: one part per sheet, or per run of a long sheet ------------------------------------
def sheet_piece_path(target: Path, number: int) -> Path:
    """Where a part puts its rows of its table's ``number``-th worksheet, deflated:
    ``….sheet2.partial`` beside the part's own file (cleaned up like it)."""
    return target.with_name(f"{_stem(target)}.sheet{number}.partial")


def _stem(target: Path) -> str:
    return target.name.removesuffix(".partial")


def _sheet_part(make_table: Callable[[], Table], target: Path, begin, count, placement) -> None:
    """In a child: one run of a table's rows, deflated into a piece per worksheet it falls
    on; the part's own file lists the pieces (``_pieces_of``)."""
    table = make_table()
    begin(table.total)
    where = placement()
    pieces = []
    # An empty table is one worksheet with the header row, written by its first part.
    if where.table_rows or where.first:
        pieces = sheet_pieces(
            table.columns,
            exactly(table.rows, table.total),
            where.before,
            where.table_rows,
            partial(sheet_piece_path, target),
            count,
        )
    with open(target, "w") as listing:
        for number, piece in pieces:
            listing.write(f"{number}\t{piece.crc}\t{piece.size}\t{piece.path.name}\n")


def exactly(rows, total: int) -> Iterator:
    """The rows, checked to be as many as were counted: a worksheet's row numbers and where
    it ends were worked out from the counts."""
    written = 0
    for row in rows:
        written += 1
        if written > total:
            break
        yield row
    if written != total:
        raise PartFailed(f"a part of a sheet counted {total} rows but had {written}")


def _pieces_of(part: Path) -> list[tuple[int, Piece]]:
    """(worksheet number, piece) of what a sheet's part wrote, from its listing."""
    pieces = []
    for line in part.read_text().splitlines():
        number, crc, size, name = line.split("\t")
        pieces.append((int(number), Piece(part.with_name(name), int(crc), int(size))))
    return pieces


def write_xlsx_in_parallel(
    path: Path,
    sheets: list[tuple[str, list[Callable[[], Table]]]],
    progress: Callable[[float], None],
    in_child: Callable[[], None],
) -> None:
    """Like ``writers.write_xlsx``, with the sheets written at the same time, a sheet cut
    into consecutive runs of rows (several table factories) by as many processes. Each
    process deflates what it writes; the workbook is put together by copying the pieces,
    so no process holds or compresses a whole sheet."""
    parts, tables = [], []
    for index, (_title, runs) in enumerate(sheets):
        parts += [partial(_sheet_part, make_table) for make_table in runs]
        tables += [index] * len(runs)
    try:
        with parts_written_in_parallel(path, parts, progress, in_child, tables) as files:
            written = [_pieces_of(part) for part in files]
            workbook = WorkbookWriter(path)
            for index, (title, _runs) in enumerate(sheets):
                worksheets: dict[int, list[Piece]] = {}
                for table, pieces in zip(tables, written, strict=True):
                    for number, piece in pieces if table == index else ():
                        worksheets.setdefault(number, []).append(piece)
                for number in sorted(worksheets):
                    workbook.add_sheet_pieces(continuation_title(title, number), worksheets[number])
            workbook.close()
    finally:
        # Also what a part that failed had written.
        for number in range(1, len(parts) + 1):
            for piece in sheet_pieces_written(part_path(path, number)):
                piece.unlink(missing_ok=True)


def sheet_pieces_written(target: Path) -> list[Path]:
    return list(target.parent.glob(f"{_stem(target)}.sheet*.partial"))


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
        join_end_to_end(path, files)


def join_end_to_end(path: Path, files: list[Path]) -> None:
    """Parts whose bytes follow one another made the result at ``path``: left to the
    storage as its pieces (``pieces_left_to_storage``), or else the first renamed into place
    and the others appended to it inside the kernel."""
    if pieces_are_left_to_storage():
        for number, part in enumerate(files, start=1):
            os.replace(part, piece_path(path, number))
        return
    os.replace(files[0], path)
    with open(path, "ab") as joined:
        for part in files[1:]:
            append(part, joined)
