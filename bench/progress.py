"""The progress contract: the percentage never goes down, moves at least every 2 points,
and reaches 100 before the file is ready.

Two views of one export: the 409 answers a client sees (polled every 50 ms), and the job's
``meta`` read straight from Redis every 10 ms. The second view exists because a fast sheet
(the fees of a workbook) can cover several points between two polls: a big step between 409
samples may be the poller's, not the service's.
"""

import threading
import time

from rq.job import Job

META_INTERVAL = 0.01


class MetaSampler:
    """Reads the job's ``percentage`` from Redis in a thread while an export runs."""

    def __init__(self, redis, interval: float = META_INTERVAL) -> None:
        self.redis = redis
        self.interval = interval
        self.values: list[tuple[float, float]] = []
        self._stopped = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self, download: str) -> None:
        job_id = download.rstrip("/").split("/")[-2]
        self._started = time.perf_counter()
        self._thread = threading.Thread(target=self._sample, args=(job_id,), daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stopped.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def _sample(self, job_id: str) -> None:
        job = Job.fetch(job_id, connection=self.redis)
        while not self._stopped.wait(self.interval):
            percentage = (job.get_meta(refresh=True) or {}).get("percentage")
            if percentage is not None:
                self.values.append((time.perf_counter() - self._started, percentage))


def view(values: list[tuple[float, float]], final: float | None) -> dict:
    """Distinct values in order; the largest step between two successive samples (from 0 to
    the final value), with the time between those samples: a big step over a long gap says
    little, one between close samples says the service skipped; and whether any sample was
    lower than the one before."""
    steps = []
    for at, percentage in values:
        if not steps or percentage != steps[-1][1]:
            steps.append((round(at, 3), percentage))
    path = [(None, 0), *values, *([(None, final)] if final is not None else [])]
    jumps = [
        (b - a, None if ta is None or tb is None else tb - ta)
        for (ta, a), (tb, b) in zip(path, path[1:], strict=False)
        if b != a
    ]
    largest, gap = max(jumps, key=lambda jump: jump[0]) if jumps else (None, None)
    samples = [p for _, p in values]
    return {
        "samples": len(samples),
        "distinct": len(steps),
        "largest_jump": largest,
        "largest_jump_gap_ms": round(gap * 1000, 1) if gap is not None else None,
        "never_decreases": all(b >= a for a, b in zip(samples, samples[1:], strict=False))
        and all(j >= 0 for j, _ in jumps),
        "steps": steps,
    }


def final_percentage(redis, job_id: str) -> float | None:
    try:
        return (Job.fetch(job_id, connection=redis).get_meta() or {}).get("percentage")
    except Exception:  # the job may have expired; the 409 answers still tell the story
        return None


def summary(run, redis, sampler: MetaSampler | None) -> dict:
    final = final_percentage(redis, run.job_id)
    polls = view([(s.at, s.percentage) for s in run.samples if s.percentage is not None], final)
    meta = view(sampler.values, final) if sampler is not None else None
    return {
        "polls": polls,
        "meta": meta,
        "meta_interval_ms": round(sampler.interval * 1000) if sampler is not None else None,
        "final_percentage": final,
        "reached_100_before_file": final == 100,
    }
