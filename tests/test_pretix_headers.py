"""Every CSV sheet pretix 2026.8 wrote for the recorded organizer, run here on the same data
with the same body: the header row and the file name are pretix's, byte for byte.

The cases come from ``pretix-2026.8-headers.md`` itself (title, body, file name, header line),
so a section added there is checked without a change here."""

import json
import re
from pathlib import Path

import pytest

from .recorded_exports import run_export

HEADERS_MD = Path(__file__).parent / "data" / "pretix-2026.8-headers.md"
TITLE = re.compile(
    r"`(?P<identifier>\w+)` · (?P<level>event|organizer) level · `(?P<format>[^`]+)`"
)
BODY = re.compile(r"Body: `(?P<body>.*)` · file name: `(?P<name>[^`]+)`")


def reference_sections() -> list[dict]:
    """One case per section: identifier, level, format, body, file name and header line."""
    cases = []
    for section in HEADERS_MD.read_text().split("\n## ")[1:]:
        title, _, rest = section.partition("\n")
        titled = TITLE.match(title)
        described = BODY.search(rest)
        header_line = rest.split("```\n", 1)[1].split("\n", 1)[0]
        cases.append(
            {
                "title": title,
                "identifier": titled["identifier"],
                "event": "sampleconf" if titled["level"] == "event" else None,
                "format": titled["format"],
                "body": json.loads(described["body"]),
                "file_name": described["name"],
                "header_line": header_line,
            }
        )
    return cases


CASES = reference_sections()


def test_every_section_of_the_reference_is_read():
    assert len(CASES) == HEADERS_MD.read_text().count("\n## ")
    assert {case["identifier"] for case in CASES} >= {"orderlist", "transactions", "itemdata"}


@pytest.mark.parametrize("case", CASES, ids=[case["title"] for case in CASES])
def test_header_row_and_file_name_are_pretixs(case, pretix_shop):
    body = {**case["body"], "_format": case["format"]}
    name, data = run_export(pretix_shop, case["identifier"], body, case["event"])
    first_line = data.decode("utf-8").split("\r\n", 1)[0]
    assert first_line == case["header_line"]
    assert name == case["file_name"]
