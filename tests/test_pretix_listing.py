"""Our exporter listings equal pretix 2026.8's for every exporter both offer: identifier,
verbose name and input parameters (names, required, choices, order), at event and organizer
level, on the imported recording of the same organizer."""

import json
from pathlib import Path

import pytest

DATA = Path(__file__).parent / "data"
# Offered by us beyond pretix: the JSON export across several events.
OURS_ONLY = {"organizer": {"json"}, "event": set()}
URLS = {
    "event": "/api/v1/organizers/bigevents/events/sampleconf/exporters/",
    "organizer": "/api/v1/organizers/bigevents/exporters/",
}


def reference(level: str) -> dict:
    listing = json.loads((DATA / f"pretix-2026.8-exporters-{level}.json").read_text())
    return {entry["identifier"]: entry for entry in listing["results"]}


@pytest.mark.parametrize("level", ["event", "organizer"])
def test_listing_equals_pretix_for_every_exporter_we_offer(pretix_shop, level):
    client = pretix_shop.app.test_client()
    headers = {"Authorization": f"Token {pretix_shop.token}"}
    ours = {e["identifier"]: e for e in client.get(URLS[level], headers=headers).json["results"]}
    theirs = reference(level)
    assert set(ours) - set(theirs) == OURS_ONLY[level]
    for identifier in set(ours) & set(theirs):
        assert ours[identifier] == theirs[identifier], identifier
