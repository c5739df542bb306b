"""Which proxy headers to believe: none unless ``TRUSTED_PROXIES`` says how many proxies
stand in front of the app.

Download URLs are absolute. Without ``SERVER_NAME`` they name the host the request named;
with ``TRUSTED_PROXIES`` set, the scheme, host and client address come from the
``X-Forwarded-*`` headers the trusted proxies set (werkzeug's ``ProxyFix``). Neither set,
``X-Forwarded-*`` headers are ignored.
"""

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix


def init_app(app: Flask) -> None:
    count = app.config.get("TRUSTED_PROXIES", 0)
    if count:
        app.wsgi_app = ProxyFix(
            app.wsgi_app, x_for=count, x_proto=count, x_host=count, x_port=count, x_prefix=count
        )
