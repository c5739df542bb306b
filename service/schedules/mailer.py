"""Sending a mail: through the server of ``SMTP_URL``, or, without one, as an ``.eml`` file in
``MAIL_OUTBOX`` (``instance/outbox``), so that schedules can be watched working with no mail
server at all.

``SMTP_URL``: ``smtp://host:port``, ``smtp+starttls://user:password@host:587`` or
``smtps://user:password@host:465``. Errors never carry the password.
"""

import smtplib
import ssl
import time
import uuid
from email.message import EmailMessage
from pathlib import Path
from urllib.parse import unquote, urlsplit

from flask import current_app

TIMEOUT_SECONDS = 60
DEFAULT_PORTS = {"smtp": 25, "smtp+starttls": 587, "smtps": 465}


class MailFailed(Exception):
    """The mail did not reach every recipient; the text says why."""


def send(message: EmailMessage, recipients: list[str]) -> None:
    url = current_app.config.get("SMTP_URL") or ""
    if not url:
        write_to_outbox(message)
        return
    parts = urlsplit(url)
    if parts.scheme not in DEFAULT_PORTS or not parts.hostname:
        raise MailFailed("SMTP_URL is not smtp://, smtp+starttls:// or smtps:// with a host.")
    host, port = parts.hostname, parts.port or DEFAULT_PORTS[parts.scheme]
    where = f"{host}:{port}"
    try:
        refused = _deliver(parts, host, port, message, recipients)
    except smtplib.SMTPRecipientsRefused as exc:
        raise MailFailed(f"The mail server {where} refused {_refusals(exc.recipients)}.") from exc
    except smtplib.SMTPResponseException as exc:
        text = exc.smtp_error.decode(errors="replace") if exc.smtp_error else ""
        answer = f"{exc.smtp_code} {text}".strip()
        raise MailFailed(f"The mail server {where} answered {answer}") from exc
    except (smtplib.SMTPException, OSError) as exc:
        raise MailFailed(f"The mail server {where} could not be reached: {exc}") from exc
    if refused:
        raise MailFailed(f"The mail server {where} refused {_refusals(refused)}.")


def _deliver(parts, host: str, port: int, message: EmailMessage, recipients: list[str]) -> dict:
    context = ssl.create_default_context()
    if parts.scheme == "smtps":
        client = smtplib.SMTP_SSL(host, port, timeout=TIMEOUT_SECONDS, context=context)
    else:
        client = smtplib.SMTP(host, port, timeout=TIMEOUT_SECONDS)
    with client:
        if parts.scheme == "smtp+starttls":
            client.starttls(context=context)
        if parts.username:
            client.login(unquote(parts.username), unquote(parts.password or ""))
        return client.send_message(message, to_addrs=recipients)


def _refusals(refused: dict) -> str:
    described = []
    for address, (code, text) in refused.items():
        reason = text.decode(errors="replace") if isinstance(text, bytes) else str(text)
        described.append(f"{address} ({code} {reason})")
    return (
        "the recipient " + ", ".join(described)
        if len(described) == 1
        else ("the recipients " + ", ".join(described))
    )


def write_to_outbox(message: EmailMessage) -> Path:
    """The mail as an ``.eml`` file, written under a temporary name and renamed into place."""
    outbox = Path(current_app.config["MAIL_OUTBOX"])
    try:
        outbox.mkdir(parents=True, exist_ok=True)
        name = f"{time.strftime('%Y%m%d-%H%M%S')}-{uuid.uuid4().hex[:8]}.eml"
        draft = outbox / f".{name}.part"
        draft.write_bytes(bytes(message))
        draft.rename(outbox / name)
    except OSError as exc:
        raise MailFailed(f"The mail could not be written to {outbox}: {exc}") from exc
    return outbox / name
