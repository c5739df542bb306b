"""Which store row an imported object became, so that importing again updates it in place.

An object keeps its id from the source wherever the store had no row with that id; when it
had one (another organizer's, say), the object gets a new id, and this table remembers it.
"""

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base


class ImportedId(Base):
    __tablename__ = "imported_ids"
    __table_args__ = (UniqueConstraint("organizer_id", "kind", "remote_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organizer_id: Mapped[int] = mapped_column(ForeignKey("organizers.id"))
    # The store table the object went to.
    kind: Mapped[str] = mapped_column(String(64))
    remote_id: Mapped[int]
    local_id: Mapped[int]
