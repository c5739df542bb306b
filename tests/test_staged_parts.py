"""Parts of one result staged in the storage and composed there, as hosts that share no disk
do it: the same cases on local disk and in S3 (moto's server, over HTTP), where the long
stretches of staged objects must be copied inside S3 rather than read and sent again."""

import random
import time
import uuid
from pathlib import Path

import pytest

from service.storage import S3Storage, StagedPart, StorageError

KIB = 1024
MIB = 1024 * KIB
MIN_PART = 5 * MIB

# A case: the segments of one result, ("staged", size) or ("literal", size), in order.
CASES = {
    "staged first": [
        ("staged", MIN_PART + 1),
        ("literal", 3 * KIB),
        ("staged", 1),
        ("staged", 12 * MIB),
        ("literal", 1),
    ],
    "literal last": [
        ("literal", 0),
        ("staged", MIN_PART),
        ("staged", MIN_PART - 1),
        ("literal", 3 * KIB),
    ],
    "two big staged in a row": [("literal", 1), ("staged", 12 * MIB), ("staged", MIN_PART + 1)],
    "big staged alone": [("staged", 12 * MIB)],
    "many tiny then one just short of a part": [
        *[("staged", 1), ("staged", 0), ("literal", 1)] * 20,
        ("staged", MIN_PART - 1),
        ("literal", 2 * KIB),
        ("staged", MIN_PART),
    ],
    "exactly one part": [("staged", MIN_PART - 1), ("literal", 1)],
    "below a part": [("literal", 3 * KIB), ("staged", 1), ("staged", 0), ("literal", 0)],
    "nothing at all": [("staged", 0), ("literal", 0)],
}
COPIED = {"staged first", "literal last", "two big staged in a row", "big staged alone"}


def new_id() -> str:
    return str(uuid.uuid4())


def stage(storage, file_id: str, number: int, data: bytes) -> StagedPart:
    """A part as a worker on some host stages it: written locally, staged, then its local
    file removed (the local storage has moved it already)."""
    path = storage.scratch / f".{file_id}.piece{number}.partial"
    path.write_bytes(data)
    part = storage.stage_part(file_id, number, path)
    path.unlink(missing_ok=True)
    return part


def segments_of(storage, file_id: str, case: list, rng: random.Random) -> tuple[list, bytes]:
    """The case's segments, each of random bytes, and the bytes they make together."""
    segments, whole = [], []
    for number, (kind, size) in enumerate(case, start=1):
        data = rng.randbytes(size)
        segments.append(stage(storage, file_id, number, data) if kind == "staged" else data)
        whole.append(data)
    return segments, b"".join(whole)


def read_all(storage, file_id: str) -> bytes:
    with storage.open(file_id) as reader:
        return reader.read()


def staged_objects(storage: S3Storage, file_id: str) -> list[dict]:
    prefix = storage.staged_key(file_id, 0).rpartition("/")[0] + "/"
    listing = storage.client.list_objects_v2(Bucket=storage.bucket, Prefix=prefix)
    return listing.get("Contents", [])


def staged_left(storage, file_id: str) -> list[str]:
    if isinstance(storage, S3Storage):
        return [item["Key"] for item in staged_objects(storage, file_id)]
    directory = storage.staged_dir(file_id)
    return sorted(p.name for p in directory.iterdir()) if directory.exists() else []


def staged_at(storage, file_id: str) -> float:
    """When the storage says the file id's parts were last staged."""
    if isinstance(storage, S3Storage):
        return max(item["LastModified"].timestamp() for item in staged_objects(storage, file_id))
    return storage.staged_dir(file_id).stat().st_mtime


def remove_staged_behind_its_back(storage, part: StagedPart) -> None:
    if isinstance(storage, S3Storage):
        storage.client.delete_object(Bucket=storage.bucket, Key=part.key)
    else:
        Path(part.key).unlink()


class PartsSent:
    """What the storage's own client sent for each part of an upload: the sizes of the parts
    it sent as bytes and of those it had S3 copy (S3 itself is moto's, not faked)."""

    def __init__(self, monkeypatch, storage: S3Storage) -> None:
        self.sent: list[int] = []
        self.copied: list[int] = []
        client = storage.client
        upload_part, upload_part_copy = client.upload_part, client.upload_part_copy

        def send(**kwargs):
            self.sent.append(len(kwargs["Body"]))
            return upload_part(**kwargs)

        def copy(**kwargs):
            first, last = kwargs["CopySourceRange"].removeprefix("bytes=").split("-")
            self.copied.append(int(last) - int(first) + 1)
            return upload_part_copy(**kwargs)

        monkeypatch.setattr(client, "upload_part", send)
        monkeypatch.setattr(client, "upload_part_copy", copy)


@pytest.mark.parametrize("name", list(CASES))
def test_composed_result_is_the_segments_one_after_the_other(storage, monkeypatch, name):
    file_id = new_id()
    segments, whole = segments_of(storage, file_id, CASES[name], random.Random(name))
    parts = PartsSent(monkeypatch, storage) if isinstance(storage, S3Storage) else None

    assert storage.publish_composed(file_id, segments) == len(whole)
    assert storage.stat(file_id).size == len(whole)
    assert read_all(storage, file_id) == whole
    if parts is not None:
        assert sum(parts.sent) + sum(parts.copied) == (len(whole) if len(whole) >= MIN_PART else 0)
        assert all(size <= storage.part_size for size in parts.sent)  # memory stays bounded
        assert bool(parts.copied) == (name in COPIED)


def test_staged_parts_go_with_delete_staged_and_the_result_stays(storage):
    file_id, other = new_id(), new_id()
    segments = [stage(storage, file_id, n, bytes([n]) * 100) for n in (1, 2)]
    stage(storage, other, 1, b"another export's part")
    assert len(staged_left(storage, file_id)) == 2
    storage.publish_composed(file_id, [b"head;", *segments])

    storage.delete_staged(file_id)
    assert staged_left(storage, file_id) == []
    assert read_all(storage, file_id) == b"head;" + b"\x01" * 100 + b"\x02" * 100
    assert len(staged_left(storage, other)) == 1
    storage.delete_staged(file_id)  # twice is no error


def test_expiry_removes_old_staged_parts_and_keeps_newer_ones(storage):
    result, old, new = new_id(), new_id(), new_id()
    storage.publish_composed(result, [b"a result"])
    stage(storage, old, 1, b"old")
    stage(storage, old, 2, b"old too")
    time.sleep(1.05 - time.time() % 1)  # S3 times objects in whole seconds
    stage(storage, new, 1, b"new")
    old_at, new_at = staged_at(storage, old), staged_at(storage, new)
    assert old_at < new_at
    now = new_at + 60
    between = now - (old_at + new_at) / 2  # older than ``old``'s parts, younger than ``new``'s

    assert storage.remove_expired(between, lambda _id: False, grace=60, now=now) == 1
    assert staged_left(storage, old) == []
    assert len(staged_left(storage, new)) == 1
    assert storage.stat(result) is None  # counted as the one result, never as a part

    assert storage.remove_expired(30, lambda _id: False, grace=60, now=now) == 0
    assert staged_left(storage, new) == []


@pytest.mark.parametrize("missing", ["copied", "read"])
def test_a_compose_that_fails_midway_leaves_no_result_and_no_upload(storage, missing):
    file_id = new_id()
    rng = random.Random(missing)
    big = stage(storage, file_id, 1, rng.randbytes(6 * MIB))
    long_one = stage(storage, file_id, 2, rng.randbytes(7 * MIB))
    short_one = stage(storage, file_id, 3, rng.randbytes(10 * KIB))
    remove_staged_behind_its_back(storage, long_one if missing == "copied" else short_one)

    with pytest.raises(StorageError, match="is missing"):
        storage.publish_composed(file_id, [big, b"x" * 3000, long_one, short_one, b"end"])
    assert storage.stat(file_id) is None
    assert list(storage.scratch.glob(f".{file_id}*")) == []
    if isinstance(storage, S3Storage):
        uploads = storage.client.list_multipart_uploads(Bucket=storage.bucket)
        assert uploads.get("Uploads", []) == []


def test_staged_parts_are_named_by_file_id_only(storage):
    path = storage.scratch / "piece"
    path.write_bytes(b"x")
    with pytest.raises(ValueError):
        storage.stage_part("../elsewhere", 1, path)
    with pytest.raises(ValueError):
        storage.stage_part(new_id(), -1, path)
    with pytest.raises(ValueError):
        storage.delete_staged("")
