"""Big printable documents keep memory flat: the ticket PDF and the invoice ZIP of a
1,000-order event and of a big one (default 100,000 orders: about 100,000 tickets and
60,000 invoices, the sizes issue 15 asks to prove), each written by the exporter in a fresh
process, with time, time per page or invoice, peak RSS, pages or members and file size.
The big run must not take more than 80 MB more than the small one, and must be as big as
the issue asks (100,000 tickets, 50,000 invoices) to prove it; smaller runs say so.

    .venv/bin/python -m bench.documents [--orders 100000]

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
# What the big run must hold to prove that memory stays flat (issue 15).
PROVING_UNITS = {"tickets": 100_000, "invoices": 50_000}
RSS_GROWTH_MB = 80


def build(store: Path, big: int) -> None:
    from service import create_app

    app = create_app({"DATABASE_URL": f"sqlite:///{store}"})
    runner = app.test_cli_runner()
    with app.app_context():
        for slug, orders in (("small", SMALL), ("big", big)):
            args = ["demo-data", "--event", slug, "--orders", str(orders)]
            result = runner.invoke(args=args)
            assert result.exit_code == 0, (result.output, result.exception)


def _status_mb(field: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    raise LookupError(field)


def reset_peak_rss() -> float:
    """Make the peak RSS start afresh at the current RSS, which it returns: starting the app
    (imports, the font files) reaches a higher peak than most exports, and would hide what
    the export itself takes. Linux resets the high-water mark on writing 5 to clear_refs."""
    Path("/proc/self/clear_refs").write_text("5")
    return _status_mb("VmRSS")


def peak_rss_mb() -> float:
    """The process's peak RSS since ``reset_peak_rss``."""
    return _status_mb("VmHWM")


def page_count(path: Path) -> int:
    """The pages of a document that ``pdf.merge`` wrote, counted in its page tree's nodes:
    pypdf refuses to list more than 100,000 pages (a guard of its own), and would read every
    page to do it."""
    from pypdf import PdfReader

    root = PdfReader(path).trailer["/Root"]["/Pages"]
    return sum(len(node.get_object()["/Kids"]) for node in root["/Kids"])


def children_peak_rss_mb() -> float:
    """The peak RSS of the largest child process this one has waited for (0 without)."""
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


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
        started_mb = reset_peak_rss()
        path = Path(tmp) / "out"
        start = time.perf_counter()
        exporter.write(exporter.validate(form), path, lambda _fraction: None)
        seconds = time.perf_counter() - start
        # Before the pages are counted: pypdf reads the whole file for that.
        # Parts rendered in child processes (invoices, with several cores) count too: the
        # peak is that of the process that went highest.
        peak_mb = max(peak_rss_mb(), children_peak_rss_mb())
        if case == "invoices":
            with zipfile.ZipFile(path) as archive:
                units = len(archive.namelist())
        else:
            units = page_count(path)
        size = path.stat().st_size
    return {
        "case": case,
        "event": event_slug,
        "seconds": round(seconds, 1),
        "peak_rss_mb": round(peak_mb, 1),
        "before_mb": round(started_mb, 1),
        "units": units,
        "file_mb": round(size / 2**20, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--orders", type=int, default=100_000)
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
            f"{'ms each':>8} {'peak RSS MB':>11} {'file MB':>8}"
        )
        results = {}
        cases = [c for c in args.cases.split(",") if c]
        for case in cases:
            for slug, orders in (("small", SMALL), ("big", args.orders)):
                done = subprocess.run(
                    [sys.executable, "-m", "bench.documents", "--one", str(store), slug, case],
                    capture_output=True,
                    text=True,
                )
                if done.returncode != 0:
                    sys.exit(f"{case} of {orders} orders failed:\n{done.stderr[-3000:]}")
                out = done.stdout
                r = json.loads(out.strip().splitlines()[-1])
                results[case, slug] = r
                each = r["seconds"] * 1000 / max(r["units"], 1)
                print(
                    f"{case:<10} {orders:>7} {r['units']:>11} {r['seconds']:>8} {each:>8.1f} "
                    f"{r['peak_rss_mb']:>11} {r['file_mb']:>8}",
                    flush=True,
                )
        for case in cases:
            big = results[case, "big"]
            grown = big["peak_rss_mb"] - results[case, "small"]["peak_rss_mb"]
            verdict = "ok" if grown <= RSS_GROWTH_MB else "TOO MUCH"
            proves = big["units"] >= PROVING_UNITS[case]
            size = "" if proves else f"; too small to prove it (< {PROVING_UNITS[case]:,})"
            print(
                f"{case}: {big['units']:,} in the big run, peak RSS {grown:+.1f} MB over the "
                f"{SMALL}-order run ({verdict}, ≤ {RSS_GROWTH_MB}{size})"
            )


if __name__ == "__main__":
    main()
