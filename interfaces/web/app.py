"""The Flask app factory: a fresh app (application, read model, metrics) per call, nothing at module level."""

from __future__ import annotations

from typing import Any

from flask import Flask

from application.app import CivicFlow
from application.clock import Clock
from application.settings import Settings
from interfaces.web import observe
from interfaces.web.api import create_api
from interfaces.web.metrics import RequestMetrics
from interfaces.web.problems import register_error_handlers
from interfaces.wiring import open_read_model
from projections.candidates import RosterCandidates


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the web app. `config` may carry SETTINGS (application Settings) and CLOCK (an injected clock)."""
    app = Flask("civicflow")
    app.config.update({"MAX_CONTENT_LENGTH": observe.MAX_BODY_BYTES, **(config or {})})
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    settings: Settings = app.config.get("SETTINGS") or Settings.from_env()
    clock: Clock | None = app.config.get("CLOCK")
    civicflow = CivicFlow(settings, clock)
    civicflow.load_reference_data()  # idempotent: a no-op once the sites are in the store
    read_model = open_read_model(civicflow, settings)
    civicflow.use_candidates(RosterCandidates(read_model.engine, read_model.tables))
    app.extensions.update({"civicflow": civicflow, "civicflow.read_model": read_model,
                           "civicflow.metrics": RequestMetrics()})
    register_routes(app)
    observe.install(app)
    return app


def register_routes(app: Flask) -> None:
    from interfaces.web import audit, ops, orders, reference, volunteers  # the blueprints, once the app exists

    api = create_api(app)
    for blueprint in (reference.sites, reference.categories, volunteers.blp, volunteers.teams, orders.blp,
                      *audit.blueprints(), ops.blp):
        api.register_blueprint(blueprint)
    register_error_handlers(app)


def close_app(app: Flask) -> None:
    """Release the store's connections (tests, and the CLI when it builds an app)."""
    app.extensions["civicflow.read_model"].close()
    app.extensions["civicflow"].close()
