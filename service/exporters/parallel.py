"""The worksheets of one workbook written side by side, each in a forked child process.

Building rows and their XML is Python work that keeps one core busy; a big order export has
three sheets and the machine more than one core. Each child writes its sheet's XML to a file
next to the export, counting rows in shared memory; the parent reports progress from those
counters (so a cancel is noticed as usual), then zips the files into the workbook. A child's
failure becomes the parent's: the same ExportError message, or the same OSError errno.
"""

import logging
import multiprocessing
import os
import time
from collections.abc import Callable
from itertools import chain
from pathlib import Path

from .base_types import ExportError, Table
from .xlsx import WorkbookWriter, sheet_xml

log = logging.getLogger(__name__)

# Often enough that the published percentage moves in steps of one point on big workbooks.
POLL_SECONDS = 0.05


class SheetFailed(Exception):
    """A child's failure that is neither an ExportError nor an OSError."""


def part_path(path: Path, number: int) -> Path:
    """``.<file id>.sheet2.partial`` beside ``.<file id>.partial``: cleaned up like it."""
    path = Path(path)
    stem = path.name.removesuffix(".partial")
    return path.with_name(f"{stem}.sheet{number}.partial")


def _write_part(make_table, part: Path, done, total, errors, in_child) -> None:
    try:
        in_child()
        table = make_table()
        total.value = table.total

        def count() -> None:
            done.value += 1

        with open(part, "wb") as handle:
            for chunk in sheet_xml(chain([table.columns], table.rows), count):
                handle.write(chunk)
    except BaseException as exc:
        log.exception("Writing a worksheet failed")
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


def _raise_child_error(errors) -> None:
    kind, message, errno, expected = errors.get()
    if expected:
        raise ExportError(message)
    if errno is not None:
        raise OSError(errno, message)
    raise SheetFailed(f"{kind}: {message}")


def write_xlsx_in_parallel(
    path: Path,
    sheets: list[tuple[str, Callable[[], Table]]],
    progress: Callable[[float], None],
    in_child: Callable[[], None],
) -> None:
    """Like ``writers.write_xlsx``; ``in_child`` runs first in each child (to open its own
    database connection: a connection must never be shared across a fork)."""
    context = multiprocessing.get_context("fork")
    done = [context.Value("q", 0, lock=False) for _ in sheets]
    totals = [context.Value("q", -1, lock=False) for _ in sheets]
    errors = context.SimpleQueue()
    parts = [part_path(path, number) for number in range(1, len(sheets) + 1)]
    children = [
        context.Process(
            target=_write_part,
            args=(make_table, part, done[i], totals[i], errors, in_child),
            daemon=True,
        )
        for i, ((_title, make_table), part) in enumerate(zip(sheets, parts, strict=True))
    ]
    try:
        for child in children:
            child.start()
        while any(child.is_alive() for child in children):
            progress(_fraction(done, totals, children))
            if any(child.exitcode not in (None, 0) for child in children):
                break
            time.sleep(POLL_SECONDS)
        for child in children:
            child.join(timeout=0 if child.exitcode not in (None, 0) else None)
        if any(child.exitcode != 0 for child in children):
            _raise_child_error(errors)
        workbook = WorkbookWriter(path)
        for (title, _make_table), part in zip(sheets, parts, strict=True):
            workbook.add_sheet_file(title, part)
        workbook.close()
    finally:
        for child in children:
            if child.is_alive():
                child.kill()
                child.join()
        for part in parts:
            part.unlink(missing_ok=True)


def _fraction(done, totals, children) -> float:
    """The mean of each sheet's share written (never falls; a finished sheet counts whole)."""
    shares = []
    for counter, total, child in zip(done, totals, children, strict=True):
        if child.exitcode == 0:
            shares.append(1.0)
        elif total.value > 0:
            shares.append(min(counter.value / total.value, 1.0))
        else:
            shares.append(0.0)
    return sum(shares) / len(shares)
