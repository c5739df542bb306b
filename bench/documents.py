"""Big printable documents keep memory flat: the ticket PDF and the invoice ZIP of a
1,000-order event and of a big one (default 20,000 orders: about 20,000 tickets and
12,000 invoices; ``--orders 100000`` for bigger), each written by the exporter in a fresh
process, with time, peak RSS, pages or members and file size.

    .venv/bin/python -m bench.documents [--orders 20000]

The store is a SQLite file in a temporary directory, filled by ``demo-data``.
"""

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

SMALL = 1000
CASES = {"tickets": ("pdfoutput_all_tickets", {"order_by": "code"}), "invoices": ("invoices", {})}


def build(store: Path, big: int) -> None:
    from service import create_app

    app = create_app({"DATABASE_URL": f"sqlite:///{store}"})
    runner = app.test_cli_runner()
    with app.app_context():
        for slug, orders in (("small", SMALL), ("big", big)):
            args = ["demo-data", "--event", slug, "--orders", str(orders)]
            result = runner.invoke(args=args)
            assert result.exit_code == 0, (result.output, result.exception)


def run_one(store: Path, event_slug: str, case: str) -> dict:
    """In this process: one export written to a scratch file; its figures."""
    from sqlalchemy import select

    from service import create_app
    from service.exporters import REGISTRY, ExportScope
    from service.store import get_session
    from service.store.models import Event, Organizer

    identifier, form = CASES[case]
    app = create_app({"DATABASE_URL": f"sqlite:///{store}"})
    with app.app_context(), tempfile.TemporaryDirectory() as tmp:
        session = get_session()
        organizer = session.scalar(select(Organizer).where(Organizer.slug == "bigevents"))
        event = session.scalar(
            select(Event).where(Event.organizer_id == organizer.id, Event.slug == event_slug)
        )
        exporter = REGISTRY[identifier](session, ExportScope(organizer, [event], event))
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        path = Path(tmp) / "out"
        start = time.perf_counter()
        exporter.write(exporter.validate(form), path, lambda _fraction: None)
        seconds = time.perf_counter() - start
        # Before the pages are counted: pypdf reads the whole file for that.
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        if case == "invoices":
            with zipfile.ZipFile(path) as archive:
                units = len(archive.namelist())
        else:
            from pypdf import PdfReader

            units = len(PdfReader(path).pages)
        size = path.stat().st_size
    return {
        "case": case,
        "event": event_slug,
        "seconds": round(seconds, 1),
        "peak_rss_mb": round(peak / 1024, 1),
        "before_mb": round(before / 1024, 1),
        "units": units,
        "file_mb": round(size / 2**20, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--orders", type=int, default=20000)
    parser.add_argument("--cases", default=",".join(CASES), help="tickets,invoices")
    parser.add_argument("--one", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(run_one(Path(args.one[0]), args.one[1], args.one[2])))
        return
    with tempfile.TemporaryDirectory() as tmp:
        store = Path(tmp) / "store.db"
        print(f"building the store ({SMALL} and {args.orders} orders) …", flush=True)
        build(store, args.orders)
        print(
            f"{'document':<10} {'orders':>7} {'pages/files':>11} {'seconds':>8} "
            f"{'peak RSS MB':>11} {'file MB':>8}"
        )
        results = {}
        cases = [c for c in args.cases.split(",") if c]
        for case in cases:
            for slug, orders in (("small", SMALL), ("big", args.orders)):
                out = subprocess.run(
                    [sys.executable, "-m", "bench.documents", "--one", str(store), slug, case],
                    check=True,
                    capture_output=True,
                    text=True,
                ).stdout
                r = json.loads(out.strip().splitlines()[-1])
                results[case, slug] = r
                print(
                    f"{case:<10} {orders:>7} {r['units']:>11} {r['seconds']:>8} "
                    f"{r['peak_rss_mb']:>11} {r['file_mb']:>8}",
                    flush=True,
                )
        for case in cases:
            grown = results[case, "big"]["peak_rss_mb"] - results[case, "small"]["peak_rss_mb"]
            verdict = "ok" if grown <= 80 else "TOO MUCH"
            print(f"{case}: peak RSS {grown:+.1f} MB over the {SMALL}-order run ({verdict}, ≤ 80)")


if __name__ == "__main__":
    main()
