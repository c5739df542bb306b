"""The pages in a real browser: headless Debian Chromium driven by Playwright, against the app
served over HTTP and a real worker process.

Set UPDATE_SCREENSHOTS=1 to also write docs/screenshots/*.png from a live run.
"""

import os
import re
import threading
import time
from pathlib import Path

import pytest
from openpyxl import load_workbook
from werkzeug.serving import make_server

from service.auth import create_team_token
from service.store import get_session
from service.store.demo import generate_demo_data
from service.store.models import Organizer

CHROMIUM = "/usr/bin/chromium"
if not os.path.exists(CHROMIUM):
    pytest.skip(
        f"{CHROMIUM} is missing: install Debian's chromium (scripts/ensure-chromium.sh)",
        allow_module_level=True,
    )
playwright_api = pytest.importorskip(
    "playwright.sync_api", reason="playwright is not installed (pip install -e '.[dev]')"
)
expect = playwright_api.expect
PlaywrightError = playwright_api.Error

ROOT = Path(__file__).resolve().parent.parent
SCREENSHOTS = ROOT / "docs" / "screenshots"
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
ORGANIZER, EVENT, ORDERS = "festival2", "bigfest", 15_000
EVENT_PAGE = f"/organizers/{ORGANIZER}/events/{EVENT}/exporters/"
STATE_SCRIPT = """() => {
    const state = document.querySelector('#status .state');
    const bar = document.querySelector('#status progress');
    return [state && state.dataset.state, bar && bar.getAttribute('value')];
}"""


@pytest.fixture(scope="session")
def live_url(app):
    """The app on a real HTTP server in a thread, as a browser reaches it."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)


@pytest.fixture(scope="session")
def browser():
    with playwright_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=LAUNCH_ARGS
        )
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def bigfest_token(app, demo) -> str:
    """A token of an organizer with a big event, whose exports run long enough to watch."""
    with app.app_context():
        session = get_session()
        result = generate_demo_data(session, ORGANIZER, EVENT, orders=ORDERS, seed=9)
        organizer = session.get(Organizer, result.organizer_id)
        token = create_team_token(session, organizer, "browser")
        session.commit()
    return token


@pytest.fixture
def page(redis, browser, live_url, bigfest_token):
    """A signed-in page in a fresh browser context (its own cookies). Redis is emptied
    before signing in, not after: the sign-in is recorded there."""
    context = browser.new_context(
        base_url=live_url, accept_downloads=True, viewport={"width": 1280, "height": 800}
    )
    context.set_default_timeout(15_000)
    signed_in = context.new_page()
    signed_in.goto("/")
    expect(signed_in).to_have_url(f"{live_url}/login")
    signed_in.fill("#token", bigfest_token)
    signed_in.get_by_role("button", name="Sign in").click()
    expect(signed_in.get_by_role("heading", name="Your exports")).to_be_visible()
    yield signed_in
    context.close()


def start_export(page, export_format: str = "xlsx") -> str:
    """Start an order export from the event's page; returns the export page's URL."""
    page.goto("/")
    page.locator(f'a[href="{EVENT_PAGE}"]').click()
    form = page.locator("#exporter-orderlist form")
    form.locator('select[name="_format"]').select_option(export_format)
    form.get_by_role("button", name="Start export").click()
    expect(page).to_have_url(re.compile(r"/exports/[0-9a-f-]{36}$"))
    return page.url


def watch(page, timeout: float = 90) -> list[tuple[str, str | None]]:
    """The states and percentages the export page shows, until the export ends."""
    observed = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            state, value = page.evaluate(STATE_SCRIPT)
        except PlaywrightError:  # the page is reloading itself
            continue
        if state and (not observed or observed[-1] != (state, value)):
            observed.append((state, value))
        if state in ("finished", "failed", "expired"):
            return observed
        page.wait_for_timeout(100)
    raise AssertionError(f"the export did not end in {timeout} s: {observed}")


def test_sign_in_start_an_export_watch_it_and_download_it(page, worker_process, tmp_path):
    start_export(page, "xlsx")
    observed = watch(page)

    states = [state for state, _ in observed]
    assert states[-1] == "finished", observed
    order = {"waiting": 0, "running": 1, "finished": 2}
    assert [order[s] for s in states] == sorted(order[s] for s in states), observed
    percentages = [int(value) for state, value in observed if state == "running" and value]
    assert percentages, f"never saw a running export with a percentage: {observed}"
    assert percentages == sorted(percentages)
    assert all(0 <= p <= 100 for p in percentages)
    expect(page.locator('meta[http-equiv="refresh"]')).to_have_count(0)

    with page.expect_download() as download_info:
        page.get_by_role("link", name=re.compile(r"^Download ")).click()
    download = download_info.value
    assert download.suggested_filename == f"{EVENT}_orders.xlsx"
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    workbook = load_workbook(path, read_only=True)
    assert workbook.sheetnames == ["Orders", "Order positions", "Order fees"]
    rows = sum(1 for _ in workbook["Orders"].iter_rows()) - 1
    workbook.close()
    assert rows == ORDERS

    page.goto("/")
    row = page.locator("tr.export").first
    expect(row.locator(".state")).to_have_text("finished")
    expect(row.get_by_role("link", name="Download")).to_be_visible()


def test_the_dashboard_fits_a_phone_screen(browser, live_url, page):
    page.set_viewport_size({"width": 390, "height": 844})
    for path in ("/", EVENT_PAGE):
        page.goto(path)
        fits = page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        assert fits, f"{path} scrolls sideways on a phone"


@pytest.mark.skipif(
    not os.environ.get("UPDATE_SCREENSHOTS"), reason="set UPDATE_SCREENSHOTS=1 to write them"
)
def test_write_screenshots(page, worker_process):
    """docs/screenshots: the dashboard with a finished and a running export, and the page of
    a running export."""
    page.set_viewport_size({"width": 1280, "height": 560})
    start_export(page, "orders:default")
    expect(page.locator("#status .state")).to_have_text("finished", timeout=90_000)
    running_url = start_export(page, "xlsx")
    start_export(page, "positions:semicolon")
    page.goto(running_url)
    past_a_fifth = re.compile(r"^([2-9]\d)$")
    expect(page.locator("#status progress")).to_have_attribute(
        "value", past_a_fifth, timeout=60_000
    )
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / "export-running.png")
    page.goto("/")
    expect(page.locator("tr.export progress[value]")).to_be_visible(timeout=60_000)
    page.screenshot(path=SCREENSHOTS / "dashboard.png")
