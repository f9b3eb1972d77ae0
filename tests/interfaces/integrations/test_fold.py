"""What a disabled or deleted subscription still had pending: failed, saying why, in its deliveries log (DESIGN §16
has no enabling again, so nothing would ever send them); the other subscriptions are not touched."""

from __future__ import annotations

from datetime import timedelta
from uuid import UUID

import pytest

from application.persistence.clock import ManualClock
from interfaces.bootstrap import System
from interfaces.integrations.webhooks.delivery import WebhookDelivery
from interfaces.integrations.webhooks.sender import Response
from tests.interfaces.integrations.conftest import place, principal, subscribe
from tests.interfaces.integrations.fakes import FakeReceiver

pytestmark = pytest.mark.usefixtures("store_url")


def statuses(delivery: WebhookDelivery, subscription_id: str) -> list[tuple[str, int, str | None]]:
    return [(r["status"], r["attempts"], r["last_error"]) for r in delivery.outbox.deliveries(subscription_id)]


def test_a_410_fails_what_was_pending_behind_it_and_the_log_says_why(system: System, delivery: WebhookDelivery,
                                                                     receiver: FakeReceiver) -> None:
    _, gone = subscribe(system)
    for _ in range(3):
        place(system)
    receiver.answers.append(Response(410))
    assert delivery.one_pass()["disabled"] == 1  # the pass folds the Disabled event the 410 recorded, too
    reason = "subscription disabled: the receiver answered 410 Gone"
    assert statuses(delivery, gone) == [("failed", 1, None), ("failed", 0, reason), ("failed", 0, reason)]
    assert delivery.one_pass()["delivered"] == 0 and len(receiver.received) == 1
    assert delivery.lag()["pending"] == 0


def test_deleting_a_subscription_fails_its_pending_deliveries_only(system: System, delivery: WebhookDelivery,
                                                                   receiver: FakeReceiver, clock: ManualClock) -> None:
    owner = principal()
    _, deleted = subscribe(system, owner)
    _, kept = subscribe(system, url="http://127.0.0.1:9/kept")
    receiver.down = True
    place(system)
    delivery.one_pass()
    system.app.remove_webhook(owner, UUID(deleted))
    receiver.down = False
    clock.advance(timedelta(seconds=5))  # the second attempt is due
    assert delivery.one_pass()["delivered"] == 1
    assert [(s, e) for s, _, e in statuses(delivery, deleted)] == [("failed", "subscription deleted")]
    assert [s for s, _, _ in statuses(delivery, kept)] == ["delivered"]
    assert [r.url for r in receiver.received][-1] == "http://127.0.0.1:9/kept"
