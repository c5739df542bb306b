"""The declarative base and the column types every domain module shares.

Columns added after the first stores were made are nullable or have a server default, so
that ``init-db`` can add them to tables that already hold rows (see ``store.upgrade``).
"""

from sqlalchemy import JSON, Numeric
from sqlalchemy.orm import DeclarativeBase

# Money: pretix's amounts have two decimals.
Money = Numeric(13, 2)
# Tax rates in percent, like pretix's "19.00".
Rate = Numeric(10, 2)
# Values pretix keeps as JSON (translated names, name parts, payment details, ...); plain JSON
# on SQLite, ``json`` on PostgreSQL.
Json = JSON(none_as_null=True)


class Base(DeclarativeBase):
    pass
