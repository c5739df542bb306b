"""The scheduled_exports API answers as pretix 2026.8 does (the recorded cases in
tests/data), except where pretix answers 500: there we answer 400 with the field's message,
and a PATCH changes only what it names."""

import copy
from datetime import UTC, datetime, time

import pytest
from sqlalchemy import select

from service.schedules import rules
from service.store import get_session
from service.store.models import CheckinList, Event

from .schedule_helpers import CASES, EVENT_URL, ORGANIZER_URL, body_of, remove_all_schedules

MESSAGES = CASES["messages"]
BERLIN = "Europe/Berlin"


@pytest.fixture
def api(client, app):
    yield client
    remove_all_schedules(app)


def expected_next_run(rrule: str, at: str, zone: str, before: datetime, after: datetime):
    """The next run computed just before and just after the request: the answer is one."""
    moment = time.fromisoformat(at)
    return {
        _text(rules.next_run(rrule, moment, zone, before)),
        _text(rules.next_run(rrule, moment, zone, after)),
    }


def _text(value):
    return None if value is None else value.strftime("%Y-%m-%dT%H:%M:%SZ")


def check_created(response, expected: dict, zone: str, before: datetime) -> dict:
    """Compare a schedule with the one pretix answers; owner is our team's name."""
    after = datetime.now(UTC)
    body = response.get_json()
    assert isinstance(body["id"], int)
    assert body["owner"] == "full"
    next_runs = expected_next_run(
        body["schedule_rrule"], body["schedule_rrule_time"], zone, before, after
    )
    if "schedule_next_run" in expected and expected["schedule_next_run"] is None:
        assert body["schedule_next_run"] is None
    else:
        assert body["schedule_next_run"] in next_runs
    want = {**expected, "id": body["id"], "owner": "full"}
    want["schedule_next_run"] = body["schedule_next_run"]
    assert body == want
    return body


def expected_event_body(overrides: dict) -> dict:
    body = copy.deepcopy(CASES["valid_event_response"])
    body.update(copy.deepcopy(overrides))
    return body


def expected_organizer_body(overrides: dict) -> dict:
    body = expected_event_body({})
    error_counter = body.pop("error_counter")
    body.update(copy.deepcopy(overrides))
    timezone = body.pop("timezone")
    body.pop("error_counter", None)
    return {**body, "timezone": timezone, "error_counter": error_counter}


@pytest.mark.parametrize(
    "case",
    CASES["event_creates"] + CASES["better_than_pretix"],
    ids=lambda case: f"ref{case['ref']}",
)
def test_event_create_answers_as_pretix(api, demo, case):
    before = datetime.now(UTC)
    response = api.post(EVENT_URL, json=body_of(case), headers=demo.headers())
    assert response.status_code == case["status"], response.get_json()
    if case["status"] == 201:
        check_created(response, expected_event_body(case["expect"]), BERLIN, before)
    else:
        assert response.get_json() == case["body"]


@pytest.mark.parametrize("case", CASES["organizer_creates"], ids=lambda c: f"ref{c['ref']}")
def test_organizer_create_answers_as_pretix(api, demo, case):
    before = datetime.now(UTC)
    response = api.post(ORGANIZER_URL, json=body_of(case), headers=demo.headers())
    assert response.status_code == case["status"], response.get_json()
    if case["status"] == 201:
        zone = case["expect"]["timezone"]
        check_created(response, expected_organizer_body(case["expect"]), zone, before)
    else:
        assert response.get_json() == case["body"]


def test_malformed_json_is_a_parse_error(api, demo):
    response = api.post(
        EVENT_URL, data="{not json", content_type="application/json", headers=demo.headers()
    )
    assert response.status_code == 400
    assert response.get_json()["detail"].startswith("JSON parse error - ")


def test_event_schedule_lifecycle(api, demo):
    headers = demo.headers()
    empty = {"count": 0, "next": None, "previous": None, "results": []}
    assert api.get(EVENT_URL, headers=headers).get_json() == empty  # ref 1

    created = api.post(EVENT_URL, json=CASES["valid_event_body"], headers=headers)  # ref 2
    assert created.status_code == 201
    schedule = created.get_json()
    url = f"{EVENT_URL}{schedule['id']}/"
    listed = api.get(EVENT_URL, headers=headers).get_json()  # ref 3
    assert listed == {"count": 1, "next": None, "previous": None, "results": [schedule]}
    assert api.get(url, headers=headers).get_json() == schedule  # ref 4

    # ref 5: pretix answers 500; a PATCH changes what it names and keeps the rest.
    before = datetime.now(UTC)
    change = {"schedule_rrule_time": "06:30:00", "mail_subject": "Weekly order data (changed)"}
    patched = api.patch(url, json=change, headers=headers)
    assert patched.status_code == 200
    want = {**schedule, **change}
    want["schedule_next_run"] = patched.get_json()["schedule_next_run"]
    assert patched.get_json() == want
    assert patched.get_json()["schedule_next_run"] in expected_next_run(
        want["schedule_rrule"], "06:30:00", BERLIN, before, datetime.now(UTC)
    )
    assert patched.get_json()["schedule_next_run"].endswith("T05:30:00Z")

    # ref 7: other parameters, defaults filled in again.
    form = {"_format": "orders:default", "paid_only": False}
    patched = api.patch(url, json={"export_form_data": form}, headers=headers)
    assert patched.status_code == 200
    assert patched.get_json()["export_form_data"] == {**form, "date_range": "/", "items": []}

    # ref 8: pretix answers 500; the stored parameters are checked against the new exporter.
    patched = api.patch(url, json={"export_identifier": "checkinlist"}, headers=headers)
    assert patched.status_code == 400
    assert patched.get_json() == {
        "export_form_data": {
            "_format": ['"orders:default" is not a valid choice.'],
            "list": ["This field is required."],
        }
    }

    # ref 9
    patched = api.patch(url, json={"schedule_rrule": "FREQ=HOURLY"}, headers=headers)
    assert patched.status_code == 400
    assert patched.get_json() == {"schedule_rrule": [MESSAGES["unsupported_freq"]]}

    # ref 10: a full replacement, daily.
    body = {
        **CASES["valid_event_body"],
        "mail_subject": "Daily",
        "schedule_rrule": "DTSTART:20260101T000000\nRRULE:FREQ=DAILY",
    }
    replaced = api.put(url, json=body, headers=headers)
    assert replaced.status_code == 200
    assert replaced.get_json()["mail_subject"] == "Daily"
    assert replaced.get_json()["schedule_next_run"].endswith("T03:00:00Z")
    assert replaced.get_json()["export_form_data"]["_format"] == "xlsx"

    # ref 60-62, 71
    assert api.delete(url, headers=headers).status_code == 204
    for method in (api.get, api.delete):
        gone = method(url, headers=headers)
        assert gone.status_code == 404
        assert gone.get_json() == {"detail": MESSAGES["not_found_event"]}
    assert api.get(EVENT_URL, headers=headers).get_json() == empty


def test_put_without_a_required_field_is_refused(api, demo):
    created = api.post(EVENT_URL, json=CASES["valid_event_body"], headers=demo.headers())
    url = f"{EVENT_URL}{created.get_json()['id']}/"
    body = {k: v for k, v in CASES["valid_event_body"].items() if k != "mail_subject"}
    response = api.put(url, json=body, headers=demo.headers())
    assert response.status_code == 400
    assert response.get_json() == {"mail_subject": ["This field is required."]}


def test_ordering(api, demo):
    """ref 57, 58: by id descending; by next run with a rule that has no more dates first."""
    headers = demo.headers()
    rules_ = [
        "DTSTART:20260101T000000\nRRULE:FREQ=WEEKLY;BYDAY=MO",
        "DTSTART:20200101T000000\nRRULE:FREQ=DAILY;COUNT=1",
        "DTSTART:20260101T000000\nRRULE:FREQ=DAILY",
    ]
    ids = []
    for rule in rules_:
        body = {**CASES["valid_event_body"], "schedule_rrule": rule}
        ids.append(api.post(EVENT_URL, json=body, headers=headers).get_json()["id"])

    def order(ordering):
        page = api.get(f"{EVENT_URL}?ordering={ordering}", headers=headers).get_json()
        return [result["id"] for result in page["results"]]

    assert order("-id") == sorted(ids, reverse=True)
    assert order("id") == sorted(ids)
    assert order("schedule_next_run") == [ids[1], ids[2], ids[0]]
    assert order("-schedule_next_run") == [ids[0], ids[2], ids[1]]
    assert order("nonsense") == sorted(ids)


def test_tokens_see_and_change_what_they_could_run(api, demo):
    """ref 53-56: a token without order access sees only schedules of exporters it may use,
    and gets "No access to exporter." for the others; another organizer's token gets the
    usual 403, no token 401."""
    orders = api.post(EVENT_URL, json=CASES["valid_event_body"], headers=demo.headers())
    items = api.post(
        EVENT_URL,
        json={**CASES["valid_event_body"], "export_identifier": "itemdata",
              "export_form_data": {"_format": "default"}},
        headers=demo.headers(),
    )  # fmt: skip
    assert items.get_json()["export_form_data"] == {"_format": "default"}  # ref 42
    no_orders = demo.headers("no_orders")
    listed = api.get(EVENT_URL, headers=no_orders).get_json()
    assert [r["id"] for r in listed["results"]] == [items.get_json()["id"]]
    url = f"{EVENT_URL}{orders.get_json()['id']}/"
    for method in (api.get, api.patch, api.put, api.delete):
        response = method(url, json={"mail_subject": "changed"}, headers=no_orders)
        assert response.status_code == 403
        assert response.get_json() == {"detail": MESSAGES["no_access"]}
    refused = api.post(EVENT_URL, json=CASES["valid_event_body"], headers=no_orders)
    assert refused.status_code == 400
    assert refused.get_json() == {"export_identifier": ['"orderlist" is not a valid choice.']}

    for path in (EVENT_URL, url, ORGANIZER_URL):
        other = api.get(path, headers=demo.headers("other"))
        assert other.status_code == 403
        assert other.get_json() == {"detail": MESSAGES["forbidden"]}
        anonymous = api.get(path)
        assert anonymous.status_code == 401
        assert anonymous.get_json() == {"detail": MESSAGES["no_credentials"]}

    # ref 49, 51, 59: another team's token of the organizer sees, changes and deletes them.
    limited = demo.headers("limited")
    assert api.get(url, headers=limited).get_json() == orders.get_json()
    patched = api.patch(url, json={"mail_subject": "changed by token"}, headers=limited)
    assert patched.status_code == 200
    assert patched.get_json()["mail_subject"] == "changed by token"
    assert patched.get_json()["owner"] == "full"
    assert api.delete(url, headers=limited).status_code == 204


def test_checkin_list_schedule_fills_pretix_defaults(api, demo, app):
    """ref 41: optional choices are kept as null, multiple choices as []."""
    form = api.get(
        "/api/v1/organizers/bigevents/events/sampleconf/exporters/checkinlist/",
        headers=demo.headers(),
    ).get_json()
    assert "choices" not in next(p for p in form["input_parameters"] if p["name"] == "list")
    with app.app_context():
        list_id = (
            get_session()
            .scalars(
                select(CheckinList.id)
                .join(Event)
                .where(Event.slug == "sampleconf")
                .order_by(CheckinList.id)
            )
            .first()
        )
    body = {
        **CASES["valid_event_body"],
        "export_identifier": "checkinlist",
        "export_form_data": {"_format": "default", "list": list_id},
    }
    response = api.post(EVENT_URL, json=body, headers=demo.headers("limited"))
    assert response.status_code == 201
    assert response.get_json()["export_form_data"] == {
        "_format": "default",
        "list": list_id,
        "status": None,
        "sort": None,
        "questions": [],
    }
    assert response.get_json()["owner"] == "limited"


def test_organizer_schedule_lifecycle(api, demo):
    """ref 72-75, 89-93."""
    headers = demo.headers()
    empty = {"count": 0, "next": None, "previous": None, "results": []}
    assert api.get(ORGANIZER_URL, headers=headers).get_json() == empty
    body = {
        **CASES["valid_event_body"],
        "export_form_data": {"_format": "orders:default", "all_events": True, "paid_only": True},
        "timezone": "Europe/Berlin",
    }
    created = api.post(ORGANIZER_URL, json=body, headers=headers)
    assert created.status_code == 201
    schedule = created.get_json()
    assert list(schedule)[-2:] == ["timezone", "error_counter"]
    assert schedule["schedule_next_run"].endswith("T03:00:00Z")
    listed = api.get(ORGANIZER_URL, headers=headers).get_json()
    assert listed["results"] == [schedule]
    assert api.get(EVENT_URL, headers=headers).get_json() == empty  # levels are apart

    url = f"{ORGANIZER_URL}{schedule['id']}/"
    change = {
        "timezone": "America/New_York",
        "export_form_data": {"_format": "xlsx", "events": ["sampleconf"]},
    }
    patched = api.patch(url, json=change, headers=headers)
    assert patched.status_code == 200
    assert patched.get_json()["export_form_data"] == {
        "events": ["sampleconf"],
        "_format": "xlsx",
        "date_range": "/",
        "event_date_range": "/",
    }
    assert patched.get_json()["timezone"] == "America/New_York"
    assert patched.get_json()["schedule_next_run"].endswith("T09:00:00Z")  # 04:00 in New York

    assert api.get(f"{EVENT_URL}{schedule['id']}/", headers=headers).status_code == 404
    assert api.delete(url, headers=headers).status_code == 204
    gone = api.get(url, headers=headers)
    assert gone.status_code == 404
    assert gone.get_json() == {"detail": MESSAGES["not_found_organizer"]}
    assert api.get(ORGANIZER_URL, headers=headers).get_json() == empty


def test_a_schedule_needs_a_recipient(api, demo):
    body = {**CASES["valid_event_body"]}
    for name in ("mail_additional_recipients", "mail_additional_recipients_bcc"):
        body[name] = ""
    response = api.post(EVENT_URL, json=body, headers=demo.headers())
    assert response.status_code == 400
    assert response.get_json() == {"mail_additional_recipients": ["Enter at least one recipient."]}


@pytest.mark.parametrize(
    "change, errors",
    [
        ({"mail_subject": ""}, {"mail_subject": ["This field may not be blank."]}),
        ({"mail_subject": None}, {"mail_subject": ["This field may not be null."]}),
        ({"mail_template": ["x"]}, {"mail_template": ["Not a valid string."]}),
        ({"export_form_data": None}, {"export_form_data": ["This field may not be null."]}),
        ({"export_form_data": [1]}, {"export_form_data": [
            'Expected a dictionary of items but got type "list".']}),
        ({"schedule_rrule_time": 4}, {"schedule_rrule_time": [
            "Time has wrong format. Use one of these formats instead: hh:mm[:ss[.uuuuuu]]."]}),
        ({"mail_subject": "x" * 251}, {"mail_subject": [
            "Ensure this field has no more than 250 characters."]}),
        ({"export_identifier": {"a": 1}}, {"export_identifier": ["Not a valid string."]}),
    ],
)  # fmt: skip
def test_wrong_types_get_field_messages(api, demo, change, errors):
    body = {**CASES["valid_event_body"], **change}
    response = api.post(EVENT_URL, json=body, headers=demo.headers())
    assert response.status_code == 400
    assert response.get_json() == errors


def test_unknown_and_huge_ids_are_not_found(api, demo):
    for schedule_id in (999999, 2**70):
        response = api.get(f"{EVENT_URL}{schedule_id}/", headers=demo.headers())
        assert response.status_code == 404
        assert response.get_json() == {"detail": MESSAGES["not_found_event"]}
