"""Which host and scheme download URLs name: SERVER_NAME when set, X-Forwarded-* only from
trusted proxies, the request's Host otherwise."""

import pytest

from service import create_app

from .conftest import REDIS_URL

RUN = "/api/v1/organizers/bigevents/events/sampleconf/exporters/orderlist/run/"
BODY = {"_format": "xlsx"}


@pytest.fixture
def app_with(store_url, export_dir, demo, redis):
    def make(**config):
        return create_app(
            {
                "DATABASE_URL": store_url,
                "REDIS_URL": REDIS_URL,
                "EXPORT_DIR": str(export_dir),
                "MAX_ACTIVE_EXPORTS_PER_TOKEN": 100,
                **config,
            }
        )

    return make


def download_url(app, demo, **headers) -> str:
    response = app.test_client().post(RUN, headers={**demo.headers(), **headers}, json=BODY)
    assert response.status_code == 202, response.json
    return response.json["download"]


def test_server_name_wins_over_the_host_header(app_with, demo):
    app = app_with(SERVER_NAME="exports.example.org")
    url = download_url(app, demo, Host="evil.example")
    assert url.startswith("http://exports.example.org/api/v1/organizers/bigevents/"), url


def test_forwarded_headers_count_only_from_trusted_proxies(app_with, demo):
    forwarded = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "shop.example.org"}
    trusting = app_with(TRUSTED_PROXIES=1)
    assert download_url(trusting, demo, Host="10.0.0.5", **forwarded).startswith(
        "https://shop.example.org/api/v1/"
    )
    untrusting = app_with()
    assert download_url(untrusting, demo, Host="10.0.0.5", **forwarded).startswith(
        "http://10.0.0.5/api/v1/"
    )


def test_server_name_with_a_trusted_proxy_takes_the_scheme_from_the_proxy(app_with, demo):
    app = app_with(SERVER_NAME="exports.example.org", TRUSTED_PROXIES=1)
    url = download_url(
        app, demo, Host="evil.example", **{"X-Forwarded-Proto": "https", "X-Forwarded-Host": "evil"}
    )
    assert url.startswith("https://exports.example.org/api/v1/"), url
