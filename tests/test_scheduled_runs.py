"""Schedules coming due in real time: real worker processes claim them, run an ordinary
export and mail the file through a real SMTP server that the test starts."""

import csv
import io
import time as clock
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import openpyxl
import pytest

from service.store import get_session
from service.store.schedules import ScheduledExport, ScheduleRun

from .schedule_helpers import CASES, EVENT_URL, remove_all_schedules
from .smtp_server import SmtpServer, free_port

BERLIN = ZoneInfo("Europe/Berlin")
DAILY = "DTSTART:20260101T000000\nRRULE:FREQ=DAILY"


@pytest.fixture
def smtp():
    server = SmtpServer().start()
    yield server
    server.stop()


@pytest.fixture
def api(client, app):
    yield client
    remove_all_schedules(app)


def due_soon(seconds: float = 6) -> str:
    """A time of day a few seconds ahead, in the event's time zone."""
    return (datetime.now(BERLIN) + timedelta(seconds=seconds)).strftime("%H:%M:%S")


def schedule(api, demo, **changes) -> dict:
    body = {**CASES["valid_event_body"], "schedule_rrule": DAILY, **changes}
    response = api.post(EVENT_URL, json=body, headers=demo.headers())
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def runs_of(app, schedule_id: int) -> list[ScheduleRun]:
    with app.app_context():
        return (
            get_session()
            .query(ScheduleRun)
            .filter(ScheduleRun.schedule_id == schedule_id)
            .order_by(ScheduleRun.id)
            .all()
        )


def stored(app, schedule_id: int) -> ScheduledExport:
    with app.app_context():
        return get_session().get(ScheduledExport, schedule_id)


def text_of(message) -> str:
    """The plain text body, with the line ends it had before SMTP made them CRLF."""
    return message.get_body(("plain",)).get_content().replace("\r\n", "\n").strip()


def wait_until(condition, timeout: float = 40.0):
    deadline = clock.monotonic() + timeout
    while clock.monotonic() < deadline:
        value = condition()
        if value:
            return value
        clock.sleep(0.2)
    return condition()


def test_a_due_schedule_is_mailed_with_its_file(api, demo, app, smtp, start_worker):
    made = schedule(api, demo, schedule_rrule_time=due_soon())
    start_worker(SCHEDULE_POLL_SECONDS="1", SMTP_URL=smtp.url, MAIL_FROM="exports@example.org")
    [mail] = smtp.wait_for(1, timeout=40)

    assert sorted(mail.recipients) == sorted(
        ["mary@example.org", "john@example.com", "audit@example.org"]
    )
    message = mail.message
    assert message["To"] == "mary@example.org, john@example.com"
    assert message["Bcc"] is None  # the Bcc address gets it, but no one sees it
    assert message["From"] == "exports@example.org"
    assert message["Subject"] == "Weekly order data"
    assert text_of(message) == ("Hello,\n\nattached is the weekly order export.")
    [attachment] = list(message.iter_attachments())
    assert attachment.get_filename() == "sampleconf_orders.xlsx"
    data = attachment.get_payload(decode=True)
    workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    assert workbook.sheetnames == ["Orders", "Order positions", "Order fees"]
    orders = list(workbook["Orders"].iter_rows(values_only=True))
    assert orders[0][:2] == ("Event slug", "Event name") and len(orders) > 1

    [run] = wait_until(lambda: [r for r in runs_of(app, made["id"]) if r.state == "sent"])
    assert run.filename == "sampleconf_orders.xlsx" and run.size > 0
    after = stored(app, made["id"])
    assert after.error_counter == 0
    assert after.schedule_next_run.replace(tzinfo=UTC) > datetime.now(UTC) + timedelta(hours=20)
    # An ordinary export of the token: it is among its exports.
    exports = api.get("/api/v1/organizers/bigevents/exports/", headers=demo.headers()).get_json()
    assert [e["filename"] for e in exports["results"]] == ["sampleconf_orders.xlsx"]


def test_several_workers_run_a_due_schedule_exactly_once(api, demo, app, smtp, start_worker):
    at = due_soon(8)
    made = [
        schedule(
            api,
            demo,
            schedule_rrule_time=at,
            mail_subject=f"Schedule {n}",
            export_form_data={"_format": "orders:default"},
        )
        for n in range(3)
    ]
    for _ in range(3):
        start_worker(SCHEDULE_POLL_SECONDS="1", SMTP_URL=smtp.url)
    smtp.wait_for(3, timeout=40)
    clock.sleep(4)  # time for a second claim or mail, were there one
    subjects = sorted(mail.message["Subject"] for mail in smtp.received)
    assert subjects == ["Schedule 0", "Schedule 1", "Schedule 2"]
    for one in made:
        runs = runs_of(app, one["id"])
        assert [(r.state, r.attempts) for r in runs] == [("sent", 1)]
    mail = smtp.received[0].message
    [attachment] = list(mail.iter_attachments())
    assert attachment.get_content_type() == "text/csv"
    assert attachment.get_param("charset") == "utf-8"
    text = attachment.get_payload(decode=True).decode("utf-8")
    rows = list(csv.reader(io.StringIO(text)))
    assert attachment.get_filename() == "sampleconf_orders.csv" and rows[0][0] == "Event slug"


def test_a_refused_recipient_fails_the_run(api, demo, app, smtp, start_worker):
    smtp.handler.refuse.add("john@example.com")
    made = schedule(
        api, demo, schedule_rrule_time=due_soon(), export_form_data={"_format": "orders:default"}
    )
    start_worker(SCHEDULE_POLL_SECONDS="1", SMTP_URL=smtp.url)
    [run] = wait_until(lambda: [r for r in runs_of(app, made["id"]) if r.state == "failed"])
    assert run.message == (
        f"The mail server 127.0.0.1:{smtp.port} refused the recipient john@example.com "
        "(550 5.1.1 No such user here)."
    )
    after = stored(app, made["id"])
    assert after.error_counter == 1 and after.error_last_message == run.message
    # pretix keeps the message out of the API
    shown = api.get(f"{EVENT_URL}{made['id']}/", headers=demo.headers()).get_json()
    assert shown["error_counter"] == 1 and "error_last_message" not in shown


def test_a_mail_server_that_is_down_fails_the_run(api, demo, app, start_worker):
    port = free_port()
    made = schedule(
        api, demo, schedule_rrule_time=due_soon(), export_form_data={"_format": "orders:default"}
    )
    start_worker(SCHEDULE_POLL_SECONDS="1", SMTP_URL=f"smtp://127.0.0.1:{port}")
    [run] = wait_until(lambda: [r for r in runs_of(app, made["id"]) if r.state == "failed"])
    assert run.message.startswith(f"The mail server 127.0.0.1:{port} could not be reached: ")
    assert "refused" in run.message.lower()
    assert stored(app, made["id"]).error_counter == 1


def test_a_file_too_big_to_attach_is_linked(api, demo, app, smtp, start_worker):
    made = schedule(
        api, demo, schedule_rrule_time=due_soon(), export_form_data={"_format": "orders:default"}
    )
    start_worker(SCHEDULE_POLL_SECONDS="1", SMTP_URL=smtp.url, SCHEDULED_EXPORT_MAX_BYTES="100")
    [mail] = smtp.wait_for(1, timeout=40)
    assert list(mail.message.iter_attachments()) == []
    body = text_of(mail.message)
    assert "is larger than 0 MB, so it is not attached" in body
    url = next(line for line in body.splitlines() if "/download/" in line)
    assert url.startswith("http://testserver/download/")
    path = url.removeprefix("http://testserver")
    secret = path.split("/")[2]
    assert len(secret) >= 40
    download = api.get(path)  # no token, no session
    assert download.status_code == 200
    assert download.headers["Content-Disposition"] == 'attachment; filename="sampleconf_orders.csv"'
    assert download.data.decode().startswith('"Event slug"')
    assert api.get(path.replace(secret, secret[:-2] + "xx")).status_code == 404
    wait_until(lambda: [r for r in runs_of(app, made["id"]) if r.state == "sent"])
