"""The pages in a real browser: headless Debian Chromium driven by Playwright, against the app
served over HTTP and a real worker process.

Set UPDATE_SCREENSHOTS=1 to also write docs/screenshots/*.png from a live run.
"""

import json
import os
import re
import threading
import time
import urllib.request
from pathlib import Path

import pytest
from openpyxl import load_workbook
from prometheus_client.parser import text_string_to_metric_families
from werkzeug.serving import make_server

from service import records
from service.auth import create_team_token, hash_token
from service.operators.tokens import create_operator_token
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
EVENT_NAME = "Bigfest"  # the demo data's name for the slug
BIGFEST_TOKEN: list[str] = []
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
    BIGFEST_TOKEN[:] = [token]
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


def start_export(page, export_format: str = "xlsx", paid_only: bool = True) -> str:
    """Start an order export from the exporter's page; returns the export page's URL."""
    page.goto("/")
    page.locator(f'a[href="{EVENT_PAGE}"]').click()
    page.get_by_role("link", name="Order data", exact=True).click()
    form = page.locator("#exporter-orderlist form")
    form.locator('select[name="_format"]').select_option(export_format)
    form.locator('input[name="paid_only"]').set_checked(paid_only)
    form.get_by_role("button", name="Start export").click()
    expect(page).to_have_url(re.compile(r"/exports/[0-9a-f-]{36}\?download=auto$"))
    return page.url


def metrics(live_url: str, token: str) -> dict:
    request = urllib.request.Request(
        f"{live_url}/metrics", headers={"Authorization": f"Bearer {token}"}
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        text = response.read().decode()
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


@pytest.fixture(scope="session")
def operator_token(app, demo) -> str:
    with app.app_context():
        session = get_session()
        token = create_operator_token(session, "browser")
        session.commit()
    return token


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


def test_sign_in_start_an_export_watch_it_and_download_it(
    page, worker_process, tmp_path, live_url, operator_token
):
    before = metrics(live_url, operator_token)
    start_export(page, "xlsx", paid_only=False)
    with page.expect_download(timeout=90_000) as automatic:
        observed = watch(page)
    assert automatic.value.suggested_filename == f"{EVENT}_orders.xlsx"  # by itself

    states = [state for state, _ in observed]
    assert states[-1] == "finished", observed
    order = {"waiting": 0, "running": 1, "finished": 2}
    assert [order[s] for s in states] == sorted(order[s] for s in states), observed
    percentages = [int(value) for state, value in observed if state == "running" and value]
    assert percentages, f"never saw a running export with a percentage: {observed}"
    assert percentages == sorted(percentages)
    assert all(0 <= p <= 100 for p in percentages)

    # The worker process counted it; this web process reports it.
    after = metrics(live_url, operator_token)
    finished = ("exports_finished_total", (("exporter", "orderlist"),))
    assert after[finished] - before.get(finished, 0) == 1
    duration = ("export_duration_seconds_count", (("exporter", "orderlist"),))
    assert after[duration] - before.get(duration, 0) == 1

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


def test_the_forms_show_names_and_pretix_defaults(page):
    page.goto(EVENT_PAGE + "orderlist/")
    form = page.locator("#exporter-orderlist form")
    expect(form.locator('select[name="_format"] option[value="positions:default"]')).to_have_text(
        "Order positions — CSV (comma-separated)"
    )
    expect(form.locator('select[name="_format"]')).to_have_value("xlsx")
    expect(form.locator('input[name="paid_only"]')).to_be_checked()
    products = form.locator("fieldset", has=page.locator('input[name="items"]'))
    expect(products.locator("label").first).not_to_have_text(re.compile(r"^\s*\d+\s*$"))
    expect(products).to_contain_text(re.compile(r"[A-Za-z]{3,}"))
    page.goto(EVENT_PAGE + "paymentlist/")
    checked = page.locator('input[name="payment_states"]:checked')
    expect(checked).to_have_count(2)
    assert sorted(checked.evaluate_all("boxes => boxes.map(b => b.value)")) == [
        "confirmed",
        "refunded",
    ]
    expect(page.locator('input[name="refund_states"]:checked')).to_have_count(3)
    page.goto(f"/organizers/{ORGANIZER}/exporters/orderlist/")
    expect(page.locator('input[name="all_events"][value="true"]')).to_be_checked()
    event_box = page.locator(f'input[name="events"][value="{EVENT}"]')
    expect(event_box).not_to_be_checked()
    expect(page.locator("label", has=event_box)).to_contain_text(EVENT_NAME)

    # A from-date after the to-date marks both dates.
    page.goto(EVENT_PAGE + "orderlist/")
    page.fill("#field-date_range-from", "2027-02-01")
    page.fill("#field-date_range-to", "2027-01-01")
    page.get_by_role("button", name="Start export").click()
    expect(page.locator(".field-error")).to_have_text("The “from” date is after the “to” date.")
    expect(page.locator("#field-date_range-from")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#field-date_range-to")).to_have_attribute("aria-invalid", "true")


def test_a_canceled_export_says_canceled(page):
    start_export(page, "xlsx")  # no worker: it waits
    page.get_by_role("button", name="Cancel export").click()
    expect(page.locator("#status .state")).to_have_text("canceled")
    page.goto("/")
    expect(page.locator("tr.export").first.locator(".state")).to_have_text("canceled")
    page.goto("/?state=canceled")
    expect(page.locator("tr.export")).to_have_count(1)
    page.goto("/?state=finished")
    expect(page.locator("tr.export")).to_have_count(0)


def test_run_again_starts_an_identical_export(app, page):
    start_export(page, "positions:semicolon", paid_only=False)
    page.goto("/")
    page.locator("tr.export").first.get_by_role("button", name="Run again").click()
    expect(page).to_have_url(re.compile(r"/exports/[0-9a-f-]{36}\?download=auto$"))
    with app.app_context():
        first, second = records.of_token(hash_token(BIGFEST_TOKEN[0]))[:2][::-1]
    assert first["file_id"] != second["file_id"]
    for key in ("exporter", "organizer", "event", "event_ids", "events", "params"):
        assert first[key] == second[key], key
    parameters = json.loads(second["params"])
    assert parameters["_format"] == "positions:semicolon" and parameters["paid_only"] is False


def test_the_operator_reaches_the_operator_side_and_a_team_does_not(
    browser, live_url, page, operator_token
):
    for path in ("/operator/", "/operator/rq/", "/metrics"):
        assert page.goto(path).status == 404  # the team's session
    context = browser.new_context(base_url=live_url, viewport={"width": 1280, "height": 800})
    try:
        operator = context.new_page()
        operator.goto("/login")
        operator.fill("#token", operator_token)
        operator.get_by_role("button", name="Sign in").click()
        expect(operator).to_have_url(f"{live_url}/operator/")
        expect(operator.get_by_role("heading", name="Exports across organizers")).to_be_visible()
        assert operator.goto("/operator/rq/").status == 200
        expect(operator.get_by_text("Queues").first).to_be_visible()
    finally:
        context.close()


def test_the_exports_table_fits_1280_pixels(page):
    for fmt in ("xlsx", "orders:default", "fees:semicolon"):
        start_export(page, fmt)
    for width in (1280, 1024):
        page.set_viewport_size({"width": width, "height": 800})
        for path in ("/", EVENT_PAGE + "orderlist/"):
            page.goto(path)
            wrap = page.locator(".table-wrap")
            cut = wrap.evaluate("w => w.scrollWidth > w.clientWidth")
            assert not cut, f"the exports table of {path} scrolls sideways at {width} px"
            fits = page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
            assert fits, f"{path} scrolls sideways at {width} px"


def test_the_dashboard_fits_a_phone_screen(browser, live_url, page):
    page.set_viewport_size({"width": 390, "height": 844})
    for path in ("/", EVENT_PAGE):
        page.goto(path)
        fits = page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        assert fits, f"{path} scrolls sideways on a phone"


@pytest.mark.skipif(
    not os.environ.get("UPDATE_SCREENSHOTS"), reason="set UPDATE_SCREENSHOTS=1 to write them"
)
def test_write_screenshots(browser, live_url, page, worker_process, operator_token):
    """docs/screenshots: the dashboard with a finished and a running export, the page of a
    running export, an exporter's page and the operator page."""
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
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(EVENT_PAGE + "orderlist/")
    page.screenshot(path=SCREENSHOTS / "exporter.png")
    context = browser.new_context(base_url=live_url, viewport={"width": 1280, "height": 800})
    operator = context.new_page()
    operator.goto("/login")
    operator.fill("#token", operator_token)
    operator.get_by_role("button", name="Sign in").click()
    expect(operator.get_by_role("heading", name="Exports across organizers")).to_be_visible()
    operator.screenshot(path=SCREENSHOTS / "operator.png", full_page=True)
    context.close()
