"""The interface the webhook-delivery worker calls (interfaces/workers/running.py): one object per process, one
pass at a time. A pass enqueues what the notification log holds beyond the outbox's own position (the delivery
rows and the new position in one transaction: each event enqueued once), then attempts every delivery due, going on
enqueueing while they are sent (a command committed during a pass is delivered in it, not after the next wake-up)."""

from __future__ import annotations

from typing import Any

from interfaces.bootstrap import System


class WebhookDelivery:
    def __init__(self, outbox: Any):
        self.outbox = outbox

    @classmethod
    def open(cls, system: System, sender: Any = None) -> WebhookDelivery:
        """Delivery on `system`'s store (its tables made if missing); `sender` None → the real HTTP sender."""
        from interfaces.integrations.webhooks.wiring import open_outbox  # noqa: PLC0415 - keeps this module small

        return cls(open_outbox(system, sender))

    def one_pass(self) -> dict[str, Any]:
        """{"position", "enqueued", "delivered", "failed", "retried_later", "disabled"}."""
        made = [self.outbox.enqueue()]

        def enqueue_more() -> int:  # while the deliveries are being sent: what is committed meanwhile goes too
            made.append(self.outbox.enqueue())
            return made[-1]
        attempted = self.outbox.deliver_due(enqueue_more)
        return {"position": self.outbox.position(), "enqueued": sum(made), **attempted}

    def lag(self) -> dict[str, Any]:
        """{"position", "head", "behind", "pending", "oldest_pending_age_seconds"}."""
        return self.outbox.lag()

    def close(self) -> None:
        self.outbox.close()
