"""Pages for people. For now, a front page that points to the API and the README."""

from flask import Blueprint, Flask, render_template

blp = Blueprint("web", __name__)


@blp.get("/")
def index():
    return render_template("index.html")


def init_app(app: Flask) -> None:
    app.register_blueprint(blp)
