from tests.conftest import path_of


def test_dump(client, demo, run_jobs):
    fmts = ["xlsx"] + [
        f"{s}:{d}"
        for s in ("orders", "positions", "fees")
        for d in ("default", "excel", "semicolon")
    ]
    for fmt in fmts:
        r = client.post(
            demo.event_url("orderlist/run/"), headers=demo.headers(), json={"_format": fmt}
        )
        assert r.status_code == 202, r.json
        run_jobs()
        r2 = client.get(path_of(r.json["download"]), headers=demo.headers())
        assert r2.status_code == 200, (r2.status_code, r2.data[:300])
        print(fmt, r2.headers["Content-Disposition"], r2.headers["Content-Type"])
        open(f"/tmp/probe_out/{fmt.replace(':', '_')}", "wb").write(r2.data)
    r = client.post(
        demo.organizer_url("orderlist/run/"),
        headers=demo.headers(),
        json={"_format": "orders:default", "include_payment_amounts": True},
    )
    run_jobs()
    r2 = client.get(path_of(r.json["download"]), headers=demo.headers())
    print(r2.status_code, r2.headers.get("Content-Disposition"))
    open("/tmp/probe_out/org_orders", "wb").write(r2.data)
