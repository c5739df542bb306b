"""Signing in with an API token (or an operator token, which leads to the operator page)
and signing out."""

from flask import flash, redirect, render_template, request, url_for

from ..operators import access as operator_access
from . import session_auth
from .blueprint import blp

INVALID_TOKEN = (
    "This token is not valid. Check that you pasted the whole token, "
    "and that it has not been revoked."
)


@blp.route("/login", methods=["GET", "POST"])
def login():
    if request.method == "GET":
        if session_auth.current_principal() is not None:
            return redirect(url_for("web.index"))
        return render_template("login.html")
    token = request.form.get("token", "")
    principal = session_auth.sign_in(token)
    if principal is None and operator_access.sign_in(token) is not None:
        return redirect(url_for("operator.overview"), code=303)
    if principal is None:
        body = render_template("login.html", error=INVALID_TOKEN)
        return body, 401, {"WWW-Authenticate": "Token"}
    return redirect(url_for("web.index"), code=303)


@blp.post("/logout")
def logout():
    session_auth.sign_out()
    flash("You have signed out.")
    return redirect(url_for("web.login"), code=303)
