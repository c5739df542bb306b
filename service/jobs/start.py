"""Starting an export: record it, create its RQ job, and join its token's line."""

import json
import uuid
from dataclasses import dataclass

from flask import current_app
from rq.job import JobStatus

from .. import exporters, records
from . import counters, line
from .queue import RUN_EXPORT, get_queue


class TooManyExports(Exception):
    """The token already has ``MAX_ACTIVE_EXPORTS_PER_TOKEN`` exports waiting or running."""


@dataclass(frozen=True)
class StartedExport:
    job_id: str
    file_id: str


def start_export(principal, exporter: exporters.BaseExporter, form: dict) -> StartedExport:
    """Record the export and put it in line; nothing heavy happens here. The RQ job exists
    from the start (status "created") and goes on the queue when the line admits it."""
    job_id, file_id = str(uuid.uuid4()), str(uuid.uuid4())
    scope = exporter.scope
    records.save(
        file_id,
        job_id=job_id,
        token_hash=principal.token_hash,
        organizer_id=scope.organizer.id,
        organizer=scope.organizer.slug,
        event=scope.event.slug if scope.event else "",
        event_ids=json.dumps([e.id for e in scope.events]),
        events=json.dumps([e.slug for e in scope.events]),
        exporter=exporter.identifier,
        params=json.dumps(form),
        state="waiting",
        created=records.now_iso(),
    )
    queue = get_queue()
    ttl = records.ttl_seconds()
    job = queue.create_job(
        RUN_EXPORT,
        args=(file_id,),
        job_id=job_id,
        timeout=current_app.config["EXPORT_TIMEOUT"],
        result_ttl=ttl,
        failure_ttl=ttl,
        meta={"percentage": None},
        description=f"{exporter.identifier} for {scope.slug}",
        status=JobStatus.CREATED,
    )
    job.save()
    place = line.join(principal.token_hash, file_id)
    if place < 0:
        job.delete()
        records.delete(file_id)
        raise TooManyExports()
    records.add_to_token_index(principal.token_hash, file_id)
    counters.count_started(exporter.identifier)
    if place == 1:
        queue.enqueue_job(job)
    return StartedExport(job_id=job_id, file_id=file_id)
