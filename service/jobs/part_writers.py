"""Writing one part of an export, on whichever worker took its job (or on the export's own,
which takes parts nobody took): a run of a CSV sheet, or a run of a workbook sheet's rows
deflated into a piece per worksheet it falls on. The part is written to this host's disk,
staged in the result storage, and its result (or why it failed) told in Redis."""

import hashlib
import json
import logging
from datetime import datetime
from pathlib import Path

from flask import has_app_context

from .. import files, records
from ..exporters import writers
from ..exporters.base_types import ExportError
from ..exporters.parallel import exactly, part_path, sheet_piece_path, sheet_pieces_written
from ..exporters.xlsx import sheet_pieces
from ..redis_conn import get_redis
from ..storage import get_storage
from ..store import get_session
from .part_claims import Claim, worker_name
from .progress import ExportCanceled

log = logging.getLogger(__name__)

RUN_EXPORT_PART = "service.jobs.part_writers.run_export_part"
SPEC_KEY = "export-parts:{file_id}"  # part number → what to write
RESULT_KEY = "export-part-results:{file_id}"  # part number → what it staged, or its error
ROWS_KEY = "export-part-rows:{file_id}"  # "<n>:total" and "<n>:done"
DATA_CHANGED = (
    "The export's data changed while it was written (its parts no longer agree). "
    "Please run it again."
)
# A part's pieces are staged as numbers of their own: part n's worksheet k is n * this + k.
PIECES_PER_PART = 1000


def run_export_part(file_id: str, number: int) -> None:
    """The RQ job of one part: write it unless its export has ended or someone has it."""
    if has_app_context():
        return _run_export_part(file_id, number)
    from .. import create_app

    with create_app().app_context():
        return _run_export_part(file_id, number)


def _run_export_part(file_id: str, number: int) -> None:
    redis = get_redis()
    record = records.load(file_id)
    if record is None or record.get("state") != "running":
        return
    if redis.hexists(RESULT_KEY.format(file_id=file_id), number):
        return
    claim = Claim(redis, file_id, number)
    if not claim.take():
        return
    with claim:
        write_part(file_id, record, number, lambda: _stop_if_ended(file_id))


def _stop_if_ended(file_id: str) -> None:
    record = records.load(file_id)
    if record is None or record.get("state") != "running":
        raise ExportCanceled()


def write_part(file_id: str, record: dict, number: int, on_step) -> None:
    """Write part ``number`` and tell its result in Redis. ``on_step`` runs about every 1%
    of its rows (and may stop it by raising ``ExportCanceled``)."""
    redis = get_redis()
    spec = redis.hget(SPEC_KEY.format(file_id=file_id), number)
    if spec is None:
        return  # the export has ended
    spec = json.loads(spec)
    target = part_path(files.partial_path(file_id), number)
    try:
        if spec["kind"] == "csv":
            result = _csv_part(file_id, record, number, spec, target, on_step)
        else:
            result = _sheet_part(file_id, record, number, spec, target, on_step)
        result["by"] = worker_name()
    except ExportCanceled:
        return
    except ExportError as exc:
        result = {"error": str(exc), "expected": True}
    except Exception as exc:
        log.exception("Part %s of export %s failed", number, file_id)
        result = {"error": f"{type(exc).__name__}: {exc}", "expected": False}
    finally:
        target.unlink(missing_ok=True)
        for piece in sheet_pieces_written(target):
            piece.unlink(missing_ok=True)
    redis.hset(RESULT_KEY.format(file_id=file_id), number, json.dumps(result))


def _csv_part(file_id, record, number: int, spec: dict, target: Path, on_step) -> dict:
    table = _table(record, spec)
    count = _row_counter(file_id, number, table.total, on_step)
    dialect = writers.SHEET_DIALECTS[spec["dialect"]]
    writers.write_csv_table(target, table, dialect, count, header=spec["header"])
    staged = get_storage().stage_part(file_id, number, target)
    return {"staged": [staged.key, staged.size], "columns": _fingerprint(table.columns)}


def _sheet_part(file_id, record, number: int, spec: dict, target: Path, on_step) -> dict:
    """A run of a workbook sheet's rows, where the coordinator placed it: ``before`` rows of
    the table come before it, ``table_rows`` in all."""
    table = _table(record, spec)
    if table.total != spec["rows"]:
        raise ExportError(DATA_CHANGED)
    count = _row_counter(file_id, number, table.total, on_step)
    pieces = []
    if spec["table_rows"] or spec["first"]:
        pieces = sheet_pieces(
            table.columns,
            exactly(table.rows, table.total),
            spec["before"],
            spec["table_rows"],
            lambda sheet: sheet_piece_path(target, sheet),
            lambda: count(1),
        )
    storage = get_storage()
    staged = []
    for sheet, piece in pieces:
        part = storage.stage_part(file_id, number * PIECES_PER_PART + sheet, piece.path)
        staged.append([sheet, piece.crc, piece.size, part.key, part.size])
    return {"pieces": staged, "columns": _fingerprint(table.columns)}


def _table(record: dict, spec: dict):
    """The part's table, from an exporter made again for the export's token."""
    from .run import _rebuild_scope

    session = get_session()
    exporter_cls, scope = _rebuild_scope(session, record)
    exporter = exporter_cls(session, scope)
    if spec["run"] is not None:
        exporter.use_run(run_from_json(spec["run"]))
    return exporter.table(spec["sheet"], json.loads(record["params"]))


def _row_counter(file_id: str, number: int, total: int, on_step):
    """``count(rows)`` for the writer: told in Redis about every 1% of the part's rows."""
    rows_key = ROWS_KEY.format(file_id=file_id)
    get_redis().hset(rows_key, f"{number}:total", total)
    step = max(1, total // 100)
    counted = {"rows": 0, "told": 0}

    def count(rows: int) -> None:
        counted["rows"] += rows
        if counted["rows"] - counted["told"] >= step:
            get_redis().hset(rows_key, f"{number}:done", counted["rows"])
            counted["told"] = counted["rows"]
            on_step()

    return count


def _fingerprint(columns: list) -> str:
    return hashlib.sha256(json.dumps(columns, default=str).encode()).hexdigest()


def run_to_json(run: tuple | None) -> list | None:
    """A run's bounds, each None or an order's (datetime, id), as JSON."""
    if run is None:
        return None
    return [None if key is None else [key[0].isoformat(), key[1]] for key in run]


def run_from_json(bounds: list) -> tuple:
    return tuple(
        None if key is None else (datetime.fromisoformat(key[0]), int(key[1])) for key in bounds
    )
