"""Text ordered as pretix's database ordered it for the recording: byte by byte (its
customers API, sorted by email, lists "zoë…" before "ümit…"). SQLite compares text that way
already; PostgreSQL follows the database's locale unless told to use the "C" collation."""

from sqlalchemy.orm import Session


def bytewise(session: Session, expression):
    """``expression`` compared byte by byte on any backend."""
    if session.get_bind().dialect.name == "postgresql":
        return expression.collate("C")
    return expression
