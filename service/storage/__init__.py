"""Where finished export files live: a local directory or S3-compatible object storage,
behind one small interface (``base.Storage``), chosen by ``EXPORT_STORAGE``.

* ``local``: a directory (``EXPORT_DIR``), as on one machine;
* ``s3``: a bucket and prefix, so that web and worker hosts need no shared disk;
* ``serving``: a stored file as a download response (ranges, ETags, or a redirect).
"""

import tempfile
from pathlib import Path

from flask import current_app

from .base import StagedPart, Storage, StorageError, StoredFile
from .local import LocalStorage
from .s3 import S3Storage

__all__ = [
    "LocalStorage",
    "S3Storage",
    "StagedPart",
    "Storage",
    "StorageError",
    "StoredFile",
    "get_storage",
]


def storage_for(config) -> Storage:
    """The storage that ``config`` names (a Flask config or any mapping)."""
    spec = config.get("EXPORT_STORAGE") or ""
    if spec.startswith("s3://"):
        scratch = config.get("EXPORT_SCRATCH_DIR") or Path(tempfile.gettempdir()) / "exports"
        return S3Storage(
            spec,
            scratch=Path(scratch),
            endpoint_url=config.get("S3_ENDPOINT_URL") or None,
            download_url_seconds=int(config.get("EXPORT_DOWNLOAD_URL_SECONDS") or 300),
        )
    return LocalStorage(Path(spec or config["EXPORT_DIR"]))


def get_storage() -> Storage:
    """The app's storage, made once per app (an S3 client per process, see ``s3``)."""
    storage = current_app.extensions.get("export_storage")
    if storage is None:
        storage = current_app.extensions["export_storage"] = storage_for(current_app.config)
    return storage
