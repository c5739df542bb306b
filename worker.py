"""An RQ worker for the configured Redis, with the app context available to export jobs.

Run as many as you like: ``python worker.py`` (add ``--burst`` to exit when the queue is empty).
"""

import argparse
import os

from redis import Redis
from rq import Queue, Worker

from service import create_app
from service.jobs import schedule_cleanup, warm_up_for_jobs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--burst", action="store_true", help="Exit once the queue is empty.")
    args = parser.parse_args()
    app = create_app()
    # Exports are batch work: on a machine shared with the web processes, polls and page
    # views go first. The forked job processes inherit this.
    os.nice(app.config["WORKER_NICENESS"])
    # No socket timeout here: the worker blocks on Redis while it waits for jobs.
    connection = Redis.from_url(app.config["REDIS_URL"])
    queue = Queue(app.config["EXPORT_QUEUE"], connection=connection)
    with app.app_context():
        warm_up_for_jobs()
        schedule_cleanup(queue)
        # The scheduler runs the periodic cleanup of expired files; no extra process needed.
        Worker([queue], connection=connection).work(burst=args.burst, with_scheduler=True)


if __name__ == "__main__":
    main()
