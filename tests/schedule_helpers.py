"""Shared by the scheduled export tests: the recorded pretix cases, URLs, and a fixture-like
helper that removes every schedule a test made (workers of other tests must not find them)."""

import copy
import json
from pathlib import Path

from service.store import get_session
from service.store.schedules import ScheduledExport, ScheduleRun

CASES = json.loads(
    (Path(__file__).parent / "data" / "pretix-2026.8-scheduled-exports.json").read_text()
)
EVENT_URL = "/api/v1/organizers/bigevents/events/sampleconf/scheduled_exports/"
ORGANIZER_URL = "/api/v1/organizers/bigevents/scheduled_exports/"


def body_of(case: dict, base: dict | None = None) -> dict:
    """The valid event body with the case's change applied and its removals left out."""
    body = copy.deepcopy(base or CASES["valid_event_body"])
    body.update(copy.deepcopy(case.get("change", {})))
    for name in case.get("remove", []):
        body.pop(name, None)
    return body


def remove_all_schedules(app) -> None:
    with app.app_context():
        session = get_session()
        session.query(ScheduleRun).delete()
        session.query(ScheduledExport).delete()
        session.commit()
