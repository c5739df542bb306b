"""An RQ worker for the configured Redis, with the app context available to export jobs.

Run as many as you like: ``python worker.py`` (add ``--burst`` to exit when the queue is empty).
"""

import argparse
import os

from service import create_app
from service.jobs.worker import work
from service.store import get_engine


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--burst", action="store_true", help="Exit once the queue is empty.")
    args = parser.parse_args()
    app = create_app()
    # Exports are batch work: on a machine shared with the web processes, polls and page
    # views go first. The forked job processes inherit this.
    os.nice(app.config["WORKER_NICENESS"])
    with app.app_context():
        engine = get_engine()
    # A work horse must not take over pooled connections of the worker it was forked from
    # (their sockets stay the worker's).
    os.register_at_fork(after_in_child=lambda: engine.dispose(close=False))
    work(app, burst=args.burst)


if __name__ == "__main__":
    main()
