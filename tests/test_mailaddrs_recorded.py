"""``mailaddrs`` on pretix's own data (the imported recording of pretix 2026.8), with the
expected file derived from the recording as pretix's ``MailExporter`` builds it: the buyers'
addresses of the orders in the chosen states and the attendees' addresses of their positions
that are not canceled, each once (pretix joins a set: exact duplicates go, addresses that
differ in case stay), joined by CRLF without a final line break. pretix's set has no order;
ours is sorted by code point."""

import pytest

from .recorded_exports import recording, run_export

EVENTS = ("sampleconf", "workshopday")


def addresses(events, statuses: set[str]) -> list[str]:
    found = set()
    for event in events:
        for order in recording(f"events/{event}/orders_include_canceled.json"):
            if order["status"] not in statuses:
                continue
            if order["email"]:
                found.add(order["email"])
            found.update(
                p["attendee_email"]
                for p in order["positions"]
                if p["attendee_email"] and not p["canceled"]
            )
    return sorted(found)


@pytest.mark.parametrize("statuses", [["n", "p"], ["p"], ["c"], ["e"], ["n", "p", "e", "c"]])
def test_event_level_is_pretixs_set_of_addresses(pretix_shop, statuses):
    name, data = run_export(pretix_shop, "mailaddrs", {"status": statuses})
    assert name == "sampleconf_pretixemails.txt"
    assert data.decode("utf-8") == "\r\n".join(addresses(["sampleconf"], set(statuses)))


def test_organizer_level_covers_both_events(pretix_shop):
    name, data = run_export(pretix_shop, "mailaddrs", {"status": ["n", "p"]}, event=None)
    assert name == "bigevents_pretixemails.txt"
    assert data.decode("utf-8") == "\r\n".join(addresses(EVENTS, {"n", "p"}))
    _name, data = run_export(
        pretix_shop, "mailaddrs", {"status": ["p"], "events": ["workshopday"]}, event=None
    )
    assert data.decode("utf-8") == "\r\n".join(addresses(["workshopday"], {"p"}))


def test_the_recording_has_what_the_expectation_relies_on():
    orders = recording("events/sampleconf/orders_include_canceled.json")
    statuses = {o["status"] for o in orders}
    assert {"n", "p", "c"} <= statuses
    canceled_only = {
        p["attendee_email"]
        for o in orders
        for p in o["positions"]
        if p["canceled"] and p["attendee_email"]
    } - set(addresses(["sampleconf"], {"n", "p", "e", "c"}))
    assert canceled_only, "attendees of canceled positions alone, left out"
