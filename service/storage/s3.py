"""Results in S3-compatible object storage (``EXPORT_STORAGE=s3://bucket/prefix``), so that
web and worker hosts share no disk.

A result goes up as one object, ``<prefix>/<file id>``: a single PUT when small, else a
multipart upload read from the pieces on the worker's disk one part at a time, so that at
most a few parts are in memory however big the file. The pieces of a file written in
parallel become consecutive parts of that same upload, never joined on disk first.
Downloads read byte ranges of the object as they are sent.

Parts of a result written on different hosts meet in the bucket instead: each host stages its
part as an object of its own (``<prefix>/parts/<file id>/<number>``), and the result is then
composed by one multipart upload whose long stretches are copied from the staged objects
inside S3 (UploadPartCopy); only what is too short to be a part of its own (S3 wants 5 MiB)
is read and sent, gathered into buffers of at most a part's size.
"""

import logging
import os
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from .base import StagedPart, StorageError, StoredFile
from .local import STAGED_DIR, is_file_id, is_part_name, part_name

log = logging.getLogger(__name__)

PART_SIZE = 8 * 1024 * 1024  # S3 wants at least 5 MiB in every part but the last
MIN_PART = 5 * 1024 * 1024
MAX_PART = 5 * 1024 * 1024 * 1024  # sent or copied
MAX_PARTS = 10_000
PARTS_IN_FLIGHT = 2
READ_CHUNK = 256 * 1024
DOWNLOAD_URL_SECONDS = 300


def parse_url(url: str) -> tuple[str, str]:
    """``s3://bucket/some/prefix`` → (``bucket``, ``some/prefix``)."""
    rest = url.removeprefix("s3://")
    bucket, _, prefix = rest.partition("/")
    if not bucket:
        raise ValueError(f"EXPORT_STORAGE names no bucket: {url!r}")
    return bucket, prefix.strip("/")


def _client_errors() -> tuple[type[BaseException], ...]:
    from botocore.exceptions import BotoCoreError, ClientError

    return (BotoCoreError, ClientError)


def _stream_errors() -> tuple[type[BaseException], ...]:
    from urllib3.exceptions import HTTPError

    return (HTTPError,)


class _StoredKey(NamedTuple):
    file_id: str
    staged: bool


def _not_found(error: BaseException) -> bool:
    response = getattr(error, "response", None) or {}
    code = str(response.get("Error", {}).get("Code", ""))
    return code in ("404", "NoSuchKey", "NotFound", "NoSuchUpload")


class S3Storage:
    def __init__(
        self,
        url: str,
        scratch: Path,
        endpoint_url: str | None = None,
        part_size: int = PART_SIZE,
        download_url_seconds: int = DOWNLOAD_URL_SECONDS,
    ) -> None:
        self.bucket, self.prefix = parse_url(url)
        self.scratch = Path(scratch)
        self.endpoint_url = endpoint_url or None
        self.part_size = part_size
        self.download_url_seconds = download_url_seconds
        self._clients: dict[int, object] = {}
        self._lock = threading.Lock()

    # Clients ----------------------------------------------------------------------------
    @property
    def client(self):
        """One client per process: a forked work horse must not share its parent's
        connections."""
        pid = os.getpid()
        client = self._clients.get(pid)
        if client is None:
            with self._lock:
                client = self._clients.get(pid) or self._new_client()
                self._clients = {pid: client}
        return client

    def _new_client(self):
        import boto3
        from botocore.config import Config

        config = Config(
            connect_timeout=5,
            read_timeout=60,
            retries={"max_attempts": 3, "mode": "standard"},
            s3={"addressing_style": "path"} if self.endpoint_url else {},
        )
        return boto3.session.Session().client("s3", endpoint_url=self.endpoint_url, config=config)

    def key(self, file_id: str) -> str:
        return f"{self.prefix}/{file_id}" if self.prefix else file_id

    def staged_key(self, file_id: str, number: int) -> str:
        return f"{self._staged_prefix(file_id)}{part_name(number)}"

    def _staged_prefix(self, file_id: str) -> str:
        """``<prefix>/parts/<file id>/``; the id is checked because everything under this
        is removed by it."""
        if not is_file_id(file_id):
            raise ValueError(f"not a file id: {file_id!r}")
        return f"{self._listing_prefix()}{STAGED_DIR}/{file_id}/"

    def _stored_key(self, key: str) -> _StoredKey | None:
        """Whose result or staged part ``key`` is, for the keys this storage writes only:
        ``<prefix>/<file id>`` and ``<prefix>/parts/<file id>/<number>``."""
        prefix = self._listing_prefix()
        if not key.startswith(prefix):
            return None
        names = key[len(prefix) :].split("/")
        if len(names) == 1 and is_file_id(names[0]):
            return _StoredKey(names[0], staged=False)
        if (
            len(names) == 3
            and names[0] == STAGED_DIR
            and is_file_id(names[1])
            and is_part_name(names[2])
        ):
            return _StoredKey(names[1], staged=True)
        return None

    def _call(self, method: str, **kwargs):
        try:
            return getattr(self.client, method)(**kwargs)
        except _client_errors() as exc:
            if _not_found(exc):
                raise FileNotFoundError(kwargs.get("Key", "")) from exc
            raise StorageError(f"S3 {method} failed: {exc}") from exc

    # Writing ----------------------------------------------------------------------------
    def publish(self, file_id: str, pieces: list[Path]) -> int:
        size = sum(os.path.getsize(piece) for piece in pieces)
        if size <= self.part_size:
            body = b"".join(piece.read_bytes() for piece in pieces)
            self._call("put_object", Bucket=self.bucket, Key=self.key(file_id), Body=body)
        else:
            self._upload_in_parts(self.key(file_id), pieces)
        for piece in pieces:
            piece.unlink(missing_ok=True)
        return size

    def _upload_in_parts(self, key: str, pieces: list[Path]) -> None:
        self._multipart_upload(
            key, lambda upload_id: self._send_parts(key, upload_id, _chunks(pieces, self.part_size))
        )

    def _multipart_upload(self, key: str, send_parts: Callable[[str], list[dict]]) -> None:
        """Create an upload, let ``send_parts`` fill it and complete it; abort it on any
        failure, since its parts cost money until then."""
        upload = self._call("create_multipart_upload", Bucket=self.bucket, Key=key)
        upload_id = upload["UploadId"]
        try:
            parts = send_parts(upload_id)
            self._call(
                "complete_multipart_upload",
                Bucket=self.bucket,
                Key=key,
                UploadId=upload_id,
                MultipartUpload={"Parts": parts},
            )
        except BaseException:
            try:
                self.client.abort_multipart_upload(Bucket=self.bucket, Key=key, UploadId=upload_id)
            except Exception:  # cleanup (or the bucket's lifecycle rule) aborts it later
                log.warning("Could not abort the upload of %s", key, exc_info=True)
            raise

    def _send_parts(self, key: str, upload_id: str, chunks: Iterator[bytes]) -> list[dict]:
        """Upload parts while the next one is read, with at most PARTS_IN_FLIGHT in memory."""
        parts: list[dict] = []
        with ThreadPoolExecutor(PARTS_IN_FLIGHT) as pool:
            pending = set()
            for number, chunk in enumerate(chunks, start=1):
                if len(pending) >= PARTS_IN_FLIGHT:
                    done, pending = wait(pending, return_when=FIRST_COMPLETED)
                    parts += [future.result() for future in done]
                pending.add(pool.submit(self._send_part, key, upload_id, number, chunk))
            parts += [future.result() for future in pending]
        return sorted(parts, key=lambda part: part["PartNumber"])

    def _send_part(self, key: str, upload_id: str, number: int, chunk: bytes | bytearray) -> dict:
        answer = self._call(
            "upload_part",
            Bucket=self.bucket,
            Key=key,
            UploadId=upload_id,
            PartNumber=number,
            Body=chunk,
        )
        return {"PartNumber": number, "ETag": answer["ETag"]}

    # Staged parts -----------------------------------------------------------------------
    def stage_part(self, file_id: str, number: int, path: Path) -> StagedPart:
        key = self.staged_key(file_id, number)
        size = os.path.getsize(path)
        if size <= self.part_size:
            with open(path, "rb") as body:
                self._call("put_object", Bucket=self.bucket, Key=key, Body=body)
        else:
            self._upload_in_parts(key, [Path(path)])
        return StagedPart(key, size)

    def publish_composed(self, file_id: str, segments: list[bytes | StagedPart]) -> int:
        plan = _PartPlan(max(self.part_size, MIN_PART))
        for segment in segments:
            plan.add(segment)
        parts = plan.finish()
        key = self.key(file_id)
        if plan.size < MIN_PART:  # too small for an upload of parts, so at most one buffer
            body = self._read_pieces(parts[0]) if parts else b""
            self._call("put_object", Bucket=self.bucket, Key=key, Body=body)
        elif len(parts) > MAX_PARTS:
            raise StorageError(f"{file_id} would take {len(parts)} parts, S3 takes {MAX_PARTS}")
        else:
            self._multipart_upload(key, lambda upload_id: self._send_planned(key, upload_id, parts))
        return plan.size

    def _send_planned(self, key: str, upload_id: str, parts: list["_Part"]) -> list[dict]:
        """One part at a time, so that at most one buffer is in memory."""
        return [
            self._copy_part(key, upload_id, number, part)
            if isinstance(part, _Range)
            else self._send_part(key, upload_id, number, self._read_pieces(part))
            for number, part in enumerate(parts, start=1)
        ]

    def _copy_part(self, key: str, upload_id: str, number: int, source: "_Range") -> dict:
        try:
            answer = self._call(
                "upload_part_copy",
                Bucket=self.bucket,
                Key=key,
                UploadId=upload_id,
                PartNumber=number,
                CopySource={"Bucket": self.bucket, "Key": source.key},
                CopySourceRange=source.http_range,
            )
        except FileNotFoundError as exc:  # it names the result's key, not the missing one
            raise StorageError(f"The staged part {source.key} is missing") from exc
        return {"PartNumber": number, "ETag": answer["CopyPartResult"]["ETag"]}

    def _read_pieces(self, pieces: list["_Piece"]) -> bytearray:
        """One part's bytes, sent as they are, without another copy."""
        buffer = bytearray()
        for piece in pieces:
            buffer += self._read_range(piece) if isinstance(piece, _Range) else piece
        return buffer

    def _read_range(self, source: "_Range") -> bytes:
        try:
            answer = self._call(
                "get_object", Bucket=self.bucket, Key=source.key, Range=source.http_range
            )
            data = answer["Body"].read()
        except FileNotFoundError as exc:
            raise StorageError(f"The staged part {source.key} is missing") from exc
        except (*_client_errors(), *_stream_errors()) as exc:
            raise StorageError(f"S3 read failed: {exc}") from exc
        if len(data) != source.size:
            raise StorageError(f"The staged part {source.key} is shorter than it was")
        return data

    def delete_staged(self, file_id: str) -> None:
        self._delete_keys([key for key, _ in self._objects(self._staged_prefix(file_id))])

    # Reading ----------------------------------------------------------------------------
    def stat(self, file_id: str) -> StoredFile | None:
        try:
            head = self._call("head_object", Bucket=self.bucket, Key=self.key(file_id))
        except FileNotFoundError:
            return None
        return StoredFile(
            size=int(head["ContentLength"]),
            modified=head["LastModified"].timestamp(),
            etag=head["ETag"].strip('"'),
        )

    def open(self, file_id: str) -> "ObjectReader":
        stored = self.stat(file_id)
        if stored is None:
            raise FileNotFoundError(file_id)
        return ObjectReader(self, self.key(file_id), stored.size)

    def download_url(self, file_id: str, disposition: str, content_type: str) -> str | None:
        params = {
            "Bucket": self.bucket,
            "Key": self.key(file_id),
            "ResponseContentDisposition": disposition,
            "ResponseContentType": content_type,
        }
        try:
            return self.client.generate_presigned_url(
                "get_object", Params=params, ExpiresIn=self.download_url_seconds
            )
        except _client_errors() as exc:
            raise StorageError(f"S3 could not sign a download URL: {exc}") from exc

    # Removing ---------------------------------------------------------------------------
    def delete(self, file_id: str) -> None:
        self._call("delete_object", Bucket=self.bucket, Key=self.key(file_id))

    def remove_expired(
        self, max_age_seconds: float, is_running: Callable[[str], bool], grace: float, now: float
    ) -> int:
        """Results and staged parts alike; only the results are counted."""
        results, staged = [], []
        for key, modified in self._objects(self._listing_prefix()):
            stored = self._stored_key(key)
            if stored is not None and now - modified > max_age_seconds:
                (staged if stored.staged else results).append(key)
        self._delete_keys(results + staged)
        self._abort_abandoned_uploads(is_running, grace, now)
        return len(results)

    def _delete_keys(self, keys: list[str]) -> None:
        for start in range(0, len(keys), 1000):  # the most one request takes
            batch = [{"Key": key} for key in keys[start : start + 1000]]
            self._call(
                "delete_objects", Bucket=self.bucket, Delete={"Objects": batch, "Quiet": True}
            )

    def _listing_prefix(self) -> str:
        return f"{self.prefix}/" if self.prefix else ""

    def _objects(self, prefix: str) -> Iterator[tuple[str, float]]:
        paginator = self.client.get_paginator("list_objects_v2")
        try:
            for page in paginator.paginate(Bucket=self.bucket, Prefix=prefix):
                for item in page.get("Contents", []):
                    yield item["Key"], item["LastModified"].timestamp()
        except _client_errors() as exc:
            raise StorageError(f"S3 listing failed: {exc}") from exc

    def _abort_abandoned_uploads(
        self, is_running: Callable[[str], bool], grace: float, now: float
    ) -> None:
        """Uploads of exports whose worker died mid-upload: their parts cost money."""
        answer = self._call(
            "list_multipart_uploads", Bucket=self.bucket, Prefix=self._listing_prefix()
        )
        for upload in answer.get("Uploads", []):
            stored = self._stored_key(upload["Key"])
            file_id = stored.file_id if stored else upload["Key"].rpartition("/")[2]
            if now - upload["Initiated"].timestamp() > grace and not is_running(file_id):
                self._call(
                    "abort_multipart_upload",
                    Bucket=self.bucket,
                    Key=upload["Key"],
                    UploadId=upload["UploadId"],
                )


def _chunks(pieces: list[Path], size: int) -> Iterator[bytes]:
    """The pieces' bytes in order, cut into chunks of ``size`` (the last may be shorter)."""
    buffer = bytearray()
    for piece in pieces:
        with open(piece, "rb") as handle:
            while block := handle.read(size - len(buffer)):
                buffer += block
                if len(buffer) == size:
                    yield bytes(buffer)
                    buffer.clear()
    if buffer:
        yield bytes(buffer)


@dataclass(frozen=True)
class _Range:
    """Bytes ``start`` to ``end`` (exclusive) of a staged object."""

    key: str
    start: int
    end: int

    @property
    def size(self) -> int:
        return self.end - self.start

    @property
    def http_range(self) -> str:
        return f"bytes={self.start}-{self.end - 1}"


_Piece = memoryview | _Range  # gathered into one buffer with the pieces beside it
_Part = _Range | list[_Piece]  # copied inside S3, or gathered and sent


class _PartPlan:
    """Where each part of a composed result's upload comes from, worked out before any
    request: stretches of staged objects long enough to be parts are copied inside S3, all
    else is gathered into buffers of MIN_PART to ``buffer_size`` bytes (the last one may be
    shorter), each piece a slice of a literal or a range of a staged object to read."""

    def __init__(self, buffer_size: int) -> None:
        self.buffer_size = buffer_size
        self.size = 0
        self.parts: list[_Part] = []
        self.pending: list[_Piece] = []
        self.pending_size = 0

    def add(self, segment: bytes | StagedPart) -> None:
        if isinstance(segment, StagedPart):
            self._add_staged(segment.key, segment.size)
        else:
            self._add_literal(memoryview(segment))

    def finish(self) -> list[_Part]:
        self._flush()
        return self.parts

    def _add_literal(self, data: memoryview) -> None:
        while data:
            room = self.buffer_size - self.pending_size
            self._gather(data[:room])
            data = data[room:]
            if self.pending_size == self.buffer_size:
                self._flush()

    def _add_staged(self, key: str, size: int) -> None:
        """The object's head tops up a pending buffer still too short to be a part; the
        rest is copied if it is long enough to be one, else gathered."""
        start = 0
        if 0 < self.pending_size < MIN_PART:
            start = min(size, MIN_PART - self.pending_size)
            self._gather(_Range(key, 0, start))
        if self.pending_size >= MIN_PART:
            self._flush()
        if size - start >= MIN_PART:
            self._copy(_Range(key, start, size))
        else:
            self._gather(_Range(key, start, size))

    def _copy(self, stretch: _Range) -> None:
        """In equal parts of at most MAX_PART, so that none is left too short."""
        count = -(-stretch.size // MAX_PART)
        step = -(-stretch.size // count)
        for start in range(stretch.start, stretch.end, step):
            self.parts.append(_Range(stretch.key, start, min(start + step, stretch.end)))
        self.size += stretch.size

    def _gather(self, piece: _Piece) -> None:
        size = piece.size if isinstance(piece, _Range) else len(piece)
        if size:
            self.pending.append(piece)
            self.pending_size += size
            self.size += size

    def _flush(self) -> None:
        if self.pending:
            self.parts.append(self.pending)
            self.pending = []
            self.pending_size = 0


class ObjectReader:
    """A seekable, iterable reader of an object: each seek starts a ranged GET at the next
    read, so a ``Range`` request costs only the bytes it asks for."""

    def __init__(self, storage: S3Storage, key: str, size: int) -> None:
        self.storage, self.key, self.size = storage, key, size
        self.position = 0
        self.body = None

    def seekable(self) -> bool:
        return True

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        base = {os.SEEK_SET: 0, os.SEEK_CUR: self.position, os.SEEK_END: self.size}[whence]
        self._close_body()
        self.position = max(0, base + offset)
        return self.position

    def tell(self) -> int:
        return self.position

    def read(self, size: int = -1) -> bytes:
        if self.position >= self.size:
            return b""
        if self.body is None:
            answer = self.storage._call(
                "get_object",
                Bucket=self.storage.bucket,
                Key=self.key,
                Range=f"bytes={self.position}-",
            )
            self.body = answer["Body"]
        try:
            data = self.body.read(None if size is None or size < 0 else size)
        except (*_client_errors(), *_stream_errors()) as exc:
            raise StorageError(f"S3 read failed: {exc}") from exc
        self.position += len(data)
        return data

    def __iter__(self) -> "ObjectReader":
        return self

    def __next__(self) -> bytes:
        data = self.read(READ_CHUNK)
        if not data:
            raise StopIteration
        return data

    def _close_body(self) -> None:
        if self.body is not None:
            self.body.close()
            self.body = None

    def close(self) -> None:
        self._close_body()

    def __enter__(self) -> "ObjectReader":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
