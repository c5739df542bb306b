"""The pages' session: signing out ends it on the server, so a copy of the cookie is worth
nothing afterwards; the cookie is Secure whenever the request came over HTTPS."""

import pytest

from service import create_app
from service.web import server_sessions

from .conftest import REDIS_URL

DASHBOARD = "/"


def sign_in(client, token: str):
    client.get("/login")
    with client.session_transaction() as session:
        csrf = session["csrf_token"]
    response = client.post("/login", data={"token": token, "csrf_token": csrf})
    assert response.status_code == 303
    return response


def session_cookie(response) -> str:
    header = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith("session="))
    return header.split(";", 1)[0].split("=", 1)[1]


def replay(app, cookie: str):
    """A request from somewhere else that carries a copied cookie and nothing more."""
    client = app.test_client(use_cookies=False)
    return client.get(DASHBOARD, headers={"Cookie": f"session={cookie}"})


def test_a_copied_cookie_stops_working_when_its_session_signs_out(app, client, demo):
    copied = session_cookie(sign_in(client, demo.tokens["full"]))
    assert replay(app, copied).status_code == 200

    with client.session_transaction() as session:
        csrf = session["csrf_token"]
    assert client.post("/logout", data={"csrf_token": csrf}).status_code == 303

    response = replay(app, copied)
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/login")


def test_signing_out_one_session_leaves_the_others(app, demo, redis):
    first, second = app.test_client(), app.test_client()
    sign_in(first, demo.tokens["full"])
    sign_in(second, demo.tokens["full"])
    with first.session_transaction() as session:
        csrf = session["csrf_token"]
    first.post("/logout", data={"csrf_token": csrf})
    assert first.get(DASHBOARD).status_code == 302
    assert second.get(DASHBOARD).status_code == 200


def test_session_record_expires_with_the_session_lifetime(app, client, demo, redis):
    sign_in(client, demo.tokens["full"])
    keys = redis.keys(server_sessions.KEY_PREFIX + "*")
    assert len(keys) == 1
    assert 0 < redis.ttl(keys[0]) <= app.permanent_session_lifetime.total_seconds()


def test_a_cookie_without_a_session_record_is_signed_out(client, demo, redis):
    sign_in(client, demo.tokens["full"])
    redis.delete(*redis.keys(server_sessions.KEY_PREFIX + "*"))  # e.g. Redis data lost
    assert client.get(DASHBOARD).status_code == 302


def cookie_flags(client, demo, **kwargs) -> set[str]:
    client.get("/login", **kwargs)
    with client.session_transaction(**kwargs) as session:
        csrf = session["csrf_token"]
    response = client.post(
        "/login", data={"token": demo.tokens["full"], "csrf_token": csrf}, **kwargs
    )
    assert response.status_code == 303
    header = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith("session="))
    return {part.strip().split("=")[0].lower() for part in header.split(";")[1:]}


def test_cookie_is_secure_over_https_only(app, client, demo):
    assert "secure" not in cookie_flags(client, demo)
    assert "httponly" in cookie_flags(client, demo)
    assert "secure" in cookie_flags(app.test_client(), demo, base_url="https://testserver")


@pytest.fixture
def app_with(store_url, export_dir, demo, redis):
    def make(**config):
        return create_app(
            {
                "DATABASE_URL": store_url,
                "REDIS_URL": REDIS_URL,
                "EXPORT_DIR": str(export_dir),
                **config,
            }
        )

    return make


def test_cookie_is_secure_when_configured(app_with, demo):
    app = app_with(SESSION_COOKIE_SECURE=True)
    assert "secure" in cookie_flags(app.test_client(), demo)


def test_cookie_is_secure_behind_a_trusted_https_proxy(app_with, demo):
    forwarded = {"headers": {"X-Forwarded-Proto": "https"}}
    trusting = app_with(TRUSTED_PROXIES=1)
    assert "secure" in cookie_flags(trusting.test_client(), demo, **forwarded)
    untrusting = app_with()
    assert "secure" not in cookie_flags(untrusting.test_client(), demo, **forwarded)
