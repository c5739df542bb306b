"""``/api/v1/docs``: the OpenAPI description as a readable page, with no external assets."""

import json

from flask import Blueprint, current_app, render_template

blp = Blueprint("api_docs", __name__)

METHODS = ("get", "post", "put", "patch", "delete")


def _operations(spec: dict) -> list[dict]:
    operations = []
    for path, item in spec.get("paths", {}).items():
        for method in METHODS:
            if method not in item:
                continue
            operation = item[method]
            operations.append(
                {
                    "method": method.upper(),
                    "path": path,
                    "summary": operation.get("summary", ""),
                    "tags": operation.get("tags", []),
                    "parameters": item.get("parameters", []) + operation.get("parameters", []),
                    "responses": sorted(operation.get("responses", {}).items()),
                }
            )
    return operations


@blp.get("/api/v1/docs")
def api_docs():
    spec = current_app.extensions["api"].spec.to_dict()
    schemas = spec.get("components", {}).get("schemas", {})
    return render_template(
        "api_docs.html",
        spec=spec,
        operations=_operations(spec),
        schemas={name: json.dumps(schema, indent=2) for name, schema in schemas.items()},
    )
