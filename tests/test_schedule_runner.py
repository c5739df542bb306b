"""The runner's decisions, driven step by step in this process: the claim race, a run whose
worker died, an export without data, failures counted until the schedule stops, rights that
shrank, and the outbox used without a mail server."""

import threading
import time as clock
from datetime import UTC, datetime, timedelta

import pytest
from rq.job import JobStatus
from sqlalchemy.orm import Session

from service import records
from service.jobs import WORKER_LOST, fetch_job
from service.schedules import claim, runner
from service.store import create_all, get_engine, get_session, make_engine
from service.store.models import Organizer, TeamAPIToken
from service.store.schedules import ScheduledExport, ScheduleRun

from .schedule_helpers import CASES, EVENT_URL, remove_all_schedules
from .smtp_server import SmtpServer


@pytest.fixture
def smtp(app, monkeypatch):
    server = SmtpServer().start()
    monkeypatch.setitem(app.config, "SMTP_URL", server.url)
    yield server
    server.stop()


@pytest.fixture
def api(client, app):
    yield client
    remove_all_schedules(app)


def make_due(api, demo, app, headers=None, **changes) -> int:
    body = {**CASES["valid_event_body"], "export_form_data": {"_format": "orders:default"}}
    body.update(changes)
    response = api.post(EVENT_URL, json=body, headers=headers or demo.headers())
    assert response.status_code == 201, response.get_json()
    schedule_id = response.get_json()["id"]
    set_due(app, schedule_id)
    return schedule_id


def set_due(app, schedule_id: int) -> None:
    with app.app_context():
        session = get_session()
        row = session.get(ScheduledExport, schedule_id)
        row.schedule_next_run = datetime.now(UTC).replace(tzinfo=None) - timedelta(seconds=1)
        session.commit()


def step(app, run_jobs=None) -> None:
    """One round of the runner, then the queue worked off in this process."""
    with app.app_context():
        runner.run_due(get_session())
    if run_jobs is not None:
        run_jobs()
    with app.app_context():
        runner.follow_open_runs(get_session())


def runs(app, schedule_id: int) -> list[ScheduleRun]:
    with app.app_context():
        query = get_session().query(ScheduleRun).filter(ScheduleRun.schedule_id == schedule_id)
        return query.order_by(ScheduleRun.id).all()


def schedule_row(app, schedule_id: int) -> ScheduledExport:
    with app.app_context():
        return get_session().get(ScheduledExport, schedule_id)


def wait_for_state(app, schedule_id: int, state: str, timeout: float = 15) -> ScheduleRun:
    deadline = clock.monotonic() + timeout
    while clock.monotonic() < deadline:
        done = [run for run in runs(app, schedule_id) if run.state == state]
        if done:
            return done[-1]
        clock.sleep(0.1)
    raise AssertionError(f"no run reached {state}: {runs(app, schedule_id)}")


def test_of_many_claims_of_one_due_time_exactly_one_wins(api, demo, app):
    schedule_id = make_due(api, demo, app)
    due_at = schedule_row(app, schedule_id).schedule_next_run
    with app.app_context():
        engine = get_engine()
    results, barrier = [], threading.Barrier(8)

    def contend():
        with Session(engine) as session:
            barrier.wait()
            now = datetime.now(UTC).replace(tzinfo=None)
            results.append(claim.claim(session, schedule_id, due_at, due_at + timedelta(1), now))

    threads = [threading.Thread(target=contend) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len([r for r in results if r is not None]) == 1
    assert [run.due for run in runs(app, schedule_id)] == [due_at]


def test_claims_race_on_postgresql(postgres_schemas):
    engine = make_engine(postgres_schemas("claims"))
    create_all(engine)
    with Session(engine) as session:
        organizer = Organizer(slug="race", name="Race")
        session.add(organizer)
        session.flush()
        due_at = datetime(2026, 12, 7, 3, 0)
        row = ScheduledExport(
            organizer_id=organizer.id,
            owner="team",
            token_hash="0" * 64,
            export_identifier="orderlist",
            mail_subject="s",
            mail_template="t",
            schedule_rrule="FREQ=DAILY",
            schedule_rrule_time=datetime(2026, 1, 1, 4).time(),
            schedule_next_run=due_at,
        )
        session.add(row)
        session.commit()
        schedule_id = row.id
    results, barrier = [], threading.Barrier(10)

    def contend():
        with Session(engine) as session:
            barrier.wait()
            results.append(claim.claim(session, schedule_id, due_at, due_at + timedelta(1), due_at))

    threads = [threading.Thread(target=contend) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    engine.dispose()
    assert len([r for r in results if r is not None]) == 1


def test_a_run_whose_worker_died_is_started_again(api, demo, app, smtp, run_jobs):
    schedule_id = make_due(api, demo, app)
    with app.app_context():
        runner.run_due(get_session())
    [first] = runs(app, schedule_id)
    assert first.state == "running" and first.attempts == 1
    # Its worker took the job and died: the job is "started" and nothing keeps it alive.
    with app.app_context():
        records.save(first.file_id, state="running")
        job = fetch_job(records.load(first.file_id)["job_id"])
        job.set_status(JobStatus.STARTED)
        runner.follow_open_runs(get_session())
        assert records.load(first.file_id)["message"] == WORKER_LOST
    [again] = runs(app, schedule_id)
    assert again.state == "running" and again.attempts == 2 and again.file_id != first.file_id
    run_jobs()
    step(app)
    sent = wait_for_state(app, schedule_id, "sent")
    assert sent.filename == "sampleconf_orders.csv"
    assert len(smtp.wait_for(1, timeout=10)) == 1
    assert schedule_row(app, schedule_id).error_counter == 0


def test_an_export_without_data_sends_a_short_mail_and_is_no_error(
    api, demo, app, smtp, run_jobs, failing_exporters
):
    schedule_id = make_due(
        api, demo, app, export_identifier="always_empty", export_form_data={"_format": "default"}
    )
    with app.app_context():
        session = get_session()
        session.get(ScheduledExport, schedule_id).error_counter = 2
        session.commit()
    step(app, run_jobs)
    wait_for_state(app, schedule_id, "empty")
    [mail] = smtp.wait_for(1, timeout=10)
    assert list(mail.message.iter_attachments()) == []
    body = mail.message.get_body(("plain",)).get_content()
    assert "Your export did not contain any data." in body
    assert schedule_row(app, schedule_id).error_counter == 0


def test_five_failures_in_a_row_stop_the_schedule_and_say_so(api, demo, app, smtp):
    """A token revoked after it made the schedule: every run fails and counts."""
    headers = demo.headers("limited")
    schedule_id = make_due(api, demo, app, headers=headers)
    with app.app_context():
        session = get_session()
        token = session.query(TeamAPIToken).filter_by(name="limited").one()
        token.active = False
        session.commit()
    try:
        for count in range(1, 6):
            set_due(app, schedule_id)
            step(app)
            row = schedule_row(app, schedule_id)
            assert row.error_counter == count
            assert row.error_last_message == "The API token of this schedule has been revoked."
        [mail] = smtp.wait_for(1, timeout=10)
        assert mail.message["Subject"] == "Scheduled export stopped: Weekly order data"
        body = mail.message.get_body(("plain",)).get_content()
        assert "failed 5 times in a row" in body and "revoked" in body
        set_due(app, schedule_id)
        step(app)  # stopped: not claimed again
        assert len(runs(app, schedule_id)) == 5
        assert all(run.state == "failed" for run in runs(app, schedule_id))
    finally:
        with app.app_context():
            session = get_session()
            session.query(TeamAPIToken).filter_by(name="limited").one().active = True
            session.commit()
    # Any change resets the counter.
    url = f"{EVENT_URL}{schedule_id}/"
    patched = api.patch(url, json={"mail_subject": "Again"}, headers=demo.headers())
    assert patched.get_json()["error_counter"] == 0


def test_a_token_whose_rights_shrank_fails_the_run(api, demo, app, smtp):
    schedule_id = make_due(api, demo, app, headers=demo.headers("limited"))
    with app.app_context():
        session = get_session()
        team = session.query(TeamAPIToken).filter_by(name="limited").one().team
        team.can_view_orders = False
        session.commit()
    try:
        step(app)
    finally:
        with app.app_context():
            session = get_session()
            session.query(TeamAPIToken).filter_by(name="limited").one().team.can_view_orders = True
            session.commit()
    [run] = runs(app, schedule_id)
    assert (run.state, run.message) == ("failed", "No access to exporter.")
    assert schedule_row(app, schedule_id).error_counter == 1


def test_without_a_mail_server_mails_go_to_the_outbox(
    api, demo, app, run_jobs, tmp_path, monkeypatch
):
    monkeypatch.setitem(app.config, "SMTP_URL", "")
    monkeypatch.setitem(app.config, "MAIL_OUTBOX", str(tmp_path / "outbox"))
    schedule_id = make_due(api, demo, app)
    step(app, run_jobs)
    wait_for_state(app, schedule_id, "sent")
    [eml] = list((tmp_path / "outbox").glob("*.eml"))
    text = eml.read_bytes()
    assert b"Subject: Weekly order data" in text
    assert b"Bcc: audit@example.org" in text
    assert b'filename="sampleconf_orders.csv"' in text
