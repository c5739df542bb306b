"""``flask --app wsgi create-operator-token NAME``."""

import click
from flask.cli import with_appcontext

from ..store import create_all, get_engine, get_session
from .tokens import create_operator_token


@click.command("create-operator-token")
@click.argument("name")
@with_appcontext
def create_operator_token_command(name: str) -> None:
    """Create an operator token NAME (the operator pages and /metrics) and print it once."""
    if not name.strip() or len(name) > 190:
        raise click.BadParameter("give a name of 1 to 190 characters", param_hint="NAME")
    create_all(get_engine())
    session = get_session()
    token = create_operator_token(session, name.strip())
    session.commit()
    click.echo(token)
