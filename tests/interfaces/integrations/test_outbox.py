"""The outbox on SQLite and PostgreSQL: each event enqueued once, delivered at least once, in order per
subscription, on the Standard Webhooks retry schedule (a stepping ManualClock, no sleeps)."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from uuid import UUID

import psycopg
import pytest
from psycopg.pq import TransactionStatus
from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError

from application.persistence.clock import ManualClock
from domain.webhook import WebhookSubscription
from interfaces.bootstrap import System
from interfaces.integrations.webhooks.attempts import SCHEDULE
from interfaces.integrations.webhooks.delivery import WebhookDelivery
from interfaces.integrations.webhooks.sender import TIMEOUT_SECONDS, Response
from tests.interfaces.integrations.conftest import place, subscribe
from tests.interfaces.integrations.fakes import FakeReceiver

pytestmark = pytest.mark.usefixtures("store_url")


def test_an_event_reaches_its_subscriber_signed_without_personal_data(system: System, delivery: WebhookDelivery,
                                                                        receiver: FakeReceiver) -> None:
    secret, _ = subscribe(system)
    order_id = place(system)
    report = delivery.one_pass()
    assert report["enqueued"] == 1 and report["delivered"] == 1
    [got] = receiver.received
    assert got.payload["type"] == "order.placed"
    assert got.payload["data"] == {"order_id": order_id, "status": "placed", "version": 1,
                                   "site_id": "post-babaoshan-01", "position": got.payload["data"]["position"]}
    assert got.signed_by(secret) and got.timeout == TIMEOUT_SECONDS
    for personal in ("13911112222", "王秀英", "八宝山街道", "3-201", "cf1:"):
        assert personal.encode() not in got.body and personal not in str(got.headers)


def test_repeated_passes_enqueue_each_event_once(system: System, delivery: WebhookDelivery,
                                                 receiver: FakeReceiver) -> None:
    subscribe(system)
    place(system)
    first = delivery.one_pass()
    place(system)
    reports = [delivery.one_pass() for _ in range(3)]
    assert first["enqueued"] == 1 and [r["enqueued"] for r in reports] == [1, 0, 0]
    assert len(receiver.received) == 2 and delivery.lag()["behind"] == 0


class CommitsWhileReading:
    """The outbox's recorder, with a command committed right after each of its first few reads: what a busy
    district does (an outbox chasing the head would read on and enqueue them all)."""

    def __init__(self, system: System, commits: int = 5):
        self.system, self.recorder, self.commits = system, system.app.recorder, commits

    def select_notifications(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        page = self.recorder.select_notifications(*args, **kwargs)
        if self.commits > 0:
            self.commits -= 1
            place(self.system)
        return page

    def __getattr__(self, name: str):  # type: ignore[no-untyped-def]
        return getattr(self.recorder, name)


def test_an_enqueue_stops_at_the_head_it_read_and_a_backlog_is_read_whole(system: System,
                                                                         delivery: WebhookDelivery) -> None:
    subscribe(system)
    outbox = delivery.outbox
    outbox.enqueue()
    place(system)
    outbox.recorder = CommitsWhileReading(system)
    assert outbox.enqueue() == 1  # not chasing each commit made meanwhile: a page of one event per transaction
    assert outbox.enqueue() == 1 and outbox.lag()["behind"] > 0  # the one committed during the last read waits
    outbox.recorder = system.app.recorder
    for _ in range(3):
        place(system)
    outbox.page_size = 2  # full pages go on: a backlog is enqueued in one call
    assert outbox.enqueue() == 1 + 3 and outbox.lag()["behind"] == 0


def test_a_second_outbox_on_the_same_store_enqueues_nothing_again(system: System, delivery: WebhookDelivery,
                                                                  receiver: FakeReceiver) -> None:
    subscribe(system)
    place(system)
    delivery.one_pass()
    other = WebhookDelivery.open(system, sender=receiver)
    assert other.one_pass()["enqueued"] == 0 and len(receiver.received) == 1


def test_a_crash_while_sending_loses_nothing_and_enqueues_nothing_twice(system: System, delivery: WebhookDelivery,
                                                                        receiver: FakeReceiver) -> None:
    subscribe(system)
    place(system)
    receiver.answers.append(RuntimeError("killed mid-send"))
    with pytest.raises(RuntimeError):
        delivery.one_pass()
    again = delivery.one_pass()
    assert again["enqueued"] == 0 and again["delivered"] == 1
    first, second = receiver.received
    assert first.headers["webhook-id"] == second.headers["webhook-id"] and first.body == second.body


REFUSE_DELIVERED = {  # a trigger that fails the write of a delivered outcome, as a lost connection or a full disk
    "sqlite": ["CREATE TRIGGER refuse_delivered BEFORE UPDATE ON webhook_deliveries WHEN NEW.status = 'delivered' "
               "BEGIN SELECT RAISE(ABORT, 'refused'); END"],
    "postgresql": ["CREATE FUNCTION refuse_delivered() RETURNS trigger LANGUAGE plpgsql AS "
                   "$$ BEGIN RAISE EXCEPTION 'refused'; END $$",
                   "CREATE TRIGGER refuse_delivered BEFORE UPDATE ON webhook_deliveries FOR EACH ROW "
                   "WHEN (NEW.status = 'delivered') EXECUTE FUNCTION refuse_delivered()"]}
ALLOW_DELIVERED = {"sqlite": "DROP TRIGGER refuse_delivered",
                   "postgresql": "DROP TRIGGER refuse_delivered ON webhook_deliveries"}


def test_an_outcome_that_cannot_be_written_is_sent_again_with_the_same_id(system: System, delivery: WebhookDelivery,
                                                                          receiver: FakeReceiver) -> None:
    """The pass fails and marks nothing delivered; once the store takes writes again, the next pass (on a pool
    connection in a working state) resends the delivery with its webhook-id: at least once, nothing lost."""
    subscribe(system)
    place(system)
    engine = system.read_model.engine
    with engine.begin() as conn:
        for statement in REFUSE_DELIVERED[engine.dialect.name]:
            conn.exec_driver_sql(statement)
    with pytest.raises((DBAPIError, psycopg.Error), match="refused"):  # SQLite through Core; PostgreSQL's pipeline
        delivery.one_pass()
    assert delivery.lag()["pending"] == 1 and len(receiver.received) == 1 and every_pooled_one_is_transactional(engine)
    with engine.begin() as conn:
        conn.exec_driver_sql(ALLOW_DELIVERED[engine.dialect.name])
    again = delivery.one_pass()
    assert again["delivered"] == 1 and delivery.lag()["pending"] == 0
    first, second = receiver.received
    assert first.headers["webhook-id"] == second.headers["webhook-id"] and first.body == second.body


def every_pooled_one_is_transactional(engine: Engine) -> bool:
    """Each connection the pool holds runs a statement inside a transaction (none was put back autocommitting, as
    PostgreSQL's one-trip outcome write sets its connection while it runs)."""
    if engine.dialect.name != "postgresql":
        return True
    held = [engine.connect() for _ in range(engine.pool.checkedin())]  # type: ignore[attr-defined]
    try:
        for conn in held:
            conn.exec_driver_sql("SELECT 1")
        return all(c.connection.driver_connection.info.transaction_status == TransactionStatus.INTRANS  # type: ignore
                   for c in held)
    finally:
        for conn in held:
            conn.close()


def test_the_retry_schedule_then_failure(system: System, delivery: WebhookDelivery, receiver: FakeReceiver,
                                         clock: ManualClock) -> None:
    subscribe(system)
    place(system)
    receiver.default = Response(500)
    delivery.one_pass()
    for wait in SCHEDULE[1:]:
        clock.advance(timedelta(seconds=wait - 1))
        assert delivery.one_pass()["retrying"] == 0, "not yet due"
        clock.advance(timedelta(seconds=1))
        last = delivery.one_pass()
    assert last["failed"] == 1 and len(receiver.received) == len(SCHEDULE) == 10
    [row] = delivery.outbox.deliveries()
    assert (row["status"], row["attempts"], row["last_status"]) == ("failed", 10, 500)


def test_retry_after_in_seconds_and_as_a_date_is_honoured(system: System, delivery: WebhookDelivery,
                                                          receiver: FakeReceiver, clock: ManualClock) -> None:
    subscribe(system)
    place(system)
    later = clock.now() + timedelta(hours=1)
    receiver.answers.extend([Response(503, "120"), Response(429, later.strftime("%a, %d %b %Y %H:%M:%S GMT"))])
    delivery.one_pass()
    clock.advance(timedelta(seconds=119))
    assert delivery.one_pass()["delivered"] == 0 and len(receiver.received) == 1
    clock.advance(timedelta(seconds=1))
    delivery.one_pass()
    clock.set(later - timedelta(seconds=1))
    assert delivery.one_pass()["delivered"] == 0 and len(receiver.received) == 2
    clock.set(later)
    assert delivery.one_pass()["delivered"] == 1


def test_410_disables_the_subscription(system: System, delivery: WebhookDelivery, receiver: FakeReceiver) -> None:
    _, subscription_id = subscribe(system)
    place(system)
    place(system)
    receiver.answers.append(Response(410))
    assert delivery.one_pass()["disabled"] == 1
    place(system)
    assert delivery.one_pass()["enqueued"] == 0 and len(receiver.received) == 1
    stored = system.app.find(WebhookSubscription, UUID(subscription_id))
    assert stored is not None and not stored.active and "410" in (stored.disabled_reason or "")


def test_a_timeout_is_a_failed_attempt(system: System, delivery: WebhookDelivery, receiver: FakeReceiver,
                                       clock: ManualClock) -> None:
    subscribe(system)
    place(system)
    receiver.answers.append(Response(None, error="TimeoutError: timed out"))
    assert delivery.one_pass()["retrying"] == 1
    clock.advance(timedelta(seconds=5))
    assert delivery.one_pass()["delivered"] == 1


def test_in_order_per_subscription_behind_a_failing_head(system: System, delivery: WebhookDelivery,
                                                         receiver: FakeReceiver, clock: ManualClock) -> None:
    subscribe(system)
    for _ in range(3):
        place(system)
    receiver.answers.append(Response(500))
    assert delivery.one_pass() | {"position": 0} == {"position": 0, "enqueued": 3, "delivered": 0, "failed": 0,
                                                      "retrying": 1, "disabled": 0}
    clock.advance(timedelta(seconds=5))
    assert delivery.one_pass()["delivered"] == 3
    positions = receiver.positions()
    assert positions[0] == positions[1] and positions[1:] == sorted(positions[1:])


def test_a_receiver_down_for_an_hour_gets_everything_afterwards_in_order(
        system: System, delivery: WebhookDelivery, receiver: FakeReceiver, clock: ManualClock) -> None:
    _, first = subscribe(system)
    _, second = subscribe(system, url="http://127.0.0.1:9/other")
    receiver.down = True
    placed = []
    for _ in range(12):  # an order every five minutes while the receiver is down
        placed.append(place(system))
        delivery.one_pass()
        clock.advance(timedelta(minutes=5))
    receiver.down = False
    receiver.received.clear()
    for _ in range(48):  # the next four hours, a pass every five minutes
        clock.advance(timedelta(minutes=5))
        delivery.one_pass()
    for subscription_url in ("http://127.0.0.1:9/hook", "http://127.0.0.1:9/other"):
        got = [r for r in receiver.received if r.url == subscription_url]
        assert [r.payload["data"]["order_id"] for r in got] == placed
    assert delivery.lag()["pending"] == 0 and first != second
    assert max(Counter(r.headers["webhook-id"] for r in receiver.received).values()) == 1


def test_a_manual_retry_sends_the_same_message_again(system: System, delivery: WebhookDelivery,
                                                     receiver: FakeReceiver) -> None:
    _, subscription_id = subscribe(system)
    place(system)
    delivery.one_pass()
    [row] = delivery.outbox.deliveries(subscription_id)
    retried = delivery.outbox.retry(subscription_id, row["id"])
    assert retried is not None and retried["status"] == "pending"
    assert delivery.one_pass()["delivered"] == 1
    assert [r.headers["webhook-id"] for r in receiver.received] == [row["id"], row["id"]]
    assert delivery.outbox.retry("another-subscription", row["id"]) is None


def test_lag_reports_what_is_behind(system: System, delivery: WebhookDelivery, receiver: FakeReceiver,
                                    clock: ManualClock) -> None:
    subscribe(system)
    place(system)
    receiver.down = True
    delivery.one_pass()
    clock.advance(timedelta(seconds=30))
    lag = delivery.lag()
    assert lag["behind"] == 0 and lag["pending"] == 1 and lag["oldest_pending_age_seconds"] == 30.0
    place(system)
    assert delivery.lag()["behind"] == 1


def test_a_disabled_subscription_leaves_nothing_pending_in_the_lag(system: System, delivery: WebhookDelivery,
                                                                   receiver: FakeReceiver) -> None:
    subscribe(system)
    place(system)
    place(system)
    receiver.answers.append(Response(410))
    delivery.one_pass()
    assert delivery.lag()["pending"] == 0 and delivery.lag()["oldest_pending_age_seconds"] is None
