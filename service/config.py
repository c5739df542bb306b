"""Settings from the environment, with defaults that work on a laptop."""

import os
import secrets
from pathlib import Path

INSTANCE_DIR = Path(os.environ.get("INSTANCE_DIR", Path.cwd() / "instance"))


TRUE = ("1", "true", "yes", "on")


def _int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


def instance_secret_key() -> str:
    """A random key kept in ``instance/secret_key`` when ``SECRET_KEY`` is not set: never a
    well-known default (it signs the pages' sessions), and the same for every process of
    the instance."""
    path = INSTANCE_DIR / "secret_key"
    if not path.exists():
        INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
        draft = path.with_name(f".secret_key.{os.getpid()}")
        descriptor = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            handle.write(secrets.token_urlsafe(48))
        try:
            os.link(draft, path)  # atomic: processes starting together agree on one key
        except FileExistsError:
            pass
        finally:
            draft.unlink()
    return path.read_text().strip()


class Config:
    """Read once when the app is created; tests pass overrides to ``create_app``."""

    def __init__(self) -> None:
        self.SECRET_KEY = os.environ.get("SECRET_KEY") or instance_secret_key()
        self.DATABASE_URL = os.environ.get(
            "DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'service.db'}"
        )
        self.REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
        # Results: a directory (EXPORT_STORAGE as a path, or EXPORT_DIR), or S3-compatible
        # storage (EXPORT_STORAGE=s3://bucket/prefix, S3_ENDPOINT_URL, the AWS_* variables).
        storage = os.environ.get("EXPORT_STORAGE", "")
        on_s3 = storage.startswith("s3://")
        self.EXPORT_STORAGE = storage if on_s3 else ""
        self.EXPORT_DIR = (storage if storage and not on_s3 else None) or os.environ.get(
            "EXPORT_DIR", str(INSTANCE_DIR / "exports")
        )
        self.S3_ENDPOINT_URL = os.environ.get("S3_ENDPOINT_URL", "")
        # With S3: where a worker writes unfinished files (default: the system's temp dir).
        self.EXPORT_SCRATCH_DIR = os.environ.get("EXPORT_SCRATCH_DIR", "")
        # With S3: downloads answer 302 to a presigned URL valid this long, instead of the file.
        self.EXPORT_DOWNLOAD_REDIRECT = (
            os.environ.get("EXPORT_DOWNLOAD_REDIRECT", "").lower() in TRUE
        )
        self.EXPORT_DOWNLOAD_URL_SECONDS = _int("EXPORT_DOWNLOAD_URL_SECONDS", 300)
        self.EXPORT_TTL_HOURS = _int("EXPORT_TTL_HOURS", 24)
        self.EXPORT_TIMEOUT = _int("EXPORT_TIMEOUT", 3600)
        self.EXPORT_QUEUE = os.environ.get("EXPORT_QUEUE", "exports")
        # Cut a big CSV sheet into this many parts, each a job any worker may take (0: one
        # local process per core); see service/jobs/parts.py.
        self.EXPORT_PART_JOBS = _int("EXPORT_PART_JOBS", 0)
        # Sheets of fewer orders are written in one piece (unset: the exporter's own limit).
        self.EXPORT_SPLIT_MIN_ORDERS = _int("EXPORT_SPLIT_MIN_ORDERS", 0) or None
        # Added to a worker's nice value: exports yield the CPU to web requests on a shared box.
        self.WORKER_NICENESS = _int("WORKER_NICENESS", 5)
        # Fair use: a token's exports run two at a time, the rest wait in line; only a
        # flood of waiting or running exports is refused.
        self.MAX_RUNNING_EXPORTS_PER_TOKEN = _int("MAX_RUNNING_EXPORTS_PER_TOKEN", 2)
        self.MAX_ACTIVE_EXPORTS_PER_TOKEN = _int("MAX_ACTIVE_EXPORTS_PER_TOKEN", 20)
        # How often a worker removes expired results and left-over partial files.
        self.CLEANUP_INTERVAL_SECONDS = _int("CLEANUP_INTERVAL_SECONDS", 900)
        # The buyer's shop, for pretix's "Order link" columns; empty leaves them empty.
        self.SHOP_URL = os.environ.get("SHOP_URL", "").rstrip("/")
        self.MAX_CONTENT_LENGTH = _int("MAX_CONTENT_LENGTH", 64 * 1024)
        self.API_TITLE = "Ticket shop data exports"
        self.API_VERSION = "v1"
        self.OPENAPI_VERSION = "3.0.3"
        self.OPENAPI_URL_PREFIX = "/api/v1"
        self.OPENAPI_JSON_PATH = "openapi.json"
        self.JSON_SORT_KEYS = False
        # The pages' session cookie (a token's hash): out of scripts' reach, not on cross-site POSTs
        self.SESSION_COOKIE_HTTPONLY = True
        self.SESSION_COOKIE_SAMESITE = "Lax"
        # Secure on every response when set; otherwise whenever the request came over HTTPS.
        self.SESSION_COOKIE_SECURE = os.environ.get("SESSION_COOKIE_SECURE", "").lower() in TRUE
        # The host download URLs name; unset, the request's Host (or a trusted proxy's).
        self.SERVER_NAME = os.environ.get("SERVER_NAME") or None
        # How many proxies in front of the app set X-Forwarded-*; 0 believes none.
        self.TRUSTED_PROXIES = _int("TRUSTED_PROXIES", 0)
        # A database that does not answer: seconds to connect (and to check a pooled
        # connection) before giving up, and the longest statement of a web request. Export
        # jobs have no statement limit; EXPORT_TIMEOUT bounds them.
        self.DATABASE_CONNECT_TIMEOUT = _int("DATABASE_CONNECT_TIMEOUT", 3)
        self.DATABASE_STATEMENT_TIMEOUT = _int("DATABASE_STATEMENT_TIMEOUT", 10)
        # Scheduled exports: how often each worker looks for due schedules, where their mails
        # go (without SMTP_URL: .eml files in INSTANCE_DIR/outbox), and the largest file that
        # is attached rather than linked.
        self.SCHEDULE_POLL_SECONDS = _int("SCHEDULE_POLL_SECONDS", 60)
        self.SMTP_URL = os.environ.get("SMTP_URL", "")
        self.MAIL_FROM = os.environ.get("MAIL_FROM", "Data exports <exports@localhost>")
        self.MAIL_OUTBOX = os.environ.get("MAIL_OUTBOX", str(INSTANCE_DIR / "outbox"))
        self.SCHEDULED_EXPORT_MAX_BYTES = _int("SCHEDULED_EXPORT_MAX_BYTES", 20 * 1024 * 1024)
