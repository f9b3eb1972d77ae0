"""The HTTP baseline: an empty Flask endpoint, served by gunicorn exactly like `civicflow serve`."""

from __future__ import annotations

from typing import Any

from flask import Flask, jsonify, request


def create_app() -> Flask:
    app = Flask("empty")

    @app.get("/healthz")
    def healthz() -> Any:
        return jsonify(status="ok")

    @app.post("/api/v1/orders", defaults={"rest": ""})
    @app.post("/api/v1/orders/<path:rest>")
    def empty(rest: str) -> Any:
        request.get_json(silent=True)  # read the body, as a real endpoint must
        return jsonify({}), 201 if not rest else 200

    return app
