"""The scheduled export pages in a real browser (headless Chromium): create a schedule with
the exporter's own form and the picker, see it with its next run and last runs, edit, pause,
resume and delete it; wrong input is shown at its field.

With UPDATE_SCREENSHOTS=1 the screenshots go to docs/screenshots/, else to a temporary folder.
"""

import os
import re
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from service.store import get_session
from service.store.schedules import ScheduledExport, ScheduleRun

from .schedule_helpers import remove_all_schedules

CHROMIUM = "/usr/bin/chromium"
if not os.path.exists(CHROMIUM):
    pytest.skip(f"{CHROMIUM} is missing (scripts/ensure-chromium.sh)", allow_module_level=True)
playwright_api = pytest.importorskip("playwright.sync_api")
expect = playwright_api.expect

SCREENSHOTS = Path(__file__).resolve().parent.parent / "docs" / "screenshots"
SCHEDULES = "/organizers/bigevents/schedules/"
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run"]


@pytest.fixture(scope="module")
def live_url(app):
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)


@pytest.fixture
def in_browser(redis, live_url, demo, app):
    """Runs ``steps(page)`` signed in, in a thread of its own: Playwright's sync API wants a
    thread without an event loop, and the other browser tests keep theirs open."""

    def run(steps) -> None:
        failures = []

        def drive():
            try:
                with playwright_api.sync_playwright() as playwright:
                    browser = playwright.chromium.launch(
                        executable_path=CHROMIUM, headless=True, args=LAUNCH_ARGS
                    )
                    try:
                        context = browser.new_context(
                            base_url=live_url, viewport={"width": 1280, "height": 720}
                        )
                        context.set_default_timeout(15_000)
                        page = context.new_page()
                        page.goto("/login")
                        page.fill("#token", demo.tokens["full"])
                        page.get_by_role("button", name="Sign in").click()
                        expect(page.get_by_role("heading", name="Your exports")).to_be_visible()
                        steps(page)
                    finally:
                        browser.close()
            except BaseException as exc:  # handed to the test's thread
                failures.append(exc)

        thread = threading.Thread(target=drive)
        thread.start()
        thread.join(timeout=120)
        if failures:
            raise failures[0]

    yield run
    remove_all_schedules(app)


@pytest.fixture
def shots(tmp_path):
    folder = SCREENSHOTS if os.environ.get("UPDATE_SCREENSHOTS") else tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def add_runs(app, subject: str) -> None:
    """Two past runs, so the list shows outcomes."""
    with app.app_context():
        session = get_session()
        row = session.query(ScheduledExport).filter_by(mail_subject=subject).one()
        now = datetime.now(UTC).replace(tzinfo=None, microsecond=0)
        session.add_all(
            [
                ScheduleRun(schedule_id=row.id, due=now - timedelta(days=7), state="sent",
                            touched=now, filename="sampleconf_orders.csv", size=1234),
                ScheduleRun(schedule_id=row.id, due=now - timedelta(days=14), state="failed",
                            touched=now, message="The mail server smtp.example.org:587 "
                            "refused the recipient old@example.org (550 No such user)."),
            ]
        )  # fmt: skip
        session.commit()


def test_create_see_edit_pause_and_delete_a_schedule(in_browser, app, shots):
    in_browser(lambda page: create_see_edit_pause_and_delete(page, app, shots))


def create_see_edit_pause_and_delete(page, app, shots):
    page.get_by_role("link", name="Scheduled exports").click()
    expect(page).to_have_url(re.compile(SCHEDULES + "$"))
    page.locator("#schedules-sampleconf").get_by_role("link", name="New schedule").click()
    page.get_by_role("link", name="Order data", exact=True).click()

    page.locator('select[name="_format"]').select_option("orders:default")
    page.locator("#field-paid_only").check()
    page.locator('input[name="frequency"][value="weekly"]').check()
    page.locator('input[name="days"][value="WE"]').check()
    page.fill("#field-time", "06:30")
    page.fill("#field-mail_additional_recipients", "mary@example.org, not-an-address")
    page.fill("#field-mail_subject", "Weekly orders")
    page.screenshot(path=shots / "schedule-form.png", full_page=True)
    page.get_by_role("button", name="Create schedule").click()

    error = page.locator('.field-error[data-field="mail_additional_recipients"]')
    expect(error).to_have_text("Enter a valid email address.")
    expect(page.locator('select[name="_format"]')).to_have_value("orders:default")
    page.fill("#field-mail_additional_recipients", "mary@example.org, john@example.com")
    page.get_by_role("button", name="Create schedule").click()

    expect(page.locator(".notice")).to_have_text("The schedule was created.")
    row = page.locator("tr.schedule")
    expect(row).to_have_count(1)
    expect(row.locator('td[data-label="When"]')).to_contain_text("Weekly on Mon, Wed")
    expect(row.locator('td[data-label="When"]')).to_contain_text("at 06:30 Europe/Berlin")
    expect(row.locator(".next-run")).to_contain_text(re.compile(r"\d{4}-\d\d-\d\d \d\d:30:00 UTC"))
    expect(row.locator('td[data-label="Export"]')).to_contain_text("paid_only=True")

    add_runs(app, "Weekly orders")
    page.reload()
    expect(row.locator(".run")).to_have_count(2)
    expect(row.locator(".run").first).to_contain_text("sent")
    expect(row.locator(".run").nth(1)).to_contain_text("refused the recipient old@example.org")
    page.screenshot(path=shots / "schedules.png", full_page=True)

    row.get_by_role("link", name="Edit").click()
    expect(page.locator('input[name="days"][value="WE"]')).to_be_checked()
    expect(page.locator("#field-paid_only")).to_be_checked()
    page.locator('input[name="frequency"][value="monthly"]').check()
    page.get_by_role("button", name="Save schedule").click()
    expect(row.locator('td[data-label="When"]')).to_contain_text("Monthly, on the first day")

    row.get_by_role("button", name="Pause").click()
    expect(row.locator(".next-run")).to_contain_text("paused")
    row.get_by_role("button", name="Resume").click()
    expect(row.locator(".next-run")).to_contain_text("UTC")

    row.get_by_role("button", name="Delete").click()
    expect(page.locator("tr.schedule")).to_have_count(0)
    expect(page.locator(".notice")).to_contain_text("was deleted")


def test_an_organizer_level_schedule_has_a_time_zone(in_browser):
    in_browser(organizer_level_schedule)


def organizer_level_schedule(page):
    page.goto(SCHEDULES)
    page.locator("#schedules-_organizer").get_by_role("link", name="New schedule").click()
    page.get_by_role("link", name="Order data", exact=True).click()
    page.locator('select[name="_format"]').select_option("xlsx")
    page.locator('input[name="frequency"][value="daily"]').check()
    page.fill("#field-time", "07:00")
    page.locator("#field-timezone").select_option("America/New_York")
    page.fill("#field-mail_additional_recipients_bcc", "audit@example.org")
    page.get_by_role("button", name="Create schedule").click()
    row = page.locator("#schedules-_organizer tr.schedule")
    expect(row.locator('td[data-label="When"]')).to_contain_text("Daily")
    expect(row.locator('td[data-label="When"]')).to_contain_text("07:00 America/New_York")
