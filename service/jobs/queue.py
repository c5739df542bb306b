"""The RQ queue exports run on, and the jobs on it."""

from flask import current_app
from rq import Queue
from rq.exceptions import NoSuchJobError
from rq.job import Job, JobStatus

from ..redis_conn import get_redis

RUN_EXPORT = "service.jobs.run.run_export"
# A job not yet on the queue (its export waits in its token's line) is "created".
WAITING_STATUSES = {JobStatus.QUEUED, JobStatus.DEFERRED, JobStatus.SCHEDULED, JobStatus.CREATED}


def get_queue() -> Queue:
    return Queue(current_app.config["EXPORT_QUEUE"], connection=get_redis())


def fetch_job(job_id: str) -> Job | None:
    try:
        return Job.fetch(job_id, connection=get_redis())
    except NoSuchJobError:
        return None


def enqueue_created(job_id: str) -> bool:
    """Put a job that waited in its token's line on the queue; False if it is gone or
    no longer waiting to be put there (canceled, or put there already)."""
    job = fetch_job(job_id)
    if job is None or job.get_status() != JobStatus.CREATED:
        return False
    get_queue().enqueue_job(job)
    return True
