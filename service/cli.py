"""Operator commands: ``flask --app wsgi init-db | demo-data | create-token | import-json |
import-pretix``."""

import sys
from contextlib import contextmanager
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import click
from flask import Flask
from sqlalchemy import select

from .auth import create_team_token
from .store import create_all, get_engine, get_session
from .store.models import PERMISSIONS, Event, Organizer


def init_app(app: Flask) -> None:
    app.cli.add_command(init_db)
    app.cli.add_command(demo_data)
    app.cli.add_command(create_token)
    app.cli.add_command(import_json)
    app.cli.add_command(import_pretix)


@click.command("init-db")
def init_db() -> None:
    """Create the tables of the data store (existing ones are kept)."""
    create_all(get_engine())
    click.echo("Database initialised.")


@click.command("demo-data")
@click.option("--organizer", "organizer_slug", default="bigevents", show_default=True)
@click.option("--event", "event_slug", default="sampleconf", show_default=True)
@click.option("--orders", default=1000, show_default=True, type=click.IntRange(min=0))
@click.option("--seed", default=1, show_default=True, type=int)
def demo_data(organizer_slug: str, event_slug: str, orders: int, seed: int) -> None:
    """Add a deterministic demo event with orders, and a token that may export everything."""
    from .store.demo import generate_demo_data

    create_all(get_engine())
    session = get_session()
    result = generate_demo_data(session, organizer_slug, event_slug, orders=orders, seed=seed)
    organizer = session.get(Organizer, result.organizer_id)
    token = create_team_token(session, organizer, f"Demo token for {event_slug}")
    session.commit()
    click.echo(
        f"organizer: {organizer.slug}  event: {event_slug}  orders added: {result.orders_created}"
    )
    click.echo(f"token: {token}")


@click.command("create-token")
@click.argument("organizer_slug")
@click.option("--event", "event_slugs", multiple=True, help="Limit the team to these events.")
@click.option(
    "--permission",
    "permissions",
    multiple=True,
    type=click.Choice(PERMISSIONS),
    help="Grant only these permissions (default: all).",
)
def create_token(organizer_slug: str, event_slugs: tuple, permissions: tuple) -> None:
    """Create a team of ORGANIZER with one API token and print the token."""
    session = get_session()
    organizer = session.scalars(select(Organizer).where(Organizer.slug == organizer_slug)).first()
    if organizer is None:
        raise click.ClickException(f"No organizer with slug {organizer_slug!r}.")
    events = []
    for slug in event_slugs:
        event = session.scalars(
            select(Event).where(Event.organizer_id == organizer.id, Event.slug == slug)
        ).first()
        if event is None:
            raise click.ClickException(f"No event {slug!r} under {organizer_slug!r}.")
        events.append(event)
    name = "API token" + (f" for {', '.join(event_slugs)}" if event_slugs else "")
    token = create_team_token(
        session, organizer, name, events=events, permissions=list(permissions) or None
    )
    session.commit()
    click.echo(token)


# Files with more orders than this get progress bars on stderr.
PROGRESS_BAR_ORDERS = 1000


@contextmanager
def _progress(total: int, label: str):
    """A ``click.progressbar`` on stderr for big imports; a no-op for small ones."""
    if total <= PROGRESS_BAR_ORDERS:
        yield lambda _count: None
        return
    with click.progressbar(length=total, label=label, file=sys.stderr) as bar:
        yield bar.update


TIMEZONE_REQUIRED = (
    "--timezone ZONE is required: pretix's \"Order data (JSON)\" does not say the event's "
    "time zone, and order dates and times are shown in it. Name the zone the event has in "
    "pretix, e.g. --timezone Europe/Berlin."
)


def _zone(name: str | None) -> str:
    """The time zone the events get, refused with a message saying why when missing or
    unknown."""
    if not name:
        raise click.UsageError(TIMEZONE_REQUIRED)
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise click.BadParameter(f"unknown time zone {name!r}", param_hint="--timezone") from None
    return name


@click.command("import-json")
@click.argument("organizer_slug")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--timezone",
    "zone",
    metavar="ZONE",
    help="The events' time zone, e.g. Europe/Berlin (required: the file does not say it).",
)
def import_json(organizer_slug: str, file: Path, zone: str | None) -> None:
    """Import FILE, pretix's "Order data (JSON)" export, as a new event of ORGANIZER.

    The organizer is created if it does not exist. Nothing is written unless the whole file
    can be imported. The events get the time zone ZONE; fees the file gives no tax get the
    tax of the event's tax rule. The last line lists what the file could not carry.
    """
    from .store.importers import pretix_json as importer

    zone = _zone(zone)
    create_all(get_engine())
    session = get_session()
    try:
        job = importer.JsonImport(session, organizer_slug, importer.load(file), zone)
        with _progress(job.order_count, "Checking orders") as advance:
            job.check(advance)
        with _progress(job.order_count, "Writing orders") as advance:
            result = job.write(advance)
    except importer.ImportRefused as exc:
        session.rollback()
        raise click.ClickException(f"{file}: {exc}") from None
    counts = ", ".join(f"{name}: {number}" for name, number in result.counts.items())
    created = " (created)" if result.organizer_created else ""
    click.echo(f"organizer: {result.organizer}{created}  events: {', '.join(result.events)}")
    click.echo(counts)
    click.echo(f"time zone: {zone}")
    for note in result.notes:
        click.echo(note)
    click.echo("Not in the file, so not imported: " + ", ".join(result.missing))


@click.command("import-pretix")
@click.argument("organizer_slug")
@click.option("--url", "base_url", required=True, help="pretix's address, e.g. https://pretix.eu")
@click.option("--token", required=True, help="A pretix API token of the organizer.")
@click.option(
    "--event", "event_slugs", multiple=True, help="Import only these events (default: all)."
)
@click.option(
    "--timeout",
    default=30.0,
    show_default=True,
    type=click.FloatRange(min=0.1),
    help="Seconds to wait for each answer.",
)
def import_pretix(
    organizer_slug: str, base_url: str, token: str, event_slugs: tuple, timeout: float
) -> None:
    """Bring ORGANIZER over from a live pretix through its REST API.

    Reads the organizer, its gift cards, customers, memberships, reusable media and sales
    channels, and every event (or those named) with catalogue, orders, vouchers, invoices,
    waiting list, transactions and scans. Objects keep pretix's ids where the store has no
    row with that id yet; running it again updates the same rows. Nothing is written unless
    everything could be read and fits.
    """
    from .store.importers import ImportRefused, pretix_api, pretix_fetch
    from .store.importers.pretix_http import PretixClient

    create_all(get_engine())
    session = get_session()
    with _Steps("Reading pretix") as bar:
        client = PretixClient(base_url, token, timeout=timeout)
        try:
            fetched = pretix_fetch.fetch(
                client,
                organizer_slug,
                tuple(event_slugs),
                step=bar.advance,
                on_events=lambda count: bar.resize(pretix_fetch.steps(count)),
            )
        except ImportRefused as exc:
            raise click.ClickException(str(exc)) from None
    try:
        with _Steps("Writing", pretix_api.write_steps(len(fetched.events))) as bar:
            result = pretix_api.write(
                session, organizer_slug, fetched, complete=not event_slugs, step=bar.advance
            )
        session.commit()
    except ImportRefused as exc:
        session.rollback()
        raise click.ClickException(str(exc)) from None
    except BaseException:
        session.rollback()
        raise
    created = " (created)" if result.organizer_created else ""
    click.echo(f"organizer: {result.organizer}{created}  events: {', '.join(result.events)}")
    click.echo(", ".join(f"{name}: {number}" for name, number in sorted(result.counts.items())))
    _fetch_answer_files(session, result, base_url, token, timeout)


def _fetch_answer_files(session, result, base_url: str, token: str, timeout: float) -> None:
    """The uploaded files of file answers, onto disk next to the results."""
    from .store.importers.pretix_files import fetch_answer_files

    files = fetch_answer_files(session, result.organizer, result.events, base_url, token, timeout)
    click.echo(f"answer files: {files.stored}")
    for failure in files.failed:
        click.echo(f"answer file not fetched: {failure}", err=True)


class _Steps:
    """A progress bar on stderr counting steps, labelled with the current one."""

    def __init__(self, label: str, length: int = 1) -> None:
        self.bar = click.progressbar(
            length=length,
            label=label,
            file=sys.stderr,
            item_show_func=lambda item: item,
        )

    def __enter__(self) -> "_Steps":
        self.bar.__enter__()
        return self

    def __exit__(self, *exc) -> None:
        self.bar.__exit__(*exc)

    def resize(self, length: int) -> None:
        self.bar.length = max(length, self.bar.pos)

    def advance(self, label: str) -> None:
        self.bar.current_item = label
        self.bar.length = max(self.bar.length, self.bar.pos + 1)
        self.bar.update(1)
