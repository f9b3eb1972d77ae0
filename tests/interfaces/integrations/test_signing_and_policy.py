"""The receiver's side (the `standardwebhooks` package verifies), secret rotation, refused URLs, and who is told
about which orders."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path
from uuid import UUID

import pytest
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

from application.persistence.clock import ManualClock
from application.settings import Settings
from interfaces.bootstrap import System, bootstrap
from interfaces.integrations.webhooks.delivery import WebhookDelivery
from interfaces.integrations.webhooks.urls import UrlRefused, check_url
from interfaces.integrations.webhooks.wiring import open_outbox
from tests.interfaces.integrations.conftest import OTHER_POST, STATION, place, principal, subscribe
from tests.interfaces.integrations.fakes import FakeReceiver


def test_a_receiver_verifies_with_standardwebhooks_and_a_rotated_secret_still_works(tmp_path: Path) -> None:
    clock = ManualClock(datetime.now(timezone.utc))  # Webhook.verify compares with the wall clock
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'c.db'}", var_dir=tmp_path, webhooks_allow_private=True)
    receiver = FakeReceiver()
    with bootstrap(settings, clock=clock) as system:
        delivery = WebhookDelivery.open(system, sender=receiver)
        admin = principal()
        old, subscription_id = subscribe(system, admin)
        place(system)
        delivery.one_pass()
        result = system.app.rotate_webhook_secret(admin, UUID(subscription_id), actor=admin.actor)
        new = system.app.webhook_secret(result.aggregate)
        place(system)
        delivery.one_pass()
        first, second = receiver.received
        assert Webhook(old).verify(first.body, first.headers)["type"] == "order.placed"
        assert Webhook(new).verify(second.body, second.headers) and Webhook(old).verify(second.body, second.headers)
        with pytest.raises(WebhookVerificationError):
            Webhook(new).verify(first.body, first.headers)
        with pytest.raises(WebhookVerificationError):
            Webhook(new).verify(second.body.replace(b"placed", b"closed"), second.headers)
        clock.advance(timedelta(hours=25))  # the grace period is over: the old secret signs no more
        place(system)
        delivery.one_pass()
        assert receiver.received[-1].signed_by(new) and not receiver.received[-1].signed_by(old)


def test_the_secret_is_not_in_the_event_store_in_clear(system, delivery) -> None:  # type: ignore[no-untyped-def]
    secret, _ = subscribe(system)
    raw = b"".join(n.state for n in system.app.recorder.select_notifications(1, 10_000))
    assert secret.encode() not in raw and secret.removeprefix("whsec_").encode() not in raw


@pytest.mark.parametrize("url", ["http://127.0.0.1/x", "http://[::1]/x", "http://10.1.2.3/x", "http://192.168.1.1/x",
                                 "http://169.254.169.254/latest", "http://localhost:8080/x", "http://0.0.0.0/x",
                                 "http://[::ffff:127.0.0.1]/x", "http://224.0.0.1/x", "file:///etc/passwd",
                                 "ftp://example.com/x", "http://user:pw@example.com/x", "http:///nohost"])
def test_refused_urls(url: str) -> None:
    with pytest.raises(UrlRefused):
        check_url(url, allow_private=False)


def test_a_name_is_refused_if_any_of_its_addresses_is_private() -> None:
    def resolve(host: str, port: int) -> list[str]:
        return ["93.184.215.14", "10.0.0.8"]
    with pytest.raises(UrlRefused):
        check_url("https://hooks.example.com/in", allow_private=False, resolve=resolve)
    assert check_url("https://hooks.example.com/in", allow_private=False, resolve=lambda h, p: ["93.184.215.14"])


def test_private_targets_when_allowed_but_never_another_scheme() -> None:
    assert check_url("http://127.0.0.1:8000/x", allow_private=True)
    with pytest.raises(UrlRefused):
        check_url("file:///etc/passwd", allow_private=True)


def test_a_name_that_later_resolves_privately_is_not_called(system: System, receiver: FakeReceiver) -> None:
    answers = {"now": ["93.184.215.14"]}
    outbox = open_outbox(system, receiver, resolve=lambda host, port: answers["now"], allow_private=False)
    subscribe(system, url="https://hooks.example.com/in")
    place(system)
    answers["now"] = ["127.0.0.1"]
    outbox.enqueue()
    assert outbox.deliver_due()["retrying"] == 1 and receiver.received == []
    assert "refused" in outbox.deliveries()[0]["last_error"]


def test_a_channel_hears_of_its_own_orders_and_a_dispatcher_of_its_jurisdiction(
        system, delivery: WebhookDelivery, receiver: FakeReceiver) -> None:  # type: ignore[no-untyped-def]
    subscribe(system, principal("channel", channel="district-app"), url="http://127.0.0.1:9/channel")
    subscribe(system, principal("dispatcher", site_id=STATION), url="http://127.0.0.1:9/dispatcher")
    subscribe(system, principal(), url="http://127.0.0.1:9/admin", types=("order.cancelled",))
    ours, theirs, elsewhere = place(system), place(system, channel="hotline-12345"), place(system, site=OTHER_POST)
    delivery.one_pass()
    told = {url: [r.payload["data"]["order_id"] for r in receiver.received if r.url.endswith(url)]
            for url in ("channel", "dispatcher", "admin")}
    assert told == {"channel": [ours, elsewhere], "dispatcher": [ours, theirs], "admin": []}


def test_the_sender_is_given_the_addresses_checked_not_the_name(system: System, receiver: FakeReceiver) -> None:
    outbox = open_outbox(system, receiver, resolve=lambda host, port: ["93.184.215.14"], allow_private=False)
    subscribe(system, url="https://hooks.example.com/in")
    place(system)
    outbox.enqueue()
    assert outbox.deliver_due()["delivered"] == 1
    assert [(r.url, r.addresses) for r in receiver.received] == [("https://hooks.example.com/in", ("93.184.215.14",))]
