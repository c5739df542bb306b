"""Time limits on PostgreSQL, so that a database that hangs cannot hold a request.

A paused or frozen server (or a stalled network path) still has its kernel acknowledge
TCP, so neither libpq's timeouts nor keep-alives end the wait, and the server's own
``statement_timeout`` cannot fire while the server is not running. Hence two layers:

* on the server, ``statement_timeout`` for the statements of web requests (none for export
  jobs, whose long queries are bounded by ``EXPORT_TIMEOUT``, which RQ enforces);
* in the client, a watchdog thread that shuts a connection's socket down once its deadline
  has passed: the blocked call then fails with ``OperationalError``, which the app answers
  with 503 and ``Retry-After``. Deadlines cover the check of a pooled connection (the
  connect timeout) and each statement of a web request (its limit and a little more).
"""

import os
import socket
import threading
import time
from contextlib import contextmanager

from flask import has_request_context
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import InvalidatePoolError

# The client gives the server this long beyond its own statement_timeout to say so.
GRACE_SECONDS = 2.0
_TOKEN = "statement_deadline"
_FRESH = "fresh_connection"


class Watchdog:
    """One thread per process that shuts down the sockets of calls past their deadline."""

    def __init__(self) -> None:
        self.reset()
        # A forked child (RQ's job process, a parallel sheet) inherits neither the thread nor
        # a usable lock: it starts afresh.
        os.register_at_fork(after_in_child=self.reset)

    def reset(self) -> None:
        self._started = False
        self._armed: dict[int, tuple[float, int]] = {}
        self._next_token = 0
        self._cond = threading.Condition()

    def arm(self, fd: int, seconds: float) -> int:
        with self._cond:
            if not self._started:
                threading.Thread(target=self._watch, name="db-deadlines", daemon=True).start()
                self._started = True
            self._next_token += 1
            self._armed[self._next_token] = (time.monotonic() + seconds, fd)
            self._cond.notify()
            return self._next_token

    def disarm(self, token: int) -> None:
        with self._cond:
            self._armed.pop(token, None)

    def _watch(self) -> None:
        with self._cond:
            while True:
                now = time.monotonic()
                for token, (deadline, fd) in list(self._armed.items()):
                    if deadline <= now:
                        del self._armed[token]
                        _shut_down(fd)
                soonest = min((d for d, _ in self._armed.values()), default=None)
                self._cond.wait(None if soonest is None else soonest - now)


def _shut_down(fd: int) -> None:
    try:
        sock = socket.socket(fileno=os.dup(fd))
    except OSError:
        return
    with sock:
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


WATCHDOG = Watchdog()


@contextmanager
def deadline(dbapi_connection, seconds: float):
    token = WATCHDOG.arm(dbapi_connection.fileno(), seconds)
    try:
        yield
    finally:
        WATCHDOG.disarm(token)


def install(engine: Engine, connect_timeout: float, statement_timeout: float) -> None:
    """Check each connection as it leaves the pool (within ``connect_timeout``) and give it
    the statement limit of where it is used: ``statement_timeout`` seconds in a web request,
    none elsewhere. Setting the limit is the check: one round trip, as a pre-ping would be."""

    @event.listens_for(engine, "connect")
    def _mark_fresh(_dbapi_connection, record):
        record.info[_FRESH] = True

    @event.listens_for(engine, "checkout")
    def _check_and_limit(dbapi_connection, record, _proxy):
        fresh = record.info.pop(_FRESH, False)
        limit_ms = int(statement_timeout * 1000) if has_request_context() else 0
        try:
            with deadline(dbapi_connection, connect_timeout):
                _set_statement_timeout(dbapi_connection, limit_ms)
        except Exception as exc:
            if fresh:
                raise  # a new connection that does not answer: the database is unavailable
            # Its siblings in the pool are as stale: the next requests connect afresh
            # rather than each waiting for a pooled connection first.
            raise InvalidatePoolError("pooled connection did not answer") from exc

    @event.listens_for(engine, "before_cursor_execute")
    def _arm(conn, _cursor, _statement, _parameters, _context, _executemany):
        if has_request_context() and statement_timeout:
            fd = conn.connection.dbapi_connection.fileno()
            conn.info[_TOKEN] = WATCHDOG.arm(fd, statement_timeout + GRACE_SECONDS)

    @event.listens_for(engine, "after_cursor_execute")
    def _disarm(conn, *_args):
        token = conn.info.pop(_TOKEN, None)
        if token is not None:
            WATCHDOG.disarm(token)

    @event.listens_for(engine, "handle_error")
    def _disarm_on_error(context):
        if context.connection is not None:
            _disarm(context.connection)


def _set_statement_timeout(dbapi_connection, milliseconds: int) -> None:
    """Outside any transaction, so that a rollback does not undo it."""
    autocommit = dbapi_connection.autocommit
    dbapi_connection.autocommit = True
    try:
        dbapi_connection.execute(f"SET statement_timeout = {int(milliseconds)}")
    finally:
        if not dbapi_connection.closed:
            dbapi_connection.autocommit = autocommit
