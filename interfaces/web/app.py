"""The Flask app factory: a fresh app (and application) per call, nothing at module level."""

from __future__ import annotations

from typing import Any

from flask import Flask, current_app, jsonify

from application.app import CivicFlow
from application.clock import Clock
from application.settings import Settings


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the web app. `config` may carry SETTINGS (application Settings) and CLOCK (an injected clock)."""
    app = Flask("civicflow")
    app.config.update(config or {})
    settings: Settings = app.config.get("SETTINGS") or Settings.from_env()
    clock: Clock | None = app.config.get("CLOCK")
    app.extensions["civicflow"] = CivicFlow(settings, clock)
    app.add_url_rule("/healthz", "healthz", healthz)
    return app


def civicflow() -> CivicFlow:
    return current_app.extensions["civicflow"]


def healthz() -> Any:
    return jsonify(status="ok")
