"""The store on SQLite and on PostgreSQL: the same demo data gives the same exports, with
and without the orderlist's filters, for one event and across events, and the same order of
names and emails in the check-in lists and the customer list.

The positions sheet is read by different queries on the two (``position_lines``): besides
the demo data, a few positions have scans on several lists (repeated, failed and exits too)
and answers to a multiple-choice question, shown an option per column and grouped."""

import io
import uuid
import zipfile
from datetime import timedelta

from sqlalchemy import func, insert, select

from service import create_app
from service.auth import create_team_token
from service.store import create_all, get_engine, get_session
from service.store.demo import generate_demo_data
from service.store.models import (
    Checkin,
    CheckinList,
    Event,
    Item,
    Order,
    OrderPosition,
    Organizer,
    Question,
    QuestionAnswer,
    QuestionOption,
    answer_options,
)

from .conftest import REDIS_URL, path_of

EVENT = "/api/v1/organizers/bigevents/events/sampleconf/exporters/orderlist/run/"
ORGANIZER = "/api/v1/organizers/bigevents/exporters/orderlist/run/"
CHECKINLIST = "/api/v1/organizers/bigevents/events/sampleconf/exporters/checkinlist/run/"
CHECKINCODES = "/api/v1/organizers/bigevents/events/sampleconf/exporters/checkinlistcodes/run/"
CUSTOMERS = "/api/v1/organizers/bigevents/exporters/customerlist/run/"


def cases(session) -> dict[str, tuple[str, dict]]:
    """Name → (run URL, body). Item ids and dates are read from the store, so that each
    store is asked the same question."""
    event = session.scalar(select(Event).where(Event.slug == "sampleconf"))
    first_item = session.scalar(
        select(Item.id).where(Item.event_id == event.id).order_by(Item.position, Item.id)
    )
    first, last = session.execute(
        select(func.min(Order.datetime), func.max(Order.datetime)).where(Order.event_id == event.id)
    ).one()
    first_list = session.scalar(
        select(CheckinList.id).where(CheckinList.event_id == event.id).order_by(CheckinList.id)
    )
    third = (last - first) / 3
    middle = f"{(first + third).date()}/{(last - third).date()}"
    return {
        "orders": (EVENT, {"_format": "orders:default"}),
        # CSV sheets read amounts as text on PostgreSQL; a workbook keeps them numbers.
        "workbook": (EVENT, {"_format": "xlsx", "include_payment_amounts": True}),
        "positions": (EVENT, {"_format": "positions:default"}),
        "fees": (EVENT, {"_format": "fees:semicolon"}),
        "paid orders with amounts": (
            EVENT,
            {"_format": "orders:excel", "paid_only": True, "include_payment_amounts": True},
        ),
        "positions of one product": (EVENT, {"_format": "positions:excel", "items": [first_item]}),
        "positions, multiple choice grouped": (
            EVENT,
            {"_format": "positions:default", "group_multiple_choice": True},
        ),
        "orders with one product": (EVENT, {"_format": "orders:default", "items": [first_item]}),
        "orders of a date range": (EVENT, {"_format": "orders:semicolon", "date_range": middle}),
        "positions of all events": (ORGANIZER, {"_format": "positions:default"}),
        "orders of one event": (ORGANIZER, {"_format": "orders:default", "events": ["otherconf"]}),
        # Names and emails sort byte by byte on both (PostgreSQL by the "C" collation).
        "check-in list by name": (CHECKINLIST, {"_format": "default", "list": first_list}),
        "valid check-in codes": (CHECKINCODES, {"_format": "default", "list": first_list}),
        "customers": (CUSTOMERS, {"_format": "customers:default"}),
    }


def add_scans_and_choices(session, event_slug: str) -> None:
    """Scans of the event's first positions on three lists (an entry twice on one, a failed
    entry and an exit on another), and their answers to a multiple-choice question."""
    event = session.scalar(select(Event).where(Event.slug == event_slug))
    positions = session.scalars(
        select(OrderPosition)
        .join(Order, OrderPosition.order_id == Order.id)
        .where(Order.event_id == event.id)
        .order_by(OrderPosition.id)
        .limit(4)
    ).all()
    lists = [CheckinList(event_id=event.id, name=name) for name in ("Zeta hall", "Annex")]
    question = Question(event_id=event.id, question="Workshops", identifier="WS", type="M")
    session.add_all([*lists, question])
    session.flush()
    options = [
        QuestionOption(question_id=question.id, identifier=f"W{n}", answer=text, position=n)
        for n, text in enumerate(("Python", "SQL", "Cooking"))
    ]
    session.add_all(options)
    session.flush()
    zeta, annex = lists
    main = session.scalar(
        select(CheckinList).where(CheckinList.event_id == event.id).order_by(CheckinList.id)
    )
    when = event.date_from
    for n, position in enumerate(positions):
        scans = [(zeta, "entry", True), (main, "entry", True)][: n + 1]
        if n >= 2:
            scans += [(zeta, "entry", True), (annex, "entry", False), (annex, "exit", True)]
        for hours, (list_, kind, successful) in enumerate(scans):
            session.add(
                Checkin(
                    list_id=list_.id,
                    position_id=position.id,
                    datetime=when + timedelta(hours=hours),
                    type=kind,
                    successful=successful,
                )
            )
        chosen = options[: n % 3 + 1]
        answer = QuestionAnswer(
            position_id=position.id,
            question_id=question.id,
            answer=", ".join(o.answer for o in chosen),
        )
        session.add(answer)
        session.flush()
        session.execute(
            insert(answer_options), [{"answer_id": answer.id, "option_id": o.id} for o in chosen]
        )


def export_all_formats(database_url: str, export_dir, redis) -> dict[str, bytes]:
    """Build demo data in the given store and export it through the API with a real worker."""
    from rq import SimpleWorker

    from service.jobs import get_queue

    app = create_app(
        {
            "DATABASE_URL": database_url,
            "REDIS_URL": REDIS_URL,
            "EXPORT_DIR": str(export_dir),
            "EXPORT_QUEUE": f"exports-backend-{uuid.uuid4().hex[:8]}",
            "MAX_ACTIVE_EXPORTS_PER_TOKEN": 20,
            "SERVER_NAME": "testserver",
        }
    )
    with app.app_context():
        create_all(get_engine())
        session = get_session()
        result = generate_demo_data(session, "bigevents", "sampleconf", orders=150, seed=3)
        generate_demo_data(session, "bigevents", "otherconf", orders=40, seed=4)
        add_scans_and_choices(session, "sampleconf")
        token = create_team_token(session, session.get(Organizer, result.organizer_id), "t")
        session.commit()
        runs = cases(session)
    client = app.test_client()
    headers = {"Authorization": f"Token {token}"}
    urls = {}
    for name, (url, body) in runs.items():
        response = client.post(url, headers=headers, json=body)
        assert response.status_code == 202, (name, response.json)
        urls[name] = path_of(response.json["download"])
    with app.app_context():
        queue = get_queue()
        SimpleWorker([queue], connection=queue.connection).work(burst=True)
    files = {}
    for name, url in urls.items():
        response = client.get(url, headers=headers)
        assert response.status_code == 200, (name, response.json)
        files[name] = response.data
    with app.app_context():
        get_engine().dispose()
    return files


def test_sqlite_and_postgresql_exports_are_identical(tmp_path, postgres_schemas, redis):
    on_sqlite = export_all_formats(f"sqlite:///{tmp_path / 'a.db'}", tmp_path / "a", redis)
    on_postgres = export_all_formats(postgres_schemas("store_test"), tmp_path / "b", redis)
    assert on_sqlite.keys() == on_postgres.keys()
    for name, data in on_sqlite.items():
        if name == "workbook":
            assert unzipped(data) == unzipped(on_postgres[name])
            continue
        assert data.count(b"\r\n") > 10, name
        assert data == on_postgres[name], name


def unzipped(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}
