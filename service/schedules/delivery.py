"""The mails of a schedule: its file (attached, or linked when it is too big to attach), an
export without data, and the notice that a schedule stopped after repeated failures."""

import mimetypes
import re
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path

from flask import current_app

from ..store.schedules import MAX_ERRORS, ScheduledExport
from .validation import split_recipients

EMPTY_TEXT = "Your export did not contain any data."


def recipients(schedule: ScheduledExport) -> list[str]:
    """Everyone the mail goes to: To, Cc and Bcc."""
    return [
        *split_recipients(schedule.mail_additional_recipients),
        *split_recipients(schedule.mail_additional_recipients_cc),
        *split_recipients(schedule.mail_additional_recipients_bcc),
    ]


def _message(schedule: ScheduledExport, subject: str, body: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = current_app.config["MAIL_FROM"]
    to = split_recipients(schedule.mail_additional_recipients)
    cc = split_recipients(schedule.mail_additional_recipients_cc)
    bcc = split_recipients(schedule.mail_additional_recipients_bcc)
    if to:
        message["To"] = ", ".join(to)
    if cc:
        message["Cc"] = ", ".join(cc)
    if bcc:  # left out of what the server transmits; kept in an outbox file for the reader
        message["Bcc"] = ", ".join(bcc)
    message["Subject"] = re.sub(r"\s+", " ", subject).strip()
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain="data-exports")
    message.set_content(body + "\n")
    return message


def result_mail(schedule: ScheduledExport, record: dict, path: Path) -> EmailMessage:
    """The template as the body, the export's file attached."""
    message = _message(schedule, schedule.mail_subject, schedule.mail_template)
    kind = record.get("content_type") or mimetypes.guess_type(record["filename"])[0]
    maintype, _, subtype = (kind or "application/octet-stream").partition("/")
    charset = {"charset": "utf-8"} if maintype == "text" else None  # our text files are UTF-8
    message.add_attachment(
        path.read_bytes(),
        maintype=maintype,
        subtype=subtype,
        filename=record["filename"],
        params=charset,
    )
    return message


def link_mail(schedule: ScheduledExport, record: dict, url: str, expires: str) -> EmailMessage:
    """For a file above ``SCHEDULED_EXPORT_MAX_BYTES``: a link instead of the attachment."""
    size_mb = int(record.get("size") or 0) / (1024 * 1024)
    limit_mb = current_app.config["SCHEDULED_EXPORT_MAX_BYTES"] / (1024 * 1024)
    note = (
        f"The file {record['filename']} ({size_mb:.1f} MB) is larger than {limit_mb:.0f} MB, "
        f"so it is not attached. Download it until {expires}:\n{url}"
    )
    return _message(schedule, schedule.mail_subject, f"{schedule.mail_template}\n\n{note}")


def empty_mail(schedule: ScheduledExport) -> EmailMessage:
    return _message(schedule, schedule.mail_subject, f"{schedule.mail_template}\n\n{EMPTY_TEXT}")


def stopped_mail(schedule: ScheduledExport, last_message: str) -> EmailMessage:
    body = (
        f'The scheduled export "{schedule.mail_subject}" ({schedule.export_identifier}) '
        f"failed {MAX_ERRORS} times in a row, so it will not run again until it is changed.\n\n"
        f"The last error was: {last_message}"
    )
    return _message(schedule, f"Scheduled export stopped: {schedule.mail_subject}", body)
