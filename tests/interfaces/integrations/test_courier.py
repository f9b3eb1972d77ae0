"""A pass goes on enqueueing while its deliveries are sent: what is committed meanwhile is delivered in the same
pass (no wait for the next wake-up), still in position order per subscription — and the pass ends once PASS has
gone by on the clock, however busy the log."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest

from application.persistence.clock import ManualClock
from interfaces.bootstrap import System
from interfaces.integrations.webhooks.courier import BATCH, PASS
from interfaces.integrations.webhooks.delivery import WebhookDelivery
from interfaces.integrations.webhooks.sender import Response
from tests.interfaces.integrations.conftest import place, subscribe
from tests.interfaces.integrations.fakes import FakeReceiver

pytestmark = pytest.mark.usefixtures("store_url")


class BusyReceiver(FakeReceiver):
    """Runs `meanwhile(url)` after each delivery it receives (a command committed while the pass is sending); one
    subscription's deliveries are sent one at a time, so it runs one at a time for each URL."""

    def __init__(self) -> None:
        super().__init__()
        self.meanwhile: Callable[[str], Any] = lambda url: None

    def send(self, url: str, *args: Any) -> Response:
        answer = super().send(url, *args)
        self.meanwhile(url)
        return answer


@pytest.fixture
def busy(system: System) -> Iterator[tuple[BusyReceiver, WebhookDelivery]]:
    receiver = BusyReceiver()
    opened = WebhookDelivery.open(system, sender=receiver)
    yield receiver, opened
    opened.close()


def test_what_is_committed_during_a_pass_is_delivered_in_it(system: System, busy: Any) -> None:
    receiver, delivery = busy
    subscribe(system)
    subscribe(system, url="http://127.0.0.1:9/second")
    place(system)
    placed = []
    receiver.meanwhile = lambda url: placed.append(place(system)) if len(placed) < 3 and url.endswith("/hook") else 0
    report = delivery.one_pass()
    assert report["enqueued"] == 8 and report["delivered"] == 8 and delivery.lag()["pending"] == 0
    for url in ("http://127.0.0.1:9/hook", "http://127.0.0.1:9/second"):
        positions = [r.payload["data"]["position"] for r in receiver.received if r.url == url]
        assert len(positions) == 4 and positions == sorted(positions)


def test_a_pass_ends_once_its_time_is_up_however_busy_the_log(system: System, busy: Any,
                                                              clock: ManualClock) -> None:
    receiver, delivery = busy
    subscribe(system)
    place(system)

    def commit_and_let_time_pass(url: str) -> None:
        place(system)
        clock.advance(PASS / 4)
    receiver.meanwhile = commit_and_let_time_pass
    first = delivery.one_pass()
    assert 1 < first["delivered"] < 10 and delivery.lag()["behind"] >= 1  # the rest is the next pass's
    receiver.meanwhile = lambda url: None
    clock.advance(timedelta(seconds=1))
    second = delivery.one_pass()
    assert second["delivered"] >= 1 and delivery.lag() | {"position": 0, "head": 0} == {
        "position": 0, "head": 0, "behind": 0, "pending": 0, "oldest_pending_age_seconds": None}


def test_a_long_queue_is_sent_batch_after_batch_in_order(system: System, busy: Any) -> None:
    receiver, delivery = busy
    subscribe(system)
    for _ in range(BATCH + 5):
        place(system)
    assert delivery.one_pass()["delivered"] == BATCH + 5
    assert receiver.positions() == sorted(receiver.positions()) and len(set(receiver.positions())) == BATCH + 5
