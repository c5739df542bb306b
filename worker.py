"""An RQ worker for the configured Redis, with the app context available to export jobs.

Run as many as you like: ``python worker.py`` (add ``--burst`` to exit when the queue is empty).
"""

import argparse
import os

from service import create_app
from service.jobs.worker import work


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--burst", action="store_true", help="Exit once the queue is empty.")
    args = parser.parse_args()
    app = create_app()
    # Exports are batch work: on a machine shared with the web processes, polls and page
    # views go first. The forked job processes inherit this.
    os.nice(app.config["WORKER_NICENESS"])
    work(app, burst=args.burst)


if __name__ == "__main__":
    main()
