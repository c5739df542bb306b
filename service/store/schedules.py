"""Scheduled exports and their runs.

A schedule belongs to an event (``event_id``) or to its organizer (``event_id`` null, with a
``timezone`` of its own). It keeps the hash of the token that made it, so its runs use that
team's rights as they are at run time. A run is one due time of one schedule: the unique
(schedule, due) pair is what makes each due time run once, whichever worker claims it.
"""

from datetime import datetime, time

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .models import Base

# Consecutive failures after which a schedule stops running (as pretix).
MAX_ERRORS = 5


class ScheduledExport(Base):
    __tablename__ = "scheduled_exports"
    __table_args__ = (Index("ix_scheduled_exports_due", "schedule_next_run"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organizer_id: Mapped[int] = mapped_column(ForeignKey("organizers.id"), index=True)
    event_id: Mapped[int | None] = mapped_column(ForeignKey("events.id"), index=True)
    owner: Mapped[str] = mapped_column(String(190))
    token_hash: Mapped[str] = mapped_column(String(64), index=True)
    export_identifier: Mapped[str] = mapped_column(String(190))
    export_form_data: Mapped[str] = mapped_column(Text, default="{}")  # JSON, in pretix's shape
    locale: Mapped[str] = mapped_column(String(32), default="en")
    mail_additional_recipients: Mapped[str] = mapped_column(Text, default="")
    mail_additional_recipients_cc: Mapped[str] = mapped_column(Text, default="")
    mail_additional_recipients_bcc: Mapped[str] = mapped_column(Text, default="")
    mail_subject: Mapped[str] = mapped_column(String(250))
    mail_template: Mapped[str] = mapped_column(Text)
    schedule_rrule: Mapped[str] = mapped_column(Text)
    schedule_rrule_time: Mapped[time]
    schedule_next_run: Mapped[datetime | None]  # naive UTC; null: the rule has no more dates
    timezone: Mapped[str | None] = mapped_column(String(100))  # organizer level only
    error_counter: Mapped[int] = mapped_column(default=0)
    error_last_message: Mapped[str | None] = mapped_column(Text)
    paused: Mapped[bool] = mapped_column(default=False)
    # Where the service was reached when the schedule was saved: download links in mails.
    base_url: Mapped[str] = mapped_column(String(500), default="")


class ScheduleRun(Base):
    """One due time of a schedule, from its claim to its mail.

    ``state``: ``claimed`` (no export yet), ``running`` (``file_id`` is the export),
    ``delivering`` (the mail is being sent), then ``sent``, ``empty`` or ``failed``.
    """

    __tablename__ = "scheduled_export_runs"
    __table_args__ = (
        UniqueConstraint("schedule_id", "due"),
        Index("ix_scheduled_export_runs_open", "state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    schedule_id: Mapped[int] = mapped_column(
        ForeignKey("scheduled_exports.id", ondelete="CASCADE"), index=True
    )
    due: Mapped[datetime]
    state: Mapped[str] = mapped_column(String(20), default="claimed")
    file_id: Mapped[str | None] = mapped_column(String(36))
    attempts: Mapped[int] = mapped_column(default=0)
    # When the state last changed: a claim or a delivery left this long is taken over.
    touched: Mapped[datetime]
    finished: Mapped[datetime | None]
    message: Mapped[str | None] = mapped_column(Text)
    filename: Mapped[str | None] = mapped_column(String(300))
    size: Mapped[int | None]
