"""Taking a due schedule exactly once, however many workers look at the same moment.

The claim is one conditional UPDATE: it moves ``schedule_next_run`` on only if it still holds
the due time this worker read. Of several workers that read the same due time, the database
lets exactly one change the row; the others change nothing and go on. The run is written in
the same transaction, and (schedule, due) is unique besides.
"""

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..store.schedules import MAX_ERRORS, ScheduledExport, ScheduleRun


def due(session: Session, now: datetime) -> list[ScheduledExport]:
    """Schedules whose next run has come, that are neither paused nor stopped by errors."""
    return list(
        session.scalars(
            select(ScheduledExport)
            .where(
                ScheduledExport.schedule_next_run <= now,
                ScheduledExport.paused.is_(False),
                ScheduledExport.error_counter < MAX_ERRORS,
            )
            .order_by(ScheduledExport.schedule_next_run, ScheduledExport.id)
        )
    )


def claim(
    session: Session, schedule_id: int, due_at: datetime, next_at: datetime | None, now: datetime
) -> int | None:
    """The id of the new run if this worker claimed the due time, else None."""
    moved = session.execute(
        update(ScheduledExport)
        .where(ScheduledExport.id == schedule_id, ScheduledExport.schedule_next_run == due_at)
        .values(schedule_next_run=next_at)
        .execution_options(synchronize_session=False)
    )
    if moved.rowcount != 1:
        session.rollback()
        return None
    run = ScheduleRun(schedule_id=schedule_id, due=due_at, state="claimed", touched=now)
    session.add(run)
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        return None
    session.expire_all()  # the schedule's next run changed underneath the loaded object
    return run.id


def take_over(session: Session, run_id: int, state: str, touched: datetime, now: datetime) -> bool:
    """Take a run left in ``state`` since ``touched`` (its worker died): one taker wins."""
    moved = session.execute(
        update(ScheduleRun)
        .where(ScheduleRun.id == run_id, ScheduleRun.state == state, ScheduleRun.touched == touched)
        .values(touched=now)
        .execution_options(synchronize_session=False)
    )
    session.commit()
    session.expire_all()  # the store's sessions keep objects over commits; these changed
    return moved.rowcount == 1


def move(session: Session, run_id: int, from_state: str, to_state: str, now: datetime) -> bool:
    """Move a run on from one state to the next; False if someone else already did."""
    moved = session.execute(
        update(ScheduleRun)
        .where(ScheduleRun.id == run_id, ScheduleRun.state == from_state)
        .values(state=to_state, touched=now)
        .execution_options(synchronize_session=False)
    )
    session.commit()
    session.expire_all()  # the store's sessions keep objects over commits; these changed
    return moved.rowcount == 1
