"""The API with results in S3 (moto's server in its own process, over HTTP): downloads keep
status codes, ranges, ETags and names; DELETE, expiry and redirects act on the objects."""

import time
import urllib.request

import pytest
from rq import SimpleWorker

from service import files
from service.exporters import orderlist
from service.jobs import get_queue

from .conftest import path_of, s3_app_for


@pytest.fixture
def s3_app(app, demo, redis, s3_server, bucket, tmp_path):
    """An app like the test app, its results in the bucket under ``exports/``."""
    return s3_app_for(app, s3_server, bucket, tmp_path)


def export(app, demo, body: dict) -> str:
    client = app.test_client()
    answer = client.post(demo.event_url("orderlist/run/"), headers=demo.headers(), json=body)
    assert answer.status_code == 202, answer.json
    with app.app_context():
        queue = get_queue()
        SimpleWorker([queue], connection=queue.connection).work(burst=True)
    return path_of(answer.json["download"])


def objects(s3_server, bucket: str) -> list[str]:
    listing = s3_server.client().list_objects_v2(Bucket=bucket)
    return [item["Key"] for item in listing.get("Contents", [])]


def test_downloads_from_s3_answer_as_from_disk(app, s3_app, demo, s3_server, bucket, tmp_path):
    body = {"_format": "positions:default"}
    on_disk = app.test_client().get(export(app, demo, body), headers=demo.headers())
    url = export(s3_app, demo, body)
    client = s3_app.test_client()
    whole = client.get(url, headers=demo.headers())
    assert whole.status_code == 200
    assert whole.data == on_disk.data and len(whole.data) > 1000
    for name in ("Content-Type", "Content-Disposition", "Content-Length", "Accept-Ranges"):
        assert whole.headers[name] == on_disk.headers[name]
    assert objects(s3_server, bucket) == [f"exports/{url.rstrip('/').rsplit('/', 1)[1]}"]
    assert list((tmp_path / "scratch").iterdir()) == []

    part = client.get(url, headers={**demo.headers(), "Range": "bytes=100-199"})
    assert part.status_code == 206
    assert part.data == whole.data[100:200]
    assert part.headers["Content-Range"] == f"bytes 100-199/{len(whole.data)}"
    tail = client.get(url, headers={**demo.headers(), "Range": "bytes=-10"})
    assert tail.status_code == 206 and tail.data == whole.data[-10:]

    etag = whole.headers["ETag"]
    unchanged = client.get(url, headers={**demo.headers(), "If-None-Match": etag})
    assert unchanged.status_code == 304 and unchanged.data == b""


def test_pieces_written_in_parallel_become_one_object(
    app, s3_app, demo, monkeypatch, s3_server, bucket
):
    body = {"_format": "orders:semicolon"}
    on_disk = app.test_client().get(export(app, demo, body), headers=demo.headers()).data
    monkeypatch.setattr(orderlist, "SPLIT_MIN_ORDERS", 1)  # two processes, two pieces
    url = export(s3_app, demo, body)
    assert s3_app.test_client().get(url, headers=demo.headers()).data == on_disk


def test_delete_and_expiry_remove_the_object(s3_app, demo, s3_server, bucket):
    client = s3_app.test_client()
    deleted = export(s3_app, demo, {"_format": "orders:default"})
    expired = export(s3_app, demo, {"_format": "xlsx"})
    assert len(objects(s3_server, bucket)) == 2
    assert client.delete(deleted, headers=demo.headers()).status_code == 204
    assert client.get(deleted, headers=demo.headers()).status_code == 404
    assert len(objects(s3_server, bucket)) == 1
    with s3_app.app_context():
        assert files.remove_expired(3600, lambda _id: False, now=time.time() + 7200) == 1
    assert objects(s3_server, bucket) == []
    assert client.get(expired, headers=demo.headers()).status_code == 404


def test_redirect_to_a_presigned_url_when_asked(s3_app, demo):
    url = export(s3_app, demo, {"_format": "orders:excel"})
    client = s3_app.test_client()
    direct = client.get(url, headers=demo.headers())
    s3_app.config["EXPORT_DOWNLOAD_REDIRECT"] = True
    answer = client.get(url, headers=demo.headers())
    assert answer.status_code == 302
    assert answer.headers["Cache-Control"] == "no-store"
    with urllib.request.urlopen(answer.headers["Location"], timeout=10) as fetched:
        assert fetched.read() == direct.data
        assert fetched.headers["Content-Disposition"] == direct.headers["Content-Disposition"]
    # Someone else's token still gets no URL.
    assert client.get(url, headers=demo.headers("limited")).status_code == 410
