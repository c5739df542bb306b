"""Results in S3-compatible object storage (``EXPORT_STORAGE=s3://bucket/prefix``), so that
web and worker hosts share no disk.

A result goes up as one object, ``<prefix>/<file id>``: a single PUT when small, else a
multipart upload read from the pieces on the worker's disk one part at a time, so that at
most a few parts are in memory however big the file. The pieces of a file written in
parallel become consecutive parts of that same upload, never joined on disk first.
Downloads read byte ranges of the object as they are sent.
"""

import logging
import os
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from pathlib import Path

from .base import StorageError, StoredFile
from .local import is_file_id

log = logging.getLogger(__name__)

PART_SIZE = 8 * 1024 * 1024  # S3 wants at least 5 MiB in every part but the last
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
        upload = self._call("create_multipart_upload", Bucket=self.bucket, Key=key)
        upload_id = upload["UploadId"]
        try:
            parts = self._send_parts(key, upload_id, _chunks(pieces, self.part_size))
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

    def _send_part(self, key: str, upload_id: str, number: int, chunk: bytes) -> dict:
        answer = self._call(
            "upload_part",
            Bucket=self.bucket,
            Key=key,
            UploadId=upload_id,
            PartNumber=number,
            Body=chunk,
        )
        return {"PartNumber": number, "ETag": answer["ETag"]}

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
        expired = [
            key
            for key, modified in self._objects()
            if is_file_id(key.rpartition("/")[2]) and now - modified > max_age_seconds
        ]
        for start in range(0, len(expired), 1000):
            batch = [{"Key": key} for key in expired[start : start + 1000]]
            self._call(
                "delete_objects", Bucket=self.bucket, Delete={"Objects": batch, "Quiet": True}
            )
        self._abort_abandoned_uploads(is_running, grace, now)
        return len(expired)

    def _listing_prefix(self) -> str:
        return f"{self.prefix}/" if self.prefix else ""

    def _objects(self) -> Iterator[tuple[str, float]]:
        paginator = self.client.get_paginator("list_objects_v2")
        try:
            for page in paginator.paginate(Bucket=self.bucket, Prefix=self._listing_prefix()):
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
            file_id = upload["Key"].rpartition("/")[2]
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
