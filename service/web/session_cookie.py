"""The pages' session cookie is ``Secure`` whenever the request came over HTTPS (directly, or
through a trusted proxy that says so), not only when ``SESSION_COOKIE_SECURE`` is set: a
cookie set over HTTPS must never travel over plain HTTP later."""

from flask import Flask, request
from flask.sessions import SecureCookieSessionInterface


class SessionInterface(SecureCookieSessionInterface):
    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(app.config["SESSION_COOKIE_SECURE"]) or request.is_secure
