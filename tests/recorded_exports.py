"""Running an export through the API on the imported pretix recording (``pretix_shop``), with a
real RQ worker in this process, and reading the recording's JSON to derive what it must
contain."""

import csv
import io
import json
import re
from pathlib import Path

from rq import SimpleWorker

from service.jobs import get_queue

from .conftest import path_of

DATA = Path(__file__).parent / "data" / "pretix-api-n300"
BASE = "/api/v1/organizers/bigevents"


def recording(name: str) -> list | dict:
    """A file of the recording: a list's merged ``results``, or the object itself."""
    data = json.loads((DATA / name).read_text())
    return data["results"] if isinstance(data, dict) and "results" in data else data


def finished_download(shop, identifier: str, body: dict, event: str | None = "sampleconf"):
    """The download's response once an export of ``identifier`` run with ``body`` ended."""
    client = shop.app.test_client()
    headers = {"Authorization": f"Token {shop.token}"}
    level = f"{BASE}/events/{event}/exporters" if event else f"{BASE}/exporters"
    response = client.post(f"{level}/{identifier}/run/", json=body, headers=headers)
    assert response.status_code == 202, response.json
    with shop.app.app_context():
        queue = get_queue()
        SimpleWorker([queue], connection=queue.connection).work(burst=True)
    return client.get(path_of(response.json["download"]), headers=headers)


def file_name(download) -> str:
    disposition = download.headers["Content-Disposition"]
    return re.search(r'filename\*?=(?:UTF-8\'\')?"?([^";]+)', disposition).group(1)


def run_export(shop, identifier: str, body: dict, event: str | None = "sampleconf"):
    """(file name, bytes) of a finished export of ``identifier`` run with ``body``."""
    download = finished_download(shop, identifier, body, event)
    assert download.status_code == 200, download.data[:300]
    return file_name(download), download.data


def csv_rows(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8"))))


def header_of(identifier: str, title_part: str) -> list[str]:
    """The header row pretix 2026.8 wrote, from ``pretix-2026.8-headers.md`` (the section
    whose title starts with ``identifier`` and contains ``title_part``)."""
    text = (Path(__file__).parent / "data" / "pretix-2026.8-headers.md").read_text()
    for section in text.split("\n## ")[1:]:
        title, _, rest = section.partition("\n")
        if title.startswith(f"`{identifier}`") and title_part in title:
            line = rest.split("```\n", 1)[1].split("\n", 1)[0]
            return next(csv.reader([line]))
    raise KeyError((identifier, title_part))
