"""Spec-based testing: schemathesis calls every operation of the served OpenAPI description
with generated input, with a valid token, and checks each answer against the description.

Generated path parameters are steered half of the time to the demo organizer, event and
exporter, and ``run`` bodies half of those times to a valid one, so that the calls reach past
the permission check into validation, jobs and downloads.
"""

from collections import Counter

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import positive_data_acceptance

from .schedule_helpers import remove_all_schedules

EXAMPLES_PER_OPERATION = 30
REAL_PATH_PARAMETERS = {"organizer": "bigevents", "event": "sampleconf", "identifier": "orderlist"}


def operations(app):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    return [result.ok() for result in schema.get_all_operations()]


def steer(drawn):
    case, use_real, use_valid_body = drawn
    if use_real and case.path_parameters:
        for name, value in REAL_PATH_PARAMETERS.items():
            if name in case.path_parameters:
                case.path_parameters[name] = value
        if use_valid_body and isinstance(case.body, dict) and case.path.endswith("/run/"):
            case.body = {"_format": "orders:default"}
    return case


def excluded_checks(case) -> list:
    """A schema-valid ``run`` body may rightly get 400: the values of choices read from the
    store (products, check-in lists, event slugs) are typed in the description, not listed,
    and the ``{identifier}`` operation cannot know which exporter it names. ``/healthz``
    answers a documented 503 while no worker runs, as in this test."""
    if case.method == "POST" and case.path.endswith("/run/"):
        return [positive_data_acceptance]
    if case.method in ("POST", "PUT", "PATCH") and "/scheduled_exports/" in case.path:
        return [positive_data_acceptance]  # the same for export_form_data, and rrules and
        # addresses are checked beyond what a JSON schema says
    if case.path == "/healthz":
        return [not_a_server_error]
    return []


@pytest.fixture
def no_schedules_left(app):
    """The generated bodies create schedules; later tests expect none but their own."""
    yield
    remove_all_schedules(app)


def test_every_operation_answers_as_described(app, demo, redis, no_schedules_left):
    statuses = Counter()
    for operation in operations(app):
        strategy = st.tuples(operation.as_strategy(), st.booleans(), st.booleans()).map(steer)

        @given(case=strategy)
        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            database=None,
        )
        def check(case):
            response = case.call_and_validate(
                headers=demo.headers(), excluded_checks=excluded_checks(case)
            )
            if case.path != "/healthz":  # its 503 without workers is the truth
                statuses[(case.method, response.status_code)] += 1

        check()
    # The run reached past authentication into validation, jobs and downloads.
    assert statuses[("POST", 202)] and statuses[("POST", 400)], statuses
    assert statuses[("GET", 200)] and statuses[("GET", 404)], statuses
    assert not [key for key in statuses if key[1] >= 500], statuses
