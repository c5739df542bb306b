"""Section C: the pages for people, through Flask's test client.

Signing in with a token, the session cookie, CSRF, the dashboard's job states, an export's
own page and download, the forms generated from exporter parameters, and that nothing of
another organizer or token ever shows.
"""

import json
import re
import uuid
from html.parser import HTMLParser

import pytest
from itsdangerous import BadSignature
from redis.exceptions import ConnectionError as RedisConnectionError
from rq.job import Job, JobStatus

from service import files, jobs, records
from service.auth import create_team_token, hash_token
from service.exporters import dateframes
from service.store import get_session
from service.store.models import Event, Organizer, TeamAPIToken

EVENT_PAGE = "/organizers/bigevents/events/sampleconf/exporters/"
ORGANIZER_PAGE = "/organizers/bigevents/exporters/"
ORDERLIST_RUN = EVENT_PAGE + "orderlist/run"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# Helpers --------------------------------------------------------------------------------------
class Page(HTMLParser):
    """The parts of a page the tests look at: selects with their options, inputs, metas."""

    def __init__(self, html: str):
        super().__init__()
        self.selects: dict[str, dict] = {}
        self.inputs: dict[str, dict] = {}
        self.metas: list[dict] = []
        self.links: list[str] = []
        self.choices: dict[str, list[dict]] = {}  # checkboxes and radios by name
        self._select = None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "select":
            self._select = {"attrs": attrs, "options": [], "selected": []}
            self.selects[attrs["name"]] = self._select
        elif tag == "option" and self._select is not None:
            self._select["options"].append(attrs.get("value"))
            if "selected" in attrs:
                self._select["selected"].append(attrs.get("value"))
        elif tag == "input" and "name" in attrs:
            self.inputs.setdefault(attrs["name"], attrs)
            if attrs.get("type") in ("checkbox", "radio"):
                self.choices.setdefault(attrs["name"], []).append(attrs)
        elif tag == "meta":
            self.metas.append(attrs)
        elif tag == "a" and "href" in attrs:
            self.links.append(attrs["href"])

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None

    @property
    def refreshes(self) -> bool:
        return any(m.get("http-equiv") == "refresh" for m in self.metas)


def page_of(response) -> Page:
    return Page(response.get_data(as_text=True))


def form_of(response, identifier: str = "orderlist") -> Page:
    """The form of one exporter on an exporters page, which lists several."""
    match = re.search(
        rf'<section class="card exporter" id="exporter-{identifier}">(.*?)</section>',
        text_of(response),
        re.S,
    )
    assert match, f"no form for {identifier}"
    return Page(match.group(1))


def text_of(response) -> str:
    return response.get_data(as_text=True)


class Pages:
    """A browser-like client of the pages: signs in, sends forms with their CSRF token."""

    def __init__(self, client):
        self.client = client

    def csrf(self) -> str:
        page = page_of(self.client.get("/login"))
        return page.inputs["csrf_token"]["value"]

    def sign_in(self, token: str):
        return self.client.post("/login", data={"token": token, "csrf_token": self.csrf()})

    def session_csrf(self) -> str:
        with self.client.session_transaction() as session:
            return session["csrf_token"]

    def post(self, url: str, data: dict | None = None, **kwargs):
        form = {"csrf_token": self.session_csrf(), **(data or {})}
        return self.client.post(url, data=form, **kwargs)

    def start(self, data: dict | None = None, url: str = ORDERLIST_RUN) -> str:
        """Submit an exporter form; returns the started export's file id."""
        response = self.post(url, {"_format": "orders:default", **(data or {})})
        assert response.status_code == 303, text_of(response)
        match = re.fullmatch(
            r"/exports/([0-9a-f-]{36})\?download=auto", response.headers["Location"]
        )
        assert match, response.headers["Location"]
        return match.group(1)

    def get(self, url: str, **kwargs):
        return self.client.get(url, **kwargs)


@pytest.fixture
def pages(client, demo) -> Pages:
    signed_in = Pages(client)
    response = signed_in.sign_in(demo.tokens["full"])
    assert response.status_code == 303
    return signed_in


@pytest.fixture
def other_pages(app, demo, redis) -> Pages:
    signed_in = Pages(app.test_client())
    assert signed_in.sign_in(demo.tokens["other"]).status_code == 303
    return signed_in


@pytest.fixture
def new_token(app):
    """A fresh token of the demo organizer, for tests that revoke or count."""
    with app.app_context():
        session = get_session()
        organizer = session.query(Organizer).filter_by(slug="bigevents").one()
        token = create_team_token(session, organizer, f"pages-{uuid.uuid4().hex[:6]}")
        session.commit()
    return token


def exports_of(app, token: str) -> list[dict]:
    with app.app_context():
        return jobs.exports_of_token(hash_token(token))


def row_of(response, file_id: str) -> str:
    match = re.search(
        rf'<tr class="export" id="export-{file_id}"[^>]*>(.*?)</tr>', text_of(response), re.S
    )
    assert match, f"no row for {file_id}"
    return match.group(1)


def state_in(html: str) -> str:
    return re.search(r'data-state="([a-z]+)"', html).group(1)


def mark_running(app, file_id: str, percentage: int | None) -> None:
    """Make the export's job look like a worker has started it and reported progress."""
    with app.app_context():
        job = Job.fetch(records.load(file_id)["job_id"], connection=jobs.get_queue().connection)
        job.set_status(JobStatus.STARTED)
        job.meta["percentage"] = percentage
        job.save_meta()


# Signing in and out ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/?page=2",
        f"/exports/{uuid.uuid4()}",
        f"/exports/{uuid.uuid4()}/download",
        ORGANIZER_PAGE,
        EVENT_PAGE,
        "/organizers/otherorg/exporters/",
    ],
)
def test_signed_out_visitors_are_sent_to_the_sign_in_page(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response.headers["Location"] == "/login"


def test_the_sign_in_page_asks_for_a_token(client):
    response = client.get("/login")
    assert response.status_code == 200
    page = page_of(response)
    assert page.inputs["token"]["type"] == "password"
    assert page.inputs["csrf_token"]["type"] == "hidden"
    assert "text/html" in response.headers["Content-Type"]


def test_a_good_token_signs_in_and_shows_the_dashboard(client, demo):
    pages = Pages(client)
    response = pages.sign_in(demo.tokens["full"])
    assert response.status_code == 303
    assert response.headers["Location"] == "/"
    dashboard = client.get("/")
    assert dashboard.status_code == 200
    assert "Your exports" in text_of(dashboard)
    assert client.get("/login").headers["Location"] == "/"


@pytest.mark.parametrize("token", ["", "x", "not-a-real-token-but-well-formed-0123", "Token abc"])
def test_a_bad_token_is_refused(client, token):
    pages = Pages(client)
    response = pages.sign_in(token)
    assert response.status_code == 401
    assert "This token is not valid" in text_of(response)
    if token:
        assert f'value="{token}"' not in text_of(response)
    assert client.get("/").status_code == 302


def test_a_revoked_token_ends_the_session_at_the_next_request(app, client, new_token):
    pages = Pages(client)
    assert pages.sign_in(new_token).status_code == 303
    assert client.get("/").status_code == 200
    with app.app_context():
        session = get_session()
        session.query(TeamAPIToken).filter_by(token_hash=hash_token(new_token)).update(
            {"active": False}
        )
        session.commit()
    response = client.get("/")
    assert response.status_code == 302
    assert response.headers["Location"] == "/login"
    with client.session_transaction() as session:
        assert "token_hash" not in session
    assert "Your session has ended" in text_of(client.get("/login"))
    assert pages.sign_in(new_token).status_code == 401


def test_signing_out_ends_the_session(pages):
    response = pages.post("/logout")
    assert response.status_code == 303
    assert response.headers["Location"] == "/login"
    assert pages.get("/").status_code == 302
    assert "You have signed out." in text_of(pages.get("/login"))


def test_the_session_cookie_is_signed_httponly_and_samesite_lax(app, client, demo):
    response = Pages(client).sign_in(demo.tokens["full"])
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("session=")
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    value = cookie.split(";", 1)[0].split("=", 1)[1]
    assert demo.tokens["full"] not in value
    serializer = app.session_interface.get_signing_serializer(app)
    stored = serializer.loads(value)
    assert stored["token_hash"] == hash_token(demo.tokens["full"])
    assert demo.tokens["full"] not in json.dumps(stored)
    with pytest.raises(BadSignature):
        serializer.loads(value[:-2] + ("AA" if not value.endswith("AA") else "BB"))


def test_the_token_never_appears_in_a_page_or_url(pages, demo, run_jobs):
    token = demo.tokens["full"]
    responses = [pages.get("/"), pages.get(EVENT_PAGE), pages.get(ORGANIZER_PAGE + "orderlist/")]
    file_id = pages.start({"_format": "xlsx"})
    responses.append(pages.get(f"/exports/{file_id}"))
    run_jobs()
    responses += [
        pages.get("/"),
        pages.get(f"/exports/{file_id}"),
        pages.get(f"/exports/{file_id}/download"),
        pages.get("/nope"),
        pages.post(ORDERLIST_RUN, {"_format": "FOOBAR"}),
    ]
    for response in responses:
        assert token.encode() not in response.data
        assert token not in response.headers.get("Location", "")
        for link in page_of(response).links if response.mimetype == "text/html" else []:
            assert token not in link


# CSRF -----------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "url", ["/login", "/logout", ORDERLIST_RUN, "/organizers/bigevents/exporters/orderlist/run"]
)
@pytest.mark.parametrize("csrf", [None, "", "wrong-token"])
def test_a_post_without_the_right_csrf_token_is_refused(app, pages, demo, url, csrf):
    data = {"token": demo.tokens["full"], "_format": "xlsx"}
    if csrf is not None:
        data["csrf_token"] = csrf
    response = pages.client.post(url, data=data)
    assert response.status_code == 400
    assert response.mimetype == "text/html"
    assert "did not come from this site" in text_of(response)
    assert exports_of(app, demo.tokens["full"]) == []


def test_every_form_carries_the_sessions_csrf_token(pages):
    expected = pages.session_csrf()
    pages.start({"_format": "xlsx"})
    for url in ("/", EVENT_PAGE + "orderlist/", ORGANIZER_PAGE + "orderlist/"):
        html = text_of(pages.get(url))
        tokens = re.findall(r'name="csrf_token" value="([^"]+)"', html)
        assert tokens and set(tokens) == {expected}
        assert html.count('<form method="post"') == len(tokens)


def test_signing_in_renews_the_csrf_token(client, demo):
    pages = Pages(client)
    before = pages.csrf()
    pages.client.post("/login", data={"token": demo.tokens["full"], "csrf_token": before})
    assert pages.session_csrf() != before


# Dashboard ------------------------------------------------------------------------------------
def test_the_dashboard_links_to_the_organizer_and_each_visible_event(pages):
    page = page_of(pages.get("/"))
    assert ORGANIZER_PAGE in page.links
    assert EVENT_PAGE in page.links
    assert not any("otherorg" in link for link in page.links)


def test_a_limited_team_sees_only_its_events(app, client, demo):
    from service.store.models import Event

    with app.app_context():
        session = get_session()
        organizer = session.query(Organizer).filter_by(slug="bigevents").one()
        sample = session.query(Event).filter_by(organizer_id=organizer.id, slug="sampleconf").one()
        hidden = Event(
            organizer_id=organizer.id,
            slug=f"hidden-{uuid.uuid4().hex[:6]}",
            name="Hidden",
            date_from=sample.date_from,
        )
        session.add(hidden)
        session.commit()
        hidden_slug = hidden.slug
    try:
        limited = Pages(client)
        limited.sign_in(demo.tokens["limited"])
        assert hidden_slug not in text_of(limited.get("/"))
        forbidden = limited.get(f"/organizers/bigevents/events/{hidden_slug}/exporters/")
        assert forbidden.status_code == 403
        full = Pages(app.test_client())
        full.sign_in(demo.tokens["full"])
        assert hidden_slug in text_of(full.get("/"))
    finally:
        with app.app_context():
            session = get_session()
            session.query(Event).filter_by(slug=hidden_slug).delete()
            session.commit()


def test_a_new_token_has_no_exports(pages):
    response = pages.get("/")
    assert "No exports yet" in text_of(response)
    assert not page_of(response).refreshes


def test_a_waiting_export_on_the_dashboard(pages):
    file_id = pages.start({"_format": "orders:semicolon"})
    response = pages.get("/")
    row = row_of(response, file_id)
    assert state_in(row) == "waiting"
    assert "<progress" not in row
    assert "Download" not in row
    assert "Order data" in row and "Orders — CSV (Excel-style, semicolon-separated)" in row
    assert re.search(r'<time datetime="\d{4}-\d\d-\d\dT[\d:]+\+00:00">', row)
    assert page_of(response).refreshes


def test_a_running_export_shows_its_percentage(app, pages):
    file_id = pages.start()
    mark_running(app, file_id, 40)
    row = row_of(pages.get("/"), file_id)
    assert state_in(row) == "running"
    assert '<progress value="40" max="100">' in row
    assert "40 %" in row


def test_a_running_export_without_progress_yet_shows_an_open_bar(app, pages):
    file_id = pages.start()
    mark_running(app, file_id, None)
    row = row_of(pages.get("/"), file_id)
    assert state_in(row) == "running"
    assert '<progress max="100">' in row


def test_a_finished_export_shows_times_size_and_download(pages, run_jobs, app):
    file_id = pages.start({"_format": "xlsx"})
    run_jobs()
    response = pages.get("/")
    row = row_of(response, file_id)
    assert state_in(row) == "finished"
    assert "<progress" not in row
    with app.app_context():
        size = int(records.load(file_id)["size"])
    assert f"{size / 1024:.1f} KB" in row
    assert f'href="/exports/{file_id}/download"' in row
    assert len(re.findall(r"<time datetime=", row)) == 2  # started, expires
    assert re.search(r"took \d+ s<", row)
    assert re.search(r"expires <time[^>]*>\d{4}-\d\d-\d\d \d\d:\d\d [A-Z+\-0-9]+</time>", row)
    assert not page_of(response).refreshes


def test_failed_exports_show_their_message(pages, run_jobs, failing_exporters):
    empty = pages.start({"_format": "xlsx"}, url=EVENT_PAGE + "always_empty/run")
    crashed = pages.start({"_format": "xlsx"}, url=EVENT_PAGE + "crashing/run")
    run_jobs()
    response = pages.get("/")
    empty_row, crashed_row = row_of(response, empty), row_of(response, crashed)
    assert state_in(empty_row) == "failed"
    assert "Your export did not contain any data." in empty_row
    assert state_in(crashed_row) == "failed"
    assert "Internal error" in crashed_row
    assert "hunter2" not in text_of(response)
    assert "Download" not in empty_row + crashed_row


def test_an_export_whose_file_is_gone_reads_expired(pages, run_jobs, app):
    file_id = pages.start()
    run_jobs()
    with app.app_context():
        files.discard(files.result_path(file_id))
    row = row_of(pages.get("/"), file_id)
    assert state_in(row) == "expired"
    assert "Download" not in row
    assert pages.get(f"/exports/{file_id}/download").status_code == 404
    assert "expired" in text_of(pages.get(f"/exports/{file_id}"))


def test_the_dashboard_lists_newest_first_fifty_to_a_page(pages):
    started = [pages.start() for _ in range(51)]
    first = pages.get("/")
    ids = re.findall(r'<tr class="export" id="export-([0-9a-f-]+)"[^>]*>', text_of(first))
    assert ids == list(reversed(started))[:50]
    assert 'href="/?page=2"' in text_of(first)
    second = pages.get("/?page=2")
    assert re.findall(r'<tr class="export" id="export-([0-9a-f-]+)"[^>]*>', text_of(second)) == [
        started[0]
    ]
    assert 'href="/?page=1"' in text_of(second)
    assert "page=3" not in text_of(second)
    for bad in ("3", "0", "abc", "-1", "²", "1e3", ""):
        response = pages.get(f"/?page={bad}")
        assert response.status_code == 404
        assert response.mimetype == "text/html"


# One export's page and download ---------------------------------------------------------------
def test_the_export_page_refreshes_itself_until_the_export_ends(pages, run_jobs):
    file_id = pages.start({"_format": "xlsx"})
    waiting = pages.get(f"/exports/{file_id}")
    assert waiting.status_code == 200
    assert '<meta http-equiv="refresh" content="1">' in text_of(waiting)
    assert waiting.headers["Cache-Control"] == "no-store"
    assert state_in(text_of(waiting)) == "waiting"
    run_jobs()
    finished = pages.get(f"/exports/{file_id}")
    assert not page_of(finished).refreshes
    assert state_in(text_of(finished)) == "finished"
    assert f'href="/exports/{file_id}/download"' in text_of(finished)
    assert "sampleconf_orders.xlsx" in text_of(finished)


def test_the_export_page_shows_the_parameters(pages):
    file_id = pages.start({"paid_only": "true", "date_range-keyword": "month_previous"})
    html = text_of(pages.get(f"/exports/{file_id}"))
    assert "<dt>Only paid orders</dt><dd>yes</dd>" in html
    assert "Include payment amounts" not in html  # left at its default
    assert "<dt>Date range</dt><dd>Previous month</dd>" in html
    assert "<dt>Format</dt><dd>Orders — CSV (comma-separated)</dd>" in html


def test_the_download_streams_the_file(pages, run_jobs):
    file_id = pages.start({"_format": "xlsx"})
    run_jobs()
    response = pages.get(f"/exports/{file_id}/download")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == XLSX
    assert (
        response.headers["Content-Disposition"] == 'attachment; filename="sampleconf_orders.xlsx"'
    )
    assert response.data[:2] == b"PK"
    assert int(response.headers["Content-Length"]) == len(response.data)


def test_downloading_an_unfinished_export_leads_to_its_page(pages):
    file_id = pages.start()
    response = pages.get(f"/exports/{file_id}/download")
    assert response.status_code == 303
    assert response.headers["Location"] == f"/exports/{file_id}"


@pytest.mark.parametrize("file_id", [str(uuid.uuid4()), "not-a-uuid", str(uuid.uuid1())])
def test_unknown_exports_are_not_found(pages, file_id):
    for url in (f"/exports/{file_id}", f"/exports/{file_id}/download"):
        response = pages.get(url)
        assert response.status_code == 404
        assert response.mimetype == "text/html"


def test_canceling_an_export_from_its_page(pages):
    file_id = pages.start()
    assert pages.post(f"/exports/{file_id}/cancel").status_code == 303
    html = text_of(pages.get(f"/exports/{file_id}"))
    assert state_in(html) == "canceled"
    assert state_in(row_of(pages.get("/"), file_id)) == "canceled"


# Exporter forms -------------------------------------------------------------------------------
def test_the_event_page_lists_the_exporters_with_their_descriptions(pages):
    html = text_of(pages.get(EVENT_PAGE))
    assert f'href="{EVENT_PAGE}orderlist/"' in html
    assert "Payments and refunds" in html and "to match bank statements" in html
    assert "Start export" not in html


def test_the_event_page_has_a_form_from_the_exporters_parameters(app, pages):
    response = pages.get(EVENT_PAGE + "orderlist/")
    assert response.status_code == 200
    page = form_of(response)
    with app.app_context():
        from service import catalog
        from service.auth import principal_for_token_hash

        session = get_session()
        principal = principal_for_token_hash(session, pages_token_hash(pages))
        exporter = catalog.event_context(session, principal, "bigevents", "sampleconf").exporter(
            "orderlist"
        )
        declared = exporter.declared_parameters()
    assert page.selects["_format"]["options"] == declared["_format"].choices
    assert page.selects["_format"]["options"][:2] == ["xlsx", "orders:default"]
    assert "required" in page.selects["_format"]["attrs"]
    assert page.inputs["paid_only"]["type"] == "checkbox"
    assert page.inputs["include_payment_amounts"]["type"] == "checkbox"
    assert page.inputs["date_range-from"]["type"] == "date"
    assert page.inputs["date_range-to"]["type"] == "date"
    assert page.selects["date_range-keyword"]["options"] == ["", *dateframes.KEYWORDS]
    assert "items" not in page.selects
    assert [c["value"] for c in page.choices["items"]] == [
        str(i) for i in declared["items"].choices
    ]
    assert {c["type"] for c in page.choices["items"]} == {"checkbox"}
    for label in declared["items"].labels.values():
        assert label in text_of(response)
    assert "Excel workbook (.xlsx)" in text_of(response)
    assert "Order positions — CSV (comma-separated)" in text_of(response)
    assert "checked" in page.inputs["paid_only"]  # pretix's form default
    assert "events" not in page.choices
    assert "<h1>" in text_of(response) and "sampleconf" in text_of(response)


def pages_token_hash(pages: Pages) -> str:
    with pages.client.session_transaction() as session:
        return session["token_hash"]


def test_the_organizer_page_offers_all_events_or_the_events_checked(pages):
    response = pages.get(ORGANIZER_PAGE + "orderlist/")
    page = form_of(response)
    assert [c["value"] for c in page.choices["events"]] == ["sampleconf"]
    assert not any("checked" in c for c in page.choices["events"])
    radios = {c["value"]: c for c in page.choices["all_events"]}
    assert radios.keys() == {"true", "false"} and "checked" in radios["true"]
    assert "checked" not in radios["false"]
    assert "Sample Conference" in text_of(response) or "sampleconf" in text_of(response)
    assert "items" not in page.choices


def test_a_team_without_order_rights_gets_no_order_exporters(client, demo):
    pages = Pages(client)
    pages.sign_in(demo.tokens["no_orders"])
    html = text_of(pages.get(EVENT_PAGE))
    assert 'id="exporter-orderlist"' not in html
    assert pages.post(ORDERLIST_RUN, {"_format": "xlsx"}).status_code == 404


def test_an_unknown_exporter_is_not_found(pages):
    assert pages.post(EVENT_PAGE + "nope/run", {"_format": "xlsx"}).status_code == 404


def test_a_form_starts_the_same_export_as_the_api(app, pages, client, demo):
    form = {
        "_format": "positions:excel",
        "paid_only": "true",
        "date_range-from": "2024-01-01",
        "date_range-to": "2024-12-31",
    }
    choices = form_of(pages.get(EVENT_PAGE + "orderlist/")).choices["items"]
    items = [c["value"] for c in choices][:2]
    form["items"] = items
    file_id = pages.start(form)
    api = client.post(
        demo.event_url("orderlist/run/"),
        headers=demo.headers(),
        json={
            "_format": "positions:excel",
            "paid_only": True,
            "include_payment_amounts": False,
            "group_multiple_choice": False,
            "date_range": "2024-01-01/2024-12-31",
            "items": items,
        },
    )
    assert api.status_code == 202
    api_file_id = api.json["download"].rstrip("/").rsplit("/", 1)[1]
    with app.app_context():
        ours, theirs = records.load(file_id), records.load(api_file_id)
    for key in ("params", "exporter", "event", "event_ids", "organizer", "token_hash"):
        assert ours[key] == theirs[key], key
    assert json.loads(ours["params"]) == {
        "_format": "positions:excel",
        "paid_only": True,
        "include_payment_amounts": False,
        "group_multiple_choice": False,
        "date_range": "2024-01-01/2024-12-31",
        "items": [int(item) for item in items],
    }


def test_an_organizer_form_narrows_to_the_chosen_events(app, pages):
    url = "/organizers/bigevents/exporters/orderlist/run"
    file_id = pages.start({"_format": "xlsx", "events": ["sampleconf"]}, url=url)
    with app.app_context():
        record = records.load(file_id)
    assert record["event"] == ""
    assert len(json.loads(record["event_ids"])) == 1
    row = row_of(pages.get("/"), file_id)
    assert "Organizer level:" in row
    with app.app_context():
        name = get_session().query(Event).filter_by(slug="sampleconf").one().name
    assert name in row


def test_the_exports_api_names_the_events_of_organizer_level_runs(pages, client, demo):
    url = "/organizers/bigevents/exporters/orderlist/run"
    pages.start({"_format": "xlsx", "all_events": "true"}, url=url)
    pages.start({"_format": "xlsx"})
    listed = client.get("/api/v1/organizers/bigevents/exports/", headers=demo.headers())
    event_level, organizer_level = listed.json["results"][:2]
    assert event_level["event"] == "sampleconf" and event_level["events"] == ["sampleconf"]
    assert organizer_level["event"] is None and organizer_level["events"] == ["sampleconf"]


def test_run_again_and_delete_file_from_the_list(app, pages, run_jobs):
    file_id = pages.start({"_format": "orders:default", "paid_only": "true"})
    run_jobs()
    again = pages.post(f"/exports/{file_id}/again")
    assert again.status_code == 303
    new_id = re.fullmatch(r"/exports/([0-9a-f-]{36})\?download=auto", again.headers["Location"])[1]
    with app.app_context():
        first, second = records.load(file_id), records.load(new_id)
    for key in ("exporter", "event", "event_ids", "params"):
        assert first[key] == second[key], key
    assert pages.post(f"/exports/{file_id}/delete").status_code == 303
    assert pages.get(f"/exports/{file_id}/download").status_code == 404
    assert f"export-{file_id}" not in text_of(pages.get("/"))


def test_the_list_filters_by_exporter_event_and_state(pages):
    file_id = pages.start({"_format": "xlsx"})
    assert f"export-{file_id}" in text_of(pages.get("/?exporter=orderlist&event=sampleconf"))
    assert f"export-{file_id}" not in text_of(pages.get("/?exporter=json"))
    assert f"export-{file_id}" in text_of(pages.get("/?state=waiting"))
    assert f"export-{file_id}" not in text_of(pages.get("/?state=finished"))
    for bad in ("/?state=nope", "/?exporter=nope", "/?event=otherconf"):
        response = pages.get(bad)
        assert response.status_code == 400 and response.mimetype == "text/html"


def test_a_finished_export_started_from_a_page_downloads_by_itself(pages, run_jobs):
    file_id = pages.start({"_format": "xlsx"})
    run_jobs()
    html = text_of(pages.get(f"/exports/{file_id}?download=auto"))
    assert f'content="0;url=/exports/{file_id}/download"' in html
    assert 'content="0;url=' not in text_of(pages.get(f"/exports/{file_id}"))


def test_a_keyword_date_frame_is_sent_as_the_keyword(app, pages):
    file_id = pages.start({"date_range-keyword": "days_last7"})
    with app.app_context():
        assert json.loads(records.load(file_id)["params"])["date_range"] == "days_last7"


@pytest.mark.parametrize(
    "form, field, message",
    [
        ({"_format": "FOOBAR"}, "_format", '"FOOBAR" is not a valid choice.'),
        ({}, "_format", "This field is required."),
        (
            {"_format": "xlsx", "date_range-from": "2024-02-30"},
            "date_range",
            "Enter a date as YYYY-MM-DD.",
        ),
        (
            {"_format": "xlsx", "date_range-from": "2024-03-02", "date_range-to": "2024-03-01"},
            "date_range",
            "The “from” date is after the “to” date.",
        ),
        (
            {"_format": "xlsx", "date_range-keyword": "days_last7", "date_range-to": "2024-01-01"},
            "date_range",
            "Choose a period or dates, not both.",
        ),
        ({"_format": "xlsx", "date_range-keyword": "someday"}, "date_range", "Invalid date frame"),
        ({"_format": "xlsx", "items": ["999999"]}, "items", '"999999" is not a valid choice.'),
    ],
)
def test_invalid_forms_come_back_with_the_message_at_the_field(
    app, pages, demo, form, field, message
):
    response = pages.post(ORDERLIST_RUN, form)
    assert response.status_code == 400
    assert response.mimetype == "text/html"
    html = text_of(response)
    shown = re.findall(rf'<p class="error field-error" data-field="{field}">([^<]*)</p>', html)
    assert [m.replace("&#34;", '"') for m in shown] == [message]
    assert exports_of(app, demo.tokens["full"]) == []


def test_number_and_text_parameters_become_inputs_and_values():
    from marshmallow import fields
    from werkzeug.datastructures import MultiDict

    from service.exporters import params
    from service.web import forms

    class Text(params.Param, fields.String):
        pass

    declared = {
        "limit": params.Integer(required=True),
        "note": Text(required=False),
        "all_events": params.Boolean(),
        "events": params.EventSlugs(["a", "b"]),
    }
    described = {field.name: field for field in forms.describe(declared)}
    assert "all_events" not in described  # one choice with the events
    assert [described[n].widget for n in ("limit", "note", "events")] == [
        "number",
        "text",
        "events",
    ]
    assert described["limit"].required and not described["note"].required
    assert [o.value for o in described["events"].options] == ["a", "b"]
    submitted = MultiDict([("limit", " 12 "), ("note", ""), ("events", "b")])
    data, errors = forms.to_data(declared, submitted)
    assert errors == {}
    assert data == {"limit": "12", "all_events": False, "events": ["b"]}
    assert params.validate(declared, data) == {"limit": 12, "all_events": False, "events": ["b"]}


def test_an_invalid_form_keeps_what_was_entered(pages):
    response = pages.post(
        ORDERLIST_RUN,
        {"_format": "positions:default", "paid_only": "true", "date_range-from": "2024-02-30"},
    )
    page = form_of(response)
    assert page.selects["_format"]["selected"] == ["positions:default"]
    assert "checked" in page.inputs["paid_only"]
    assert page.inputs["date_range-from"]["value"] == "2024-02-30"


def test_an_invalid_form_comes_back_alone_with_a_way_back(pages):
    html = text_of(pages.post(ORDERLIST_RUN, {"_format": "FOOBAR"}))
    assert re.findall(r'<section class="card exporter" id="exporter-([a-z_]+)">', html) == [
        "orderlist"
    ]
    assert f'<a href="{EVENT_PAGE}">' in html


def test_an_unknown_event_slug_at_organizer_level_is_reported(pages):
    response = pages.post(
        "/organizers/bigevents/exporters/orderlist/run", {"_format": "xlsx", "events": ["nope"]}
    )
    assert response.status_code == 400
    assert 'data-field="events">Object with slug=nope does not exist.' in text_of(response)


def test_too_many_active_exports_are_refused_with_a_message(app, pages, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_ACTIVE_EXPORTS_PER_TOKEN", 1)
    pages.start()
    response = pages.post(ORDERLIST_RUN, {"_format": "xlsx"})
    assert response.status_code == 429
    assert response.headers["Retry-After"]
    assert "You already have 1 exports waiting or running" in text_of(response)


# Other organizers, other tokens ---------------------------------------------------------------
@pytest.mark.parametrize(
    "path",
    [
        "/organizers/otherorg/exporters/",
        "/organizers/otherorg/events/otherconf/exporters/",
        "/organizers/bigevents/events/otherconf/exporters/",
        "/organizers/bigevents/events/nope/exporters/",
        "/organizers/nope/events/nope/exporters/",
        "/organizers/bad%20slug/exporters/",
    ],
)
def test_foreign_and_unknown_organizers_and_events_answer_the_same_403(pages, path):
    known_forbidden = pages.get("/organizers/otherorg/events/otherconf/exporters/")
    response = pages.get(path)
    assert response.status_code == 403
    assert response.mimetype == "text/html"
    assert response.data == known_forbidden.data
    assert "otherconf" not in text_of(response) and "otherorg" not in text_of(response)


def test_running_a_foreign_events_exporter_is_forbidden(pages):
    url = "/organizers/otherorg/events/otherconf/exporters/orderlist/run"
    assert pages.post(url, {"_format": "xlsx"}).status_code == 403


def test_another_tokens_exports_never_show(pages, other_pages, run_jobs, app, new_token):
    theirs = other_pages.start(
        {"_format": "xlsx"}, url="/organizers/otherorg/events/otherconf/exporters/orderlist/run"
    )
    colleague = Pages(app.test_client())
    colleague.sign_in(new_token)
    same_organizer = colleague.start()
    run_jobs()
    dashboard = text_of(pages.get("/"))
    for file_id in (theirs, same_organizer):
        assert file_id not in dashboard
        assert pages.get(f"/exports/{file_id}").status_code == 404
        assert pages.get(f"/exports/{file_id}/download").status_code == 404
        assert pages.post(f"/exports/{file_id}/cancel").status_code == 404
    assert "otherconf" not in dashboard
    assert other_pages.get(f"/exports/{theirs}/download").status_code == 200


# Error pages ----------------------------------------------------------------------------------
def test_page_errors_are_html_and_api_errors_stay_json(pages):
    page = pages.get("/no/such/page")
    assert page.status_code == 404
    assert page.mimetype == "text/html"
    assert "404" in text_of(page) and "Not Found" in text_of(page)
    api = pages.get("/api/v1/no/such/thing")
    assert api.status_code == 404
    assert api.mimetype == "application/json"
    assert api.json == {"detail": "Not found."}


def test_a_wrong_method_on_a_page_is_an_html_405_with_allow(pages):
    response = pages.get("/logout")
    assert response.status_code == 405
    assert response.mimetype == "text/html"
    assert "POST" in response.headers["Allow"]


def test_a_redis_outage_shows_an_html_503(pages, monkeypatch):
    def down(*args, **kwargs):
        raise RedisConnectionError("Connection refused")

    monkeypatch.setattr(jobs, "exports_of_token", down)
    response = pages.get("/")
    assert response.status_code == 503
    assert response.mimetype == "text/html"
    assert response.headers["Retry-After"] == "5"
    assert "temporarily unavailable" in text_of(response)
    assert "Connection refused" not in text_of(response)


def test_a_database_outage_shows_an_html_503_on_pages_and_json_in_the_api(
    client, demo, monkeypatch
):
    from sqlalchemy.exc import OperationalError

    import service.web.session_auth as session_auth

    Pages(client).sign_in(demo.tokens["full"])

    def down(*args, **kwargs):
        raise OperationalError("SELECT 1", {}, Exception("could not connect"))

    monkeypatch.setattr(session_auth, "principal_for_token_hash", down)
    page = client.get("/")
    assert page.status_code == 503
    assert page.mimetype == "text/html"
    monkeypatch.setattr("service.auth.principal_for_token_hash", down)
    api = client.get(demo.event_url(), headers=demo.headers())
    assert api.status_code == 503
    assert api.mimetype == "application/json"


def test_an_unexpected_error_shows_an_html_500_without_details(pages, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(jobs, "exports_of_token", broken)
    response = pages.get("/")
    assert response.status_code == 500
    assert response.mimetype == "text/html"
    assert "secret internals" not in text_of(response)


def test_pages_send_security_headers(pages):
    response = pages.get("/")
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cache-Control"] == "no-store"


def test_the_stylesheet_is_served_from_the_app(client):
    response = client.get("/static/style.css")
    assert response.status_code == 200
    assert response.mimetype == "text/css"
    assert "http" not in response.get_data(as_text=True)
