"""Operations routes, no token needed: liveness, readiness (store + projection lag), metrics."""

from __future__ import annotations

from typing import Any

from flask import Response, current_app
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from interfaces.bootstrap import System
from interfaces.web.context import civicflow
from interfaces.web.problems import RETRY_AFTER_SECONDS, problem
from interfaces.workers.heartbeats import Heartbeats
from interfaces.workers.running import webhooks_available
from interfaces.workers.status import STALE_AFTER_INTERVALS, loops_status, stalled

blp = Blueprint("operations", __name__,
                description="Liveness, readiness and metrics (no token needed); the API reference is /docs")
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
    loops = fields.Dict(keys=fields.String(), values=fields.Dict(), required=True,
                        metadata={"description": "each worker loop: state (running, stalled, stopped, absent), its "
                                                 "last pass and age, and its lag (projections: events; webhooks: "
                                                 "as its delivery reports)"})


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
        """The store answers, the views are not too far behind it, and no worker loop has stalled (a loop that
        has not reported for more than 5 of its intervals). A loop that never ran, or was stopped, is reported
        but does not make the service unready: reads catch the views up themselves."""
        try:
            head = civicflow().recorder.max_notification_id() or 0
            model = current_app.extensions["civicflow.read_model"]
            positions = model.positions()
            loops = loops_status(Heartbeats(model.engine).read(), civicflow().clock.now(), head=head,
                                 webhooks_lag=lambda: webhooks_lag(model))
        except Exception as error:  # noqa: BLE001 - any failure to reach the store means "not ready"
            return not_ready(f"the store is unreachable: {error}")
        lag = max(0, head - min(positions.values(), default=0))
        if lag > READY_MAX_LAG:
            return not_ready(f"the views are {lag} events behind")
        if names := stalled(loops):
            return not_ready(f"the {', '.join(names)} loop(s) have not reported for more than "
                             f"{STALE_AFTER_INTERVALS} of their intervals")
        return {"status": "ready", "store": civicflow().settings.store.kind, "head": head,
                "projection_lag": lag, "positions": positions, "loops": loops}


def not_ready(detail: str) -> Any:
    return problem(503, "not-ready", detail=detail, headers={"Retry-After": RETRY_AFTER_SECONDS})


def webhooks_lag(model: Any) -> dict[str, Any] | None:
    """The webhook delivery's own account of its lag, where it is installed."""
    if not webhooks_available():
        return None
    from interfaces.integrations.webhooks.delivery import WebhookDelivery  # noqa: PLC0415 - optional until built

    delivery = WebhookDelivery.open(System(civicflow(), model))
    try:
        return delivery.lag()
    finally:
        delivery.close()


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
