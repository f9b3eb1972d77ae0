"""The Flask app factory: a fresh app (application, read model, metrics) per call, nothing at module level."""

from __future__ import annotations

from typing import Any

from flask import Flask

from application.settings import Settings
from interfaces.bootstrap import bootstrap
from interfaces.web import observe
from interfaces.web.api import create_api, link_workflows
from interfaces.web.console import install_console
from interfaces.web.metrics import RequestMetrics
from interfaces.web.problems import register_error_handlers
from interfaces.workers.background import BackgroundJobs


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the web app. `config` may carry SETTINGS (application Settings), CLOCK (an injected clock) and
    STORE_PREPARED (the store, its tables and reference data already exist: do not create them)."""
    app = Flask("civicflow")
    app.config.update(config or {})  # body sizes are BoundedBody's (observe.install)
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    system = bootstrap(app.config.get("SETTINGS") or Settings.from_env(), clock=app.config.get("CLOCK"),
                       prepared=app.config.get("STORE_PREPARED", False))
    app.extensions.update({"civicflow": system.app, "civicflow.read_model": system.read_model,
                           "civicflow.metrics": RequestMetrics(), "civicflow.background": BackgroundJobs()})
    register_routes(app)
    observe.install(app)
    return app


def register_routes(app: Flask) -> None:
    from interfaces.web import audit, ops, orders, problem_pages, reference, residents, volunteers  # app first
    from interfaces.web import open311
    from interfaces.web import webhooks
    from interfaces.web.certificates import api as certificates, verify

    api = create_api(app)
    for blueprint in (reference.sites, reference.categories, volunteers.blp, volunteers.teams, orders.blp,
                      *audit.blueprints(), *residents.blueprints(), *webhooks.blueprints(), certificates.blp, ops.blp):
        api.register_blueprint(blueprint)
    link_workflows(api.spec.to_dict()["paths"])  # the document's own paths, not a copy
    app.register_blueprint(problem_pages.blp)  # plain Flask: the pages are for people, not in /openapi.json
    app.register_blueprint(verify.blp)  # plain Flask: the public verification page (DESIGN §17), no account
    app.register_blueprint(open311.blp)  # plain Flask: GeoReport v2 (DESIGN §15) has its own formats and errors
    install_console(app)  # /console: HTML for people, with sessions, CSRF and catalogues of its own
    register_error_handlers(app)


def close_app(app: Flask) -> None:
    """Release the store's connections (tests, and the CLI when it builds an app), once background jobs end."""
    app.extensions["civicflow.background"].join()
    app.extensions["civicflow.read_model"].close()
    app.extensions["civicflow"].close()
