"""A1: authentication, and the 403 that never tells "does not exist" from "not yours"."""

import pytest

NO_CREDENTIALS = {"detail": "Authentication credentials were not provided."}
INVALID = {"detail": "Invalid token."}
FORBIDDEN = {"detail": "You do not have permission to perform this action."}


def test_missing_token_is_401_with_challenge(client, demo):
    response = client.get(demo.event_url())
    assert response.status_code == 401
    assert response.json == NO_CREDENTIALS
    assert response.headers["WWW-Authenticate"] == "Token"


@pytest.mark.parametrize(
    "header",
    [
        "Token",
        "Token ",
        "Bearer abcdefghijklmnopqrstuvwxyz",
        "Token abcdefghijklmnopqrstuvwxyz",  # well-formed but unknown
        "Token a b",
        "Token " + "x" * 500,
        "Token ../../etc/passwd",
        "Token " + "\u00e4\u00f6\u00fc" * 6,
    ],
)
def test_malformed_or_unknown_token_is_401(client, demo, header):
    response = client.get(demo.event_url(), headers={"Authorization": header})
    assert response.status_code == 401
    assert response.json == INVALID
    assert response.headers["WWW-Authenticate"] == "Token"


def test_revoked_token_is_401(app, client, demo):
    from service.auth import create_team_token, hash_token
    from service.store import get_session
    from service.store.models import Organizer, TeamAPIToken

    with app.app_context():
        session = get_session()
        organizer = session.query(Organizer).filter_by(slug=demo.organizer).one()
        token = create_team_token(session, organizer, "to be revoked")
        session.commit()
        headers = {"Authorization": f"Token {token}"}
        assert client.get(demo.event_url(), headers=headers).status_code == 200
        row = session.query(TeamAPIToken).filter_by(token_hash=hash_token(token)).one()
        row.active = False
        session.commit()
    response = client.get(demo.event_url(), headers=headers)
    assert response.status_code == 401
    assert response.json == INVALID


def test_token_is_stored_hashed(app, demo):
    from service.store import get_session
    from service.store.models import TeamAPIToken

    with app.app_context():
        stored = {t.token_hash for t in get_session().query(TeamAPIToken)}
    assert demo.tokens["full"] not in stored
    assert all(len(h) == 64 for h in stored)


FORBIDDEN_URLS = [
    "/api/v1/organizers/otherorg/exporters/",  # exists, not ours
    "/api/v1/organizers/nosuchorg/exporters/",  # does not exist
    "/api/v1/organizers/otherorg/events/otherconf/exporters/",
    "/api/v1/organizers/bigevents/events/otherconf/exporters/",  # event of another organizer
    "/api/v1/organizers/bigevents/events/nosuchevent/exporters/",
    "/api/v1/organizers/otherorg/events/otherconf/exporters/orderlist/run/",
    "/api/v1/organizers/bigevents/events/nosuchevent/exporters/orderlist/",
    "/api/v1/organizers/bad_slug!/exporters/",
]


@pytest.mark.parametrize("url", FORBIDDEN_URLS)
def test_unknown_and_foreign_organizers_and_events_get_the_same_403(client, demo, url):
    method = client.post if url.endswith("/run/") else client.get
    response = method(url, headers=demo.headers(), json={"_format": "xlsx"})
    assert response.status_code == 403
    assert response.json == FORBIDDEN


def test_403_responses_are_identical_in_body_and_headers(client, demo):
    foreign = client.get("/api/v1/organizers/otherorg/exporters/", headers=demo.headers())
    missing = client.get("/api/v1/organizers/nosuchorg/exporters/", headers=demo.headers())
    assert foreign.data == missing.data
    assert dict(foreign.headers) == dict(missing.headers)
    foreign = client.get(
        "/api/v1/organizers/bigevents/events/otherconf/exporters/", headers=demo.headers()
    )
    missing = client.get(
        "/api/v1/organizers/bigevents/events/nosuch/exporters/", headers=demo.headers()
    )
    assert foreign.data == missing.data
    assert dict(foreign.headers) == dict(missing.headers)


def test_team_limited_to_an_event_sees_that_event(client, demo):
    response = client.get(demo.event_url(), headers=demo.headers("limited"))
    assert response.status_code == 200
    assert "orderlist" in [r["identifier"] for r in response.json["results"]]


def test_exporters_needing_a_permission_the_team_lacks_are_hidden_and_404(client, demo):
    headers = demo.headers("no_orders")
    listing = client.get(demo.event_url(), headers=headers)
    assert listing.status_code == 200
    assert "orderlist" not in [r["identifier"] for r in listing.json["results"]]
    for url in (demo.event_url("orderlist/"), demo.organizer_url("orderlist/")):
        response = client.get(url, headers=headers)
        assert response.status_code == 404
        assert response.json == {"detail": "Not found."}
    response = client.post(demo.event_url("orderlist/run/"), headers=headers, json={})
    assert response.status_code == 404
    assert response.json == {"detail": "Not found."}


def count_queries(app, call) -> int:
    from sqlalchemy import event

    from service.store import get_engine

    with app.app_context():
        engine = get_engine()
    statements = []

    def record(*_args):
        statements.append(1)

    event.listen(engine, "before_cursor_execute", record)
    try:
        call()
    finally:
        event.remove(engine, "before_cursor_execute", record)
    return len(statements)


def test_foreign_and_missing_events_cost_the_same_queries(app, client, demo):
    """No extra query for one case that the other lacks, so timing tells nothing."""
    headers = demo.headers()
    foreign = count_queries(
        app,
        lambda: client.get(
            "/api/v1/organizers/bigevents/events/otherconf/exporters/", headers=headers
        ),
    )
    missing = count_queries(
        app,
        lambda: client.get(
            "/api/v1/organizers/bigevents/events/nosuch/exporters/", headers=headers
        ),
    )
    other_org = count_queries(
        app, lambda: client.get("/api/v1/organizers/otherorg/exporters/", headers=headers)
    )
    no_org = count_queries(
        app, lambda: client.get("/api/v1/organizers/nosuchorg/exporters/", headers=headers)
    )
    assert foreign == missing
    assert other_org == no_org


def test_tokens_never_reach_the_logs(app, client, demo, run_jobs, caplog):
    import logging

    with caplog.at_level(logging.DEBUG):
        response = client.post(
            demo.event_url("orderlist/run/"), headers=demo.headers(), json={"_format": "xlsx"}
        )
        run_jobs()
        client.get(response.json["download"].split("testserver", 1)[1], headers=demo.headers())
        client.get(demo.event_url(), headers={"Authorization": "Token wrongwrongwrongwrongwrong"})
    assert demo.tokens["full"] not in caplog.text
    assert "wrongwrongwrongwrongwrong" not in caplog.text
