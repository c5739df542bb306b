"""Date frames at the ends of the calendar (0001-01-01, 9999-12-31) are valid and export
correctly: a bound beyond them is an open one."""

import csv
import io
from datetime import datetime

import pytest

from service.exporters import dateframes
from service.exporters.base import EMPTY_EXPORT

from .conftest import path_of

EDGE_FRAMES = ["9999-12-31/9999-12-31", "0001-01-01/0001-01-02", "0001-01-01/9999-12-31"]
ZONES = ["UTC", "Europe/Berlin", "America/New_York", "Pacific/Kiritimati", "Pacific/Pago_Pago"]


@pytest.mark.parametrize("zone", ZONES)
@pytest.mark.parametrize("frame", [*EDGE_FRAMES, "0001-01-01/", "/9999-12-31", "9999-12-31/"])
def test_edge_frames_resolve_in_every_time_zone(frame, zone):
    start, end = dateframes.resolve(frame, zone)
    assert start is None or isinstance(start, datetime)
    assert end is None or isinstance(end, datetime)
    if start and end:
        assert start < end


def test_a_bound_beyond_the_calendar_is_open():
    assert dateframes.resolve("9999-12-31/9999-12-31", "UTC") == (datetime(9999, 12, 31), None)
    assert dateframes.resolve("0001-01-01/9999-12-31", "Europe/Berlin") == (None, None)


def export_rows(client, demo, run_jobs, body: dict):
    response = client.post(demo.event_url("orderlist/run/"), headers=demo.headers(), json=body)
    assert response.status_code == 202, response.json
    run_jobs()
    done = client.get(path_of(response.json["download"]), headers=demo.headers())
    if done.status_code == 410:
        assert done.json == {"status": "failed", "message": EMPTY_EXPORT}
        return []
    assert done.status_code == 200, done.json
    return list(csv.reader(io.StringIO(done.get_data(as_text=True))))[1:]


@pytest.mark.parametrize(
    "dates, selects",
    [
        ({"date_range": "0001-01-01/9999-12-31"}, "all"),
        ({"date_from": "0001-01-01", "date_to": "9999-12-31"}, "all"),
        ({"date_range": "0001-01-01/"}, "all"),
        ({"date_range": "9999-12-31/9999-12-31"}, "none"),
        ({"date_range": "0001-01-01/0001-01-02"}, "none"),
        ({"date_from": "9999-12-31"}, "none"),
    ],
)
def test_edge_frames_export_the_right_orders(client, demo, run_jobs, dates, selects):
    every = export_rows(client, demo, run_jobs, {"_format": "orders:default"})
    assert every
    rows = export_rows(client, demo, run_jobs, {"_format": "orders:default", **dates})
    assert rows == (every if selects == "all" else [])


def test_edge_frames_in_the_payment_list(client, demo, run_jobs):
    for frame in EDGE_FRAMES:
        body = {"_format": "default", "end_date_range": frame, "start_date_range": frame}
        response = client.post(
            demo.event_url("paymentlist/run/"), headers=demo.headers(), json=body
        )
        assert response.status_code == 202, response.json
        run_jobs()
        done = client.get(path_of(response.json["download"]), headers=demo.headers())
        assert done.status_code in (200, 410), done.json
        if done.status_code == 410:
            assert done.json["message"] == EMPTY_EXPORT
