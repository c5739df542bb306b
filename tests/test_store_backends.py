"""The store on SQLite and on PostgreSQL: the same demo data gives the same exports."""

import uuid

from service import create_app
from service.auth import create_team_token
from service.store import create_all, get_engine, get_session
from service.store.demo import generate_demo_data
from service.store.models import Organizer

from .conftest import REDIS_URL, path_of

FORMATS = ["orders:default", "positions:default", "fees:semicolon"]


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
            "MAX_ACTIVE_EXPORTS_PER_TOKEN": 10,
            "SERVER_NAME": "testserver",
        }
    )
    with app.app_context():
        create_all(get_engine())
        session = get_session()
        result = generate_demo_data(session, "bigevents", "sampleconf", orders=150, seed=3)
        token = create_team_token(session, session.get(Organizer, result.organizer_id), "t")
        session.commit()
    client = app.test_client()
    headers = {"Authorization": f"Token {token}"}
    urls = {}
    for fmt in FORMATS:
        response = client.post(
            "/api/v1/organizers/bigevents/events/sampleconf/exporters/orderlist/run/",
            headers=headers,
            json={"_format": fmt},
        )
        assert response.status_code == 202
        urls[fmt] = path_of(response.json["download"])
    with app.app_context():
        queue = get_queue()
        SimpleWorker([queue], connection=queue.connection).work(burst=True)
    files = {}
    for fmt, url in urls.items():
        response = client.get(url, headers=headers)
        assert response.status_code == 200, response.json
        files[fmt] = response.data
    with app.app_context():
        get_engine().dispose()
    return files


def test_sqlite_and_postgresql_exports_are_identical(tmp_path, postgres_schemas, redis):
    on_sqlite = export_all_formats(f"sqlite:///{tmp_path / 'a.db'}", tmp_path / "a", redis)
    on_postgres = export_all_formats(postgres_schemas("store_test"), tmp_path / "b", redis)
    for fmt in FORMATS:
        assert on_sqlite[fmt].count(b"\r\n") > 10, fmt
        assert on_sqlite[fmt] == on_postgres[fmt], fmt
