"""``/api/v1/docs``: Swagger UI over the OpenAPI description, so a person can read every
operation and try a run from the page. Its assets come from the ``swagger-ui-bundle`` package
and are served from here: the page makes no request to any other site."""

from flask import Blueprint, Response, abort, render_template, send_from_directory, url_for
from swagger_ui_bundle import swagger_ui_path

blp = Blueprint("api_docs", __name__)

ASSETS = {
    "swagger-ui.css",
    "swagger-ui-bundle.js",
    "swagger-ui-standalone-preset.js",
    "favicon-32x32.png",
    "favicon-16x16.png",
}
INITIALIZER = """window.addEventListener("load", function () {
  window.ui = SwaggerUIBundle({
    url: %r,
    dom_id: "#swagger-ui",
    deepLinking: true,
    tryItOutEnabled: false,
    persistAuthorization: false,
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
    layout: "BaseLayout"
  });
});
"""


@blp.get("/api/v1/docs")
def api_docs():
    return render_template("api_docs.html")


@blp.get("/api/v1/docs/assets/<name>")
def asset(name: str):
    if name not in ASSETS:
        abort(404)
    return send_from_directory(str(swagger_ui_path), name, max_age=3600)


@blp.get("/api/v1/docs/initializer.js")
def initializer():
    """A file, not an inline script, so the page can forbid inline scripts."""
    body = INITIALIZER % url_for("api-docs.openapi_json")
    return Response(body, mimetype="text/javascript")


@blp.after_request
def _headers(response):
    response.headers.setdefault(
        "Content-Security-Policy",
        "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
        "frame-ancestors 'none'",
    )
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    return response
