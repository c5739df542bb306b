"""Parts of one export written side by side, each in a forked child process.

Building rows and writing them is Python work that keeps one core busy. A workbook is split
by sheet; a big CSV sheet by runs of orders. Each child writes its part to a file next to the
export, counting rows in shared memory; the parent reports progress from those counters (so a
cancel is noticed as usual), then puts the parts together. A child's failure becomes the
parent's: the same ExportError message, or the same OSError errno.
"""

import csv
import errno
import logging
import multiprocessing
import multiprocessing.connection
import os
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import partial
from itertools import chain
from pathlib import Path

from .base_types import ExportError, Table
from .writers import write_csv_table
from .xlsx import WorkbookWriter, sheet_xml

log = logging.getLogger(__name__)

# Often enough that the published percentage moves in steps of one point on big exports.
POLL_SECONDS = 0.05

# A part: writes itself to a path, calling begin(total rows) once and count(n) per n rows.
Part = Callable[[Path, Callable[[int], None], Callable[[int], None]], None]


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
def _sheet_part(make_table: Callable[[], Table], target: Path, begin, count) -> None:
    table = make_table()
    begin(table.total)
    with open(target, "wb") as handle:
        for chunk in sheet_xml(chain([table.columns], table.rows), count):
            handle.write(chunk)


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
        for (title, _make_table), part in zip(sheets, files, strict=True):
            workbook.add_sheet_file(title, part)
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
        os.replace(files[0], path)
        with open(path, "ab") as joined:
            for part in files[1:]:
                _append(part, joined)


def _append(source: Path, target) -> None:
    """``source``'s bytes added to the open file ``target``, copied inside the kernel where
    it can (``sendfile``), through a buffer where it cannot."""
    with open(source, "rb") as part:
        size = os.fstat(part.fileno()).st_size
        offset = 0
        try:
            while offset < size:
                sent = os.sendfile(target.fileno(), part.fileno(), offset, size - offset)
                if sent == 0:
                    break
                offset += sent
        except OSError as exc:
            if exc.errno not in (errno.EINVAL, errno.ENOSYS, errno.ENOTSOCK, errno.EOPNOTSUPP):
                raise
        part.seek(offset)
        shutil.copyfileobj(part, target, 1 << 20)
