"""Operations routes, no token needed: liveness, readiness (store + projection lag), metrics, the API docs."""

from __future__ import annotations

from typing import Any

from flask import Response, current_app
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from interfaces.web.context import civicflow
from interfaces.web.docs_page import DOCS_HTML
from interfaces.web.problems import RETRY_AFTER_SECONDS, problem

blp = Blueprint("operations", __name__, description="Liveness, readiness, metrics and docs (no token needed)")
PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8"
READY_MAX_LAG = 10_000  # beyond this, a read would spend too long catching the views up


class Health(Schema):
    status = fields.String(required=True)


class Readiness(Schema):
    status = fields.String(required=True)
    store = fields.String(required=True)
    head = fields.Integer(required=True)
    projection_lag = fields.Integer(required=True)
    positions = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True)


@blp.route("/healthz")
class Liveness(MethodView):
    @blp.response(200, Health)
    def get(self) -> Any:
        """The process is up."""
        return {"status": "ok"}


@blp.route("/readyz")
class Ready(MethodView):
    @blp.response(200, Readiness)
    @blp.alt_response(503, response="SERVICE_UNAVAILABLE")
    def get(self) -> Any:
        """The store answers and the views are not too far behind it."""
        try:
            head = civicflow().recorder.max_notification_id() or 0
            model = current_app.extensions["civicflow.read_model"]
            positions = model.positions()
        except Exception as error:  # noqa: BLE001 - any failure to reach the store means "not ready"
            return problem(503, "not-ready", detail=f"the store is unreachable: {error}",
                           headers={"Retry-After": RETRY_AFTER_SECONDS})
        lag = max(0, head - min(positions.values(), default=0))
        if lag > READY_MAX_LAG:
            return problem(503, "not-ready", detail=f"the views are {lag} events behind",
                           headers={"Retry-After": RETRY_AFTER_SECONDS})
        return {"status": "ready", "store": civicflow().settings.store.kind, "head": head,
                "projection_lag": lag, "positions": positions}


@blp.route("/metrics")
class Metrics(MethodView):
    @blp.doc(responses={"200": {"description": "Prometheus text exposition",
                                "content": {"text/plain": {"schema": {"type": "string"}}}}})
    def get(self) -> Any:
        """Prometheus metrics: requests by route and status, latency, events appended, projection lag."""
        head = civicflow().recorder.max_notification_id() or 0
        positions = current_app.extensions["civicflow.read_model"].positions()
        gauges = {"civicflow_events_total": ("Events appended to the store (its last notification id).", head),
                  "civicflow_projection_lag_events": ("Events the slowest view is behind the store.",
                                                      max(0, head - min(positions.values(), default=0)))}
        text = current_app.extensions["civicflow.metrics"].render(gauges)
        return Response(text, content_type=PROMETHEUS_TEXT)


@blp.route("/docs")
class Docs(MethodView):
    @blp.doc(responses={"200": {"description": "The API reference page (self-contained: no external assets)",
                                "content": {"text/html": {"schema": {"type": "string"}}}}})
    def get(self) -> Any:
        """The API reference, rendered in the browser from /openapi.json."""
        return Response(DOCS_HTML, content_type="text/html; charset=utf-8")
