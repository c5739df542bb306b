"""The OpenAPI description says what the service does: each exporter's ``run`` body (``{}``
valid exactly where it is accepted, no ``events`` at event level), 415 for other media
types, and the content types a download may have."""

import jsonschema_rs
import pytest

from service.exporters import for_event, for_organizer

from .conftest import path_of

EVENT_RUN = "/api/v1/organizers/{organizer}/events/{event}/exporters/%s/run/"
ORGANIZER_RUN = "/api/v1/organizers/{organizer}/exporters/%s/run/"
EVENT_DOWNLOAD = (
    "/api/v1/organizers/{organizer}/events/{event}/exporters/{identifier}/download/"
    "{job_id}/{file_id}/"
)


@pytest.fixture
def spec(client):
    return client.get("/api/v1/openapi.json").json


def body_schema(spec, path: str) -> dict:
    return spec["paths"][path]["post"]["requestBody"]["content"]["application/json"]["schema"]


def accepts(schema: dict, body: dict) -> bool:
    return jsonschema_rs.is_valid(schema, body)


@pytest.mark.parametrize("identifier", ["orderlist", "json", "mailaddrs", "itemdata"])
def test_empty_body_is_valid_exactly_where_it_is_accepted(client, demo, spec, identifier):
    response = client.post(demo.event_url(f"{identifier}/run/"), headers=demo.headers(), json={})
    schema = body_schema(spec, EVENT_RUN % identifier)
    assert accepts(schema, {}) == (response.status_code == 202), response.json
    assert response.status_code in (202, 400)


def test_every_exporter_has_its_own_run_operation(spec):
    for cls in for_event():
        assert EVENT_RUN % cls.identifier in spec["paths"]
    for cls in for_organizer():
        assert ORGANIZER_RUN % cls.identifier in spec["paths"]


@pytest.mark.parametrize("extra", [{"all_events": True}, {"events": ["sampleconf"]}])
def test_event_level_runs_take_no_choice_of_events(client, demo, spec, extra):
    body = {"_format": "xlsx", **extra}
    response = client.post(demo.event_url("orderlist/run/"), headers=demo.headers(), json=body)
    assert response.status_code == 400
    assert not accepts(body_schema(spec, EVENT_RUN % "orderlist"), body)
    generic = body_schema(spec, EVENT_RUN % "{identifier}")
    assert not set(extra) & set(generic["properties"])
    organizer = body_schema(spec, ORGANIZER_RUN % "orderlist")
    assert accepts(organizer, body)
    response = client.post(demo.organizer_url("orderlist/run/"), headers=demo.headers(), json=body)
    assert response.status_code == 202


def test_legacy_date_parameters_are_described(client, demo, spec):
    body = {"_format": "xlsx", "date_from": "2026-01-01", "date_to": "2026-12-31"}
    assert accepts(body_schema(spec, EVENT_RUN % "orderlist"), body)
    response = client.post(demo.event_url("orderlist/run/"), headers=demo.headers(), json=body)
    assert response.status_code == 202


def test_run_operations_describe_415(spec):
    for path in (EVENT_RUN % "{identifier}", EVENT_RUN % "orderlist", ORGANIZER_RUN % "json"):
        assert "415" in spec["paths"][path]["post"]["responses"]


@pytest.mark.parametrize("fmt", ["xlsx", "orders:default"])
def test_download_content_type_is_described(client, demo, spec, run_jobs, fmt):
    response = client.post(
        demo.event_url("orderlist/run/"), headers=demo.headers(), json={"_format": fmt}
    )
    run_jobs()
    done = client.get(path_of(response.json["download"]), headers=demo.headers())
    assert done.status_code == 200
    described = spec["paths"][EVENT_DOWNLOAD]["get"]["responses"]["200"]["content"]
    assert done.mimetype in described
