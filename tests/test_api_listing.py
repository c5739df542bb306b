"""A2: listing exporters at event and organizer level."""

ORDERLIST_FORMATS = [
    "xlsx",
    "orders:default",
    "orders:excel",
    "orders:semicolon",
    "positions:default",
    "positions:excel",
    "positions:semicolon",
    "fees:default",
    "fees:excel",
    "fees:semicolon",
]


def by_identifier(listing: dict) -> dict:
    return {r["identifier"]: r for r in listing["results"]}


def test_event_listing_has_pretix_page_shape(client, demo):
    response = client.get(demo.event_url(), headers=demo.headers())
    assert response.status_code == 200
    body = response.json
    assert set(body) == {"count", "next", "previous", "results"}
    assert body["count"] == len(body["results"])
    assert body["next"] is None and body["previous"] is None


def test_orderlist_declares_its_formats_and_parameters_in_order(client, demo):
    listing = client.get(demo.event_url(), headers=demo.headers()).json
    orderlist = by_identifier(listing)["orderlist"]
    assert orderlist["verbose_name"] == "Order data"
    parameters = orderlist["input_parameters"]
    assert parameters[0] == {"name": "_format", "required": True, "choices": ORDERLIST_FORMATS}
    names = [p["name"] for p in parameters]
    assert names == [
        "_format",
        "paid_only",
        "include_payment_amounts",
        "group_multiple_choice",
        "date_range",
        "items",
    ]
    assert {"name": "paid_only", "required": False} in parameters
    # choices appear for fixed choice fields only, not for products read from the store
    assert "choices" not in parameters[1]
    assert parameters[-1] == {"name": "items", "required": False}


def test_results_are_sorted_by_verbose_name(client, demo):
    for url in (demo.event_url(), demo.organizer_url()):
        names = [r["verbose_name"] for r in client.get(url, headers=demo.headers()).json["results"]]
        assert names == sorted(names, key=str.lower)


def test_organizer_listing_puts_events_and_all_events_first(client, demo):
    listing = client.get(demo.organizer_url(), headers=demo.headers()).json
    parameters = by_identifier(listing)["orderlist"]["input_parameters"]
    assert [p["name"] for p in parameters[:3]] == ["all_events", "events", "_format"]
    assert "items" not in [p["name"] for p in parameters]


def test_single_exporter_has_the_listing_shape(client, demo):
    listing = by_identifier(client.get(demo.event_url(), headers=demo.headers()).json)
    response = client.get(demo.event_url("orderlist/"), headers=demo.headers())
    assert response.status_code == 200
    assert response.json == listing["orderlist"]


def test_unknown_exporter_is_404(client, demo):
    for url in (demo.event_url("nosuch/"), demo.organizer_url("nosuch/")):
        response = client.get(url, headers=demo.headers())
        assert response.status_code == 404
        assert response.json == {"detail": "Not found."}


def test_pages_out_of_range_or_not_numbers_are_404(client, demo):
    for page in ("2", "0", "-1", "abc", "1.5", "", "\u00b2", "\u0661"):
        response = client.get(demo.event_url() + f"?page={page}", headers=demo.headers())
        assert response.status_code == 404, page
        assert response.json == {"detail": "Invalid page."}
    assert client.get(demo.event_url() + "?page=1", headers=demo.headers()).status_code == 200


def test_method_not_allowed_is_json_with_allow_header(client, demo):
    response = client.put(demo.event_url(), headers=demo.headers())
    assert response.status_code == 405
    assert response.json == {"detail": 'Method "PUT" not allowed.'}
    assert "GET" in response.headers["Allow"]


def test_unknown_api_path_is_json_404(client, demo):
    response = client.get("/api/v1/nothing/here/", headers=demo.headers())
    assert response.status_code == 404
    assert response.json == {"detail": "Not found."}
