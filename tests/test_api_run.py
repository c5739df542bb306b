"""A3: starting an export, and every way its input can be wrong."""

import re

import pytest

from .conftest import path_of

UUID4 = r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"


def run(client, demo, body, level="event", **kwargs):
    url = (
        demo.event_url("orderlist/run/")
        if level == "event"
        else demo.organizer_url("orderlist/run/")
    )
    if isinstance(body, (dict, list)):
        return client.post(url, headers=demo.headers(), json=body, **kwargs)
    return client.post(url, headers=demo.headers(), data=body, **kwargs)


def test_run_answers_202_with_an_absolute_download_url_of_two_uuid4s(client, demo, redis):
    response = run(client, demo, {"_format": "xlsx"})
    assert response.status_code == 202
    url = response.json["download"]
    pattern = (
        r"^http://testserver/api/v1/organizers/bigevents/events/sampleconf/exporters/orderlist/"
        rf"download/({UUID4})/({UUID4})/$"
    )
    match = re.match(pattern, url)
    assert match, url
    assert match.group(1) != match.group(2)
    # the job is on RQ's queue, nothing ran in the request
    from rq.job import Job

    job = Job.fetch(match.group(1), connection=redis)
    assert job.get_status() == "queued"


def test_organizer_level_run_url(client, demo):
    response = run(client, demo, {"_format": "orders:default"}, level="organizer")
    assert response.status_code == 202
    assert "/organizers/bigevents/exporters/orderlist/download/" in response.json["download"]


@pytest.mark.parametrize(
    "body, errors",
    [
        ({}, {"_format": ["This field is required."]}),
        ({"_format": "FOOBAR"}, {"_format": ['"FOOBAR" is not a valid choice.']}),
        ({"_format": None}, {"_format": ["This field may not be null."]}),
        ({"_format": ["xlsx"]}, {"_format": ["\"['xlsx']\" is not a valid choice."]}),
        ({"_format": "xlsx", "paid_only": "maybe"}, {"paid_only": ["Must be a valid boolean."]}),
        ({"_format": "xlsx", "paid_only": [True]}, {"paid_only": ["Must be a valid boolean."]}),
        ({"_format": "xlsx", "date_range": "last_century"}, {"date_range": ["Invalid date frame"]}),
        ({"_format": "xlsx", "date_range": "2026-13-01/"}, {"date_range": ["Invalid date frame"]}),
        (
            {"_format": "xlsx", "date_range": "2026-02-01/2026-01-01"},
            {"date_range": ["Invalid date frame"]},
        ),
        ({"_format": "xlsx", "date_range": 5}, {"date_range": ["Invalid date frame"]}),
        (
            {"_format": "xlsx", "items": "1"},
            {"items": ['Expected a list of items but got type "str".']},
        ),
        ({"_format": "xlsx", "items": [99999]}, {"items": ['"99999" is not a valid choice.']}),
        (
            {"_format": "xlsx", "foobar": 1},
            {"fields": ["Additional fields not allowed: ['foobar']."]},
        ),
        (
            {"_format": "xlsx", "events": ["sampleconf"]},
            {"fields": ["Additional fields not allowed: ['events']."]},
        ),
    ],
)
def test_event_level_validation_messages(client, demo, body, errors):
    response = run(client, demo, body)
    assert response.status_code == 400
    assert response.json == errors


def test_unknown_keys_are_reported_only_after_fields_pass(client, demo):
    response = run(client, demo, {"_format": "nope", "foobar": 1})
    assert response.json == {"_format": ['"nope" is not a valid choice.']}


@pytest.mark.parametrize(
    "body, errors",
    [
        (
            {"_format": "xlsx", "events": ["otherconf"]},
            {"events": ["Object with slug=otherconf does not exist."]},
        ),
        (
            {"_format": "xlsx", "events": ["nosuch"]},
            {"events": ["Object with slug=nosuch does not exist."]},
        ),
        (
            {"_format": "xlsx", "events": "sampleconf"},
            {"events": ['Expected a list of items but got type "str".']},
        ),
        (
            {"_format": "xlsx", "all_events": "sometimes"},
            {"all_events": ["Must be a valid boolean."]},
        ),
        (
            {"_format": "xlsx", "items": [1]},
            {"fields": ["Additional fields not allowed: ['items']."]},
        ),
    ],
)
def test_organizer_level_validation_messages(client, demo, body, errors):
    response = run(client, demo, body, level="organizer")
    assert response.status_code == 400
    assert response.json == errors


@pytest.mark.parametrize(
    "body",
    [
        {"_format": "xlsx", "paid_only": None, "date_range": None, "items": None},
        {"_format": "xlsx", "paid_only": "true", "include_payment_amounts": 0},
        {"_format": "xlsx", "date_range": "days_last7"},
        {"_format": "xlsx", "date_range": "/"},
        {"_format": "xlsx", "date_range": "2026-01-01/"},
        {"_format": "xlsx", "date_from": "2026-01-01", "date_to": "2026-12-31"},
        {"_format": "xlsx", "date_to": "2026-12-31"},
        {"_format": "xlsx", "items": ["1", 2]},
    ],
)
def test_valid_bodies_are_accepted(client, demo, body):
    assert run(client, demo, body).status_code == 202


def test_legacy_dates_with_a_bad_format_are_refused(client, demo):
    response = run(client, demo, {"_format": "xlsx", "date_from": "01.01.2026"})
    assert response.status_code == 400
    assert list(response.json) == ["date_from"]


@pytest.mark.parametrize(
    "raw, detail_prefix",
    [
        ("{not json", "JSON parse error - "),
        ("[1, 2]", "Invalid data. Expected a dictionary, but got list."),
        ('"xlsx"', "Invalid data. Expected a dictionary, but got str."),
        ("null", "Invalid data. Expected a dictionary, but got null."),
        ("[" * 100000 + "]" * 100000, ""),
    ],
)
def test_bodies_that_are_not_a_json_object_get_a_detail(client, demo, raw, detail_prefix):
    response = run(client, demo, raw, content_type="application/json")
    assert response.status_code in (400, 413)
    assert set(response.json) == {"detail"}
    assert response.json["detail"].startswith(detail_prefix)


def test_huge_body_is_413(client, demo):
    body = '{"_format": "xlsx", "x": "' + "a" * 200_000 + '"}'
    response = run(client, demo, body, content_type="application/json")
    assert response.status_code == 413
    assert set(response.json) == {"detail"}


def test_unknown_exporter_run_is_404(client, demo):
    response = client.post(demo.event_url("nosuch/run/"), headers=demo.headers(), json={})
    assert response.status_code == 404
    assert response.json == {"detail": "Not found."}


def test_run_with_get_is_405(client, demo):
    response = client.get(demo.event_url("orderlist/run/"), headers=demo.headers())
    assert response.status_code == 405


def test_client_values_never_reach_the_file_system(client, demo, run_jobs, export_dir):
    before = set(p.name for p in export_dir.iterdir())
    response = run(client, demo, {"_format": "xlsx", "date_range": "../../etc/passwd"})
    assert response.status_code == 400
    response = run(client, demo, {"_format": "orders:default"})
    run_jobs()
    assert client.get(path_of(response.json["download"]), headers=demo.headers()).status_code == 200
    created = set(p.name for p in export_dir.iterdir()) - before
    file_id = response.json["download"].rstrip("/").rsplit("/", 1)[1]
    assert created == {file_id}
