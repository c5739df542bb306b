"""The web app for gunicorn (``gunicorn wsgi:app``) and ``flask --app wsgi``."""

from service import create_app

app = create_app()
