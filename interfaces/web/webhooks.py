"""/api/v1/webhooks (DESIGN §16): integrators subscribe to order events; the secret is shown once. A channel is
told of its own orders, a dispatcher of its jurisdiction, an admin of all; each sees and manages the
subscriptions made under its own binding (another's answers 404)."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any, ClassVar
from uuid import UUID

from flask import current_app, g
from flask.views import MethodView
from flask_smorest import Blueprint, abort
from marshmallow import Schema, fields, validate

from domain.webhook import EVENT_TYPES, WebhookSubscription
from interfaces.integrations.webhooks.outbox import Outbox
from interfaces.integrations.webhooks.tables import PENDING
from interfaces.integrations.webhooks.urls import UrlRefused, check_url
from interfaces.integrations.webhooks.wiring import open_outbox
from interfaces.web.blueprints import api_blueprint
from interfaces.web.commands import answer, etag, if_match, run
from interfaces.web.context import civicflow, read_model_as_is
from interfaces.web.schemas_in import Strict
from interfaces.web.schemas_out import Nullable, page_of

blp = api_blueprint("webhooks", "/webhooks", "Webhook subscriptions: integrators are told of order events")
OWNERS = ("channel", "dispatcher", "admin")


class SubscriptionIn(Strict):
    EXAMPLE: ClassVar[dict[str, Any]] = {"url": "https://hooks.example.com/civicflow",
                                         "event_types": ["order.placed", "order.completed"]}
    url = fields.String(required=True, validate=validate.Length(min=1, max=2000))
    event_types = fields.List(fields.String(validate=validate.OneOf(EVENT_TYPES)), required=True,
                              validate=validate.Length(min=1, max=len(EVENT_TYPES)))


class SubscriptionOut(Schema):
    id = fields.String(required=True)
    url = fields.String(required=True)
    event_types = fields.List(fields.String(), required=True)
    active = fields.Boolean(required=True)
    disabled_reason = Nullable(fields.String)
    created_at = fields.DateTime(required=True)
    previous_secret_until = Nullable(fields.DateTime, metadata={"description": "the old secret signs until then"})
    version = fields.Integer(required=True)


class SubscriptionWithSecret(SubscriptionOut):
    secret = fields.String(required=True, metadata={"description": "whsec_…: shown this once, keep it"})


class DeliveryOut(Schema):
    id = fields.String(required=True, metadata={"description": "the webhook-id, the same on every attempt"})
    position = fields.Integer(required=True)
    event_type = fields.String(required=True)
    status = fields.String(required=True, metadata={"description": "pending, delivered or failed"})
    attempts = fields.Integer(required=True)
    last_status = Nullable(fields.Integer, metadata={"description": "the receiver's last HTTP status"})
    last_error = Nullable(fields.String)
    next_attempt_at = Nullable(fields.DateTime)
    enqueued_at = fields.DateTime(required=True)
    delivered_at = Nullable(fields.DateTime)


class DeliveryQuery(Strict):
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))
    cursor = fields.String(validate=validate.Regexp(r"^[0-9]{1,15}$", error="not a cursor this API issued"))


SubscriptionPage = page_of(SubscriptionOut, "WebhookSubscriptionPage")
DeliveryPage = page_of(DeliveryOut, "WebhookDeliveryPage")


@blp.route("")
class Subscriptions(MethodView):
    @blp.roles(*OWNERS)
    @blp.arguments(SubscriptionIn)
    @blp.response(201, SubscriptionWithSecret)
    def post(self, body: dict[str, Any]) -> Any:
        """Subscribe a URL to order events; the answer holds the signing secret, shown this once."""
        try:
            check_url(body["url"], allow_private=civicflow().settings.webhooks_allow_private)
        except UrlRefused as refused:
            abort(422, message=str(refused), errors={"url": [str(refused)]})
        result = run(civicflow().subscribe_webhook, g.principal, body["url"], body["event_types"])
        return answer(WebhookSubscription, result, with_secret, location=f"{blp.url_prefix}/{result.id}")

    @blp.roles(*OWNERS)
    @blp.response(200, SubscriptionPage)
    def get(self) -> Any:
        """The subscriptions made under this token's binding (an admin: all)."""
        return {"items": [shown(s) for s in civicflow().webhooks_visible(g.principal)], "next_cursor": None}


@blp.route("/<uuid:subscription_id>")
class Subscription(MethodView):
    @blp.roles(*OWNERS)
    @blp.response(200, SubscriptionOut)
    def get(self, subscription_id: UUID) -> Any:
        """One subscription."""
        subscription = civicflow().webhook(g.principal, subscription_id)
        return shown(subscription), 200, {"ETag": etag(subscription.version)}

    @blp.roles(*OWNERS)
    @blp.response(204)
    def delete(self, subscription_id: UUID) -> Any:
        """Delete a subscription: nothing more is delivered, and its secret's key is destroyed."""
        civicflow().remove_webhook(g.principal, subscription_id, expected_version=if_match())
        return "", 204


@blp.route("/<uuid:subscription_id>/secret")
class Secret(MethodView):
    @blp.roles(*OWNERS)
    @blp.response(200, SubscriptionWithSecret)
    def post(self, subscription_id: UUID) -> Any:
        """Rotate the secret: the new one is shown this once; for 24 hours both sign (space-separated)."""
        result = run(civicflow().rotate_webhook_secret, g.principal, subscription_id, expected_version=if_match())
        return answer(WebhookSubscription, result, with_secret)


@blp.route("/<uuid:subscription_id>/deliveries")
class Deliveries(MethodView):
    @blp.roles(*OWNERS)
    @blp.arguments(DeliveryQuery, location="query")
    @blp.response(200, DeliveryPage)
    def get(self, query: dict[str, Any], subscription_id: UUID) -> Any:
        """The subscription's deliveries, oldest first: status, attempts, the last answer, the next attempt."""
        civicflow().webhook(g.principal, subscription_id)
        rows = outbox().deliveries(str(subscription_id), query["limit"] + 1, int(query.get("cursor", "0")))
        more = len(rows) > query["limit"]
        rows = rows[:query["limit"]]
        return {"items": [delivery_shown(r) for r in rows], "next_cursor": str(rows[-1]["position"]) if more else None}


@blp.route("/<uuid:subscription_id>/deliveries/<delivery_id>/retry")
class Retry(MethodView):
    @blp.roles(*OWNERS)
    @blp.response(200, DeliveryOut)
    def post(self, subscription_id: UUID, delivery_id: str) -> Any:
        """Deliver this one again, from the start of the retry schedule (the same webhook-id). Retrying again
        only restarts the schedule: the same request twice (an Idempotency-Key's retry) changes nothing more."""
        civicflow().webhook(g.principal, subscription_id).require_active("retry a delivery of")
        row = outbox().retry(str(subscription_id), delivery_id[:40])
        if row is None:
            abort(404, message=f"no delivery {delivery_id[:40]} of this subscription")
        return delivery_shown(row)


def shown(subscription: WebhookSubscription) -> dict[str, Any]:
    return {"id": str(subscription.id), "url": subscription.url, "event_types": subscription.event_types,
            "active": subscription.active, "disabled_reason": subscription.disabled_reason,
            "created_at": subscription.created_on, "previous_secret_until": subscription.previous_until,
            "version": subscription.version}


def with_secret(subscription: WebhookSubscription) -> dict[str, Any]:
    """At the version the command produced: a retry with the same Idempotency-Key shows the same secret."""
    return {**shown(subscription), "secret": civicflow().webhook_secret(subscription)}


def delivery_shown(row: dict[str, Any]) -> dict[str, Any]:
    return {**row, "next_attempt_at": row["next_attempt_at"] if row["status"] == PENDING else None}


def outbox() -> Outbox:
    """The outbox's tables on this app's store (made on first use); the web reads and retries, never sends."""
    found = current_app.extensions.get("civicflow.webhooks")
    if found is None:
        system = SimpleNamespace(app=civicflow(), read_model=read_model_as_is())
        found = current_app.extensions["civicflow.webhooks"] = open_outbox(system, real_sender=False)
    return found


def blueprints() -> list[Blueprint]:
    return [blp]
