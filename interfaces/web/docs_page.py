"""/docs: Swagger UI 5 (vendored in static/swagger-ui, no CDN), at flask-smorest's OPENAPI_SWAGGER_UI_PATH with
its assets at OPENAPI_SWAGGER_UI_URL. The page's one script of its own is a served file (civicflow-initializer.js),
so its Content-Security-Policy allows scripts from this origin only. "Try it out" sends the bearer token given in
"Authorize" (the bearerAuth scheme of every /api/v1 operation, api.py); request bodies show their schema's
EXAMPLE (ExamplesPlugin)."""

from __future__ import annotations

from typing import Any

from apispec import BasePlugin
from flask import Blueprint, Flask, Response, render_template_string

SWAGGER_UI_SETTINGS = {"OPENAPI_SWAGGER_UI_PATH": "/docs", "OPENAPI_SWAGGER_UI_URL": "/docs/assets/"}
CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
       "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'")
PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>civicflow API v1 — 点单 → 派单 → 接单 → 评单</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="{{ assets }}swagger-ui.css"></head>
<body><div id="swagger-ui" data-spec-url="{{ spec_url }}"></div>
<script src="{{ assets }}swagger-ui-bundle.js"></script>
<script src="{{ assets }}civicflow-initializer.js"></script>
</body></html>
"""


def swagger_ui_page(assets: str, spec_url: str) -> Response:
    response = Response(render_template_string(PAGE, assets=assets, spec_url=spec_url),
                        content_type="text/html; charset=utf-8")
    response.headers["Content-Security-Policy"] = CSP
    return response


def install_assets(app: Flask) -> None:
    """Serve the vendored Swagger UI files (and the initializer) at OPENAPI_SWAGGER_UI_URL."""
    assets = Blueprint("swagger_ui_assets", __name__, static_folder="static/swagger-ui",
                       static_url_path=app.config["OPENAPI_SWAGGER_UI_URL"].rstrip("/"))
    app.register_blueprint(assets)


class ExamplesPlugin(BasePlugin):
    """A schema class's EXAMPLE (a valid body) as its `examples` (JSON Schema 2020-12, which Swagger UI 5 fills
    "Try it out" with) and `example` (for OpenAPI 3.0 tools)."""

    def schema_helper(self, name: str, definition: dict[str, Any], **kwargs: Any) -> dict[str, Any] | None:
        schema = kwargs.get("schema")
        example = getattr(schema if isinstance(schema, type) else type(schema), "EXAMPLE", None)
        return None if example is None else {"examples": [example], "example": example}
