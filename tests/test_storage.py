"""One suite for every result storage: local disk and S3 (moto's server, over HTTP), as
conftest's ``storage`` fixture gives them."""

import os
import time
import urllib.request
import uuid

import pytest

from service.storage import LocalStorage, S3Storage

MIB = 1024 * 1024


def new_id() -> str:
    return str(uuid.uuid4())


def write_pieces(storage, file_id: str, sizes: list[int]) -> bytes:
    """Pieces of the given sizes, each of its own bytes, as workers leave them."""
    whole = b""
    for number, size in enumerate(sizes, start=1):
        data = bytes([number % 251]) * (size - 1) + b"\n"
        (storage.scratch / f".{file_id}.piece{number}.partial").write_bytes(data)
        whole += data
    return whole


def read_all(storage, file_id: str) -> bytes:
    with storage.open(file_id) as reader:
        return reader.read()


def test_a_small_result_is_published_read_and_deleted(storage):
    file_id = new_id()
    source = storage.scratch / f".{file_id}.partial"
    source.write_bytes(b"order,total\n1,23.00\n")
    assert storage.publish(file_id, [source]) == 20
    assert not source.exists()
    stored = storage.stat(file_id)
    assert stored.size == 20 and abs(stored.modified - time.time()) < 60
    assert read_all(storage, file_id) == b"order,total\n1,23.00\n"
    storage.delete(file_id)
    assert storage.stat(file_id) is None
    with pytest.raises(FileNotFoundError):
        storage.open(file_id)
    storage.delete(file_id)  # deleting twice is no error


def test_pieces_are_joined_in_order_and_read_by_range(storage):
    """Pieces of odd sizes, together past one multipart part: S3 takes them as consecutive
    parts of one upload, the local disk joins them in place."""
    file_id = new_id()
    sizes = [3 * MIB + 17, 6 * MIB + 5, 1234, 2 * MIB]
    whole = write_pieces(storage, file_id, sizes)
    pieces = sorted(storage.scratch.glob(f".{file_id}.piece*"))
    assert storage.publish(file_id, pieces) == len(whole)
    assert not list(storage.scratch.glob(f".{file_id}*"))
    assert read_all(storage, file_id) == whole
    with storage.open(file_id) as reader:
        reader.seek(9 * MIB)
        assert reader.read(1000) == whole[9 * MIB : 9 * MIB + 1000]
        reader.seek(-10, os.SEEK_END)
        assert reader.read() == whole[-10:]


def test_results_past_their_age_are_removed(storage):
    kept, old = new_id(), new_id()
    for file_id in (kept, old):
        source = storage.scratch / f".{file_id}.partial"
        source.write_bytes(b"x")
        storage.publish(file_id, [source])
    now = time.time()
    assert storage.remove_expired(3600, lambda _id: False, grace=60, now=now) == 0
    assert storage.remove_expired(3600, lambda _id: False, grace=60, now=now + 7200) == 2
    assert storage.stat(kept) is None and storage.stat(old) is None


def test_s3_uploads_of_exports_that_died_are_aborted(storage):
    if not isinstance(storage, S3Storage):
        pytest.skip("local files have no uploads")
    running, dead = new_id(), new_id()
    client = storage.client
    for file_id in (running, dead):
        client.create_multipart_upload(Bucket=storage.bucket, Key=storage.key(file_id))
    storage.remove_expired(3600, lambda f: f == running, grace=60, now=time.time() + 120)
    left = client.list_multipart_uploads(Bucket=storage.bucket).get("Uploads", [])
    assert [upload["Key"] for upload in left] == [storage.key(running)]


def test_s3_download_url_serves_the_file_with_its_name(storage):
    if not isinstance(storage, S3Storage):
        pytest.skip("local storage has no download URLs")
    file_id = new_id()
    source = storage.scratch / f".{file_id}.partial"
    source.write_bytes(b"a;b\n")
    storage.publish(file_id, [source])
    url = storage.download_url(file_id, 'attachment; filename="x.csv"', "text/csv")
    with urllib.request.urlopen(url, timeout=10) as answer:
        assert answer.read() == b"a;b\n"
        assert answer.headers["Content-Disposition"] == 'attachment; filename="x.csv"'
        assert answer.headers["Content-Type"] == "text/csv"


def test_local_cleanup_before_the_first_export_finds_nothing(tmp_path):
    storage = LocalStorage(tmp_path / "not-made-yet")
    assert storage.remove_expired(3600, lambda _id: False, grace=60, now=time.time()) == 0
