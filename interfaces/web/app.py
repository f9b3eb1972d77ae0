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
from projections import ReadModel
from projections.reads.candidates import RosterCandidates


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the web app. `config` may carry SETTINGS (application Settings), CLOCK (an injected clock) and
    STORE_PREPARED (the store, its tables and reference data already exist: do not create them)."""
    app = Flask("civicflow")
    app.config.update({"MAX_CONTENT_LENGTH": observe.MAX_BODY_BYTES, **(config or {})})
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    civicflow, read_model = open_store(app.config.get("SETTINGS") or Settings.from_env(), app.config.get("CLOCK"),
                                       prepared=app.config.get("STORE_PREPARED", False))
    app.extensions.update({"civicflow": civicflow, "civicflow.read_model": read_model,
                           "civicflow.metrics": RequestMetrics()})
    register_routes(app)
    observe.install(app)
    return app


def open_store(settings: Settings, clock: Clock | None, *, prepared: bool) -> tuple[CivicFlow, ReadModel]:
    """The application and its read model. A prepared store (`civicflow serve` readies it before forking) is
    only opened: workers starting together must not race each other creating tables (PostgreSQL refuses)."""
    civicflow = CivicFlow(settings, clock, env={"CREATE_TABLE": "no"} if prepared else None)
    if not prepared:
        civicflow.load_reference_data()  # idempotent: a no-op once the sites are in the store
    read_model = open_read_model(civicflow, settings, create=not prepared)
    civicflow.use_candidates(RosterCandidates(read_model.engine, read_model.tables))
    return civicflow, read_model


def register_routes(app: Flask) -> None:
    from interfaces.web import audit, ops, orders, problem_pages, reference, volunteers  # once the app exists

    api = create_api(app)
    for blueprint in (reference.sites, reference.categories, volunteers.blp, volunteers.teams, orders.blp,
                      *audit.blueprints(), ops.blp):
        api.register_blueprint(blueprint)
    app.register_blueprint(problem_pages.blp)  # plain Flask: the pages are for people, not in /openapi.json
    register_error_handlers(app)


def close_app(app: Flask) -> None:
    """Release the store's connections (tests, and the CLI when it builds an app)."""
    app.extensions["civicflow.read_model"].close()
    app.extensions["civicflow"].close()
