"""A webhook subscription (DESIGN §16): where an integrator is told about orders, and which events. Its secret is
held only sealed (the application seals it with a key from the key store), never in clear in an event."""

from __future__ import annotations

from datetime import datetime

from domain.base import CivicAggregate, DomainError, InvalidTransition
from domain.order import Order

# The event types an integrator may subscribe to, by the order event that produces each.
ORDER_EVENT_TYPES: dict[type, str] = {
    Order.Placed: "order.placed", Order.Dispatched: "order.dispatched", Order.Accepted: "order.accepted",
    Order.Declined: "order.declined", Order.ServiceStarted: "order.started",
    Order.ServiceCompleted: "order.completed", Order.Reviewed: "order.reviewed", Order.Cancelled: "order.cancelled",
    Order.Escalated: "order.escalated", Order.DispatchExpired: "order.expired",
    Order.ReviewWindowClosed: "order.closed",
}
EVENT_TYPES = tuple(ORDER_EVENT_TYPES.values())


class InvalidSubscription(DomainError):
    field = "event_types"


class WebhookSubscription(CivicAggregate):
    class Subscribed(CivicAggregate.Created):
        url: str
        event_types: list[str]
        role: str
        site_id: str | None
        channel: str | None
        sealed_secret: str

    def __init__(self, url: str, event_types: list[str], role: str, site_id: str | None, channel: str | None,
                 sealed_secret: str, actor: str):
        self.url, self.event_types = url, list(event_types)
        self.role, self.site_id, self.channel = role, site_id, channel
        self.sealed_secret = sealed_secret
        self.previous_sealed_secret: str | None = None
        self.previous_until: datetime | None = None
        self.disabled_reason: str | None = None
        self.removed = False

    @classmethod
    def subscribe(cls, subscription_id: object, *, url: str, event_types: list[str], role: str,
                  site_id: str | None, channel: str | None, sealed_secret: str, actor: str,
                  at: datetime) -> WebhookSubscription:
        unknown = sorted(set(event_types) - set(EVENT_TYPES))
        if not event_types or unknown:
            raise InvalidSubscription(f"unknown event types: {', '.join(unknown)}" if unknown
                                      else "name at least one event type")
        return cls._create(cls.Subscribed, id=subscription_id, url=url, event_types=sorted(set(event_types)),
                           role=role, site_id=site_id, channel=channel, sealed_secret=sealed_secret,
                           actor=actor, timestamp=at)

    class SecretRotated(CivicAggregate.Event):
        sealed_secret: str
        previous_until: datetime

        def apply(self, subscription: WebhookSubscription) -> None:
            subscription.previous_sealed_secret = subscription.sealed_secret
            subscription.sealed_secret, subscription.previous_until = self.sealed_secret, self.previous_until

    def rotate_secret(self, sealed_secret: str, *, previous_until: datetime, actor: str, at: datetime) -> None:
        self._require_present("rotate the secret of")
        self._record(self.SecretRotated, sealed_secret=sealed_secret, previous_until=previous_until,
                     actor=actor, at=at)

    class Disabled(CivicAggregate.Event):
        reason: str

        def apply(self, subscription: WebhookSubscription) -> None:
            subscription.disabled_reason = self.reason

    def disable(self, reason: str, *, actor: str, at: datetime) -> None:
        if not self.removed and self.disabled_reason is None:  # twice is harmless: nothing new to record
            self._record(self.Disabled, reason=reason, actor=actor, at=at)

    class Removed(CivicAggregate.Event):
        def apply(self, subscription: WebhookSubscription) -> None:
            subscription.removed = True

    def remove(self, *, actor: str, at: datetime) -> None:
        self._require_present("delete")
        self._record(self.Removed, actor=actor, at=at)

    def _require_present(self, command: str) -> None:
        if self.removed:
            raise InvalidTransition(f"{command} the subscription", "deleted")

    def require_active(self, command: str) -> None:
        """Nothing is sent to a disabled subscription (its receiver said 410 Gone): retrying would wait forever."""
        self._require_present(command)
        if self.disabled_reason is not None:
            raise InvalidTransition(f"{command} the subscription", f"disabled ({self.disabled_reason})")

    @property
    def active(self) -> bool:
        return not self.removed and self.disabled_reason is None
