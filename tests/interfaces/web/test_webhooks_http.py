"""/api/v1/webhooks: subscribe (the secret once), list, get, delete, rotate, deliveries, retry; refused URLs
answer 422; another principal's subscription answers 404."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask

from application.persistence.clock import ManualClock
from application.settings import Settings
from interfaces.integrations.webhooks.delivery import WebhookDelivery
from interfaces.integrations.webhooks.sender import Response
from interfaces.web.app import close_app, create_app
from tests.interfaces.integrations.fakes import FakeReceiver
from tests.interfaces.web.world import World

HOOK = {"url": "http://127.0.0.1:9/hook", "event_types": ["order.placed", "order.cancelled"]}


@pytest.fixture
def web(store_url: str, tmp_path: Path, clock: ManualClock) -> Iterator[Flask]:
    settings = Settings(database_url=store_url, var_dir=tmp_path / "var", webhooks_allow_private=True)
    app = create_app({"SETTINGS": settings, "CLOCK": clock, "TESTING": True})
    yield app
    close_app(app)


def deliver(web: Flask, receiver: FakeReceiver) -> dict:  # type: ignore[type-arg]
    system = type("S", (), {"app": web.extensions["civicflow"], "read_model": web.extensions["civicflow.read_model"]})
    return WebhookDelivery.open(system, sender=receiver).one_pass()  # type: ignore[arg-type]


def test_subscribe_shows_the_secret_once(world: World) -> None:
    response = world.call("channel", "POST", "/api/v1/webhooks", HOOK)
    assert response.status_code == 201 and response.headers["Location"].endswith(response.get_json()["id"])
    created = response.get_json()
    assert created["secret"].startswith("whsec_") and created["active"] is True
    one = world.ok("channel", "GET", f"/api/v1/webhooks/{created['id']}")
    listed = world.ok("channel", "GET", "/api/v1/webhooks")["items"]
    assert "secret" not in one and [s["id"] for s in listed] == [created["id"]]
    assert all(created["secret"] not in str(item) for item in listed)


def test_another_principal_sees_no_subscription_of_ours(world: World) -> None:
    created = world.ok("channel", "POST", "/api/v1/webhooks", HOOK)
    for who in ("other-channel", "dispatcher"):
        assert world.call(who, "GET", f"/api/v1/webhooks/{created['id']}").status_code == 404
        assert world.call(who, "DELETE", f"/api/v1/webhooks/{created['id']}").status_code == 404
        assert world.ok(who, "GET", "/api/v1/webhooks")["items"] == []
    assert world.call("volunteer", "GET", "/api/v1/webhooks").status_code == 403
    assert [s["id"] for s in world.ok("admin", "GET", "/api/v1/webhooks")["items"]] == [created["id"]]


LOCAL = "http://127.0.0.1:9/"


@pytest.mark.parametrize("body, field", [({"url": "file:///etc/passwd", "event_types": ["order.placed"]}, "url"),
                                         ({"url": "ftp://example.com/", "event_types": ["order.placed"]}, "url"),
                                         ({"url": LOCAL, "event_types": ["order.nope"]}, "event_types"),
                                         ({"url": LOCAL, "event_types": []}, "event_types"),
                                         ({"url": LOCAL, "event_types": ["order.placed"], "x": 1}, "x")])
def test_bad_subscriptions_are_422_and_change_nothing(world: World, body: dict, field: str  # type: ignore[type-arg]
                                                       ) -> None:
    response = world.call("admin", "POST", "/api/v1/webhooks", body)
    assert response.status_code == 422 and response.content_type == "application/problem+json"
    assert field in response.get_json()["errors"]
    assert world.ok("admin", "GET", "/api/v1/webhooks")["items"] == []


def test_private_addresses_are_refused_unless_allowed(tmp_path: Path, clock: ManualClock) -> None:
    app = create_app({"SETTINGS": Settings(database_url=f"sqlite:///{tmp_path / 'c.db'}", var_dir=tmp_path),
                      "CLOCK": clock, "TESTING": True})
    try:
        world = World.build(app, app.test_client(), clock)
        for url in ("http://127.0.0.1/x", "http://[::1]/x", "http://10.0.0.1/x", "http://192.168.0.1/x",
                    "http://169.254.169.254/x", "http://localhost/x"):
            response = world.call("admin", "POST", "/api/v1/webhooks", {"url": url, "event_types": ["order.placed"]})
            assert response.status_code == 422 and "url" in response.get_json()["errors"], url
    finally:
        close_app(app)


def test_rotate_delete_deliveries_and_retry(world: World, web: Flask) -> None:
    created = world.ok("channel", "POST", "/api/v1/webhooks", HOOK)
    rotated = world.ok("channel", "POST", f"/api/v1/webhooks/{created['id']}/secret")
    assert rotated["secret"] != created["secret"] and rotated["previous_secret_until"] is not None
    world.place()
    receiver = FakeReceiver()
    assert deliver(web, receiver)["delivered"] == 1
    [got] = receiver.received
    assert got.signed_by(created["secret"]) and got.signed_by(rotated["secret"])
    page = world.ok("channel", "GET", f"/api/v1/webhooks/{created['id']}/deliveries")
    [row] = page["items"]
    assert (row["status"], row["attempts"], row["last_status"], row["next_attempt_at"]) == ("delivered", 1, 204, None)
    retried = world.ok("channel", "POST", f"/api/v1/webhooks/{created['id']}/deliveries/{row['id']}/retry")
    assert retried["status"] == "pending" and retried["next_attempt_at"] is not None
    assert world.call("other-channel", "POST",
                      f"/api/v1/webhooks/{created['id']}/deliveries/{row['id']}/retry").status_code == 404
    assert world.call("channel", "POST", f"/api/v1/webhooks/{created['id']}/deliveries/msg_x/retry").status_code == 404
    assert world.call("channel", "GET", f"/api/v1/webhooks/{created['id']}/deliveries?cursor=abc").status_code == 422
    assert world.call("channel", "DELETE", f"/api/v1/webhooks/{created['id']}").status_code == 204
    assert world.call("channel", "GET", f"/api/v1/webhooks/{created['id']}").status_code == 404
    world.place()
    assert deliver(web, receiver)["enqueued"] == 0


def test_an_idempotent_retry_of_subscribe_answers_the_same_secret_and_subscribes_once(world: World) -> None:
    first = world.call("channel", "POST", "/api/v1/webhooks", HOOK, **{"Idempotency-Key": "sub-1"})
    again = world.call("channel", "POST", "/api/v1/webhooks", HOOK, **{"Idempotency-Key": "sub-1"})
    assert first.status_code == again.status_code == 201 and first.get_json() == again.get_json()
    other = world.call("channel", "POST", "/api/v1/webhooks", {**HOOK, "event_types": ["order.placed"]},
                       **{"Idempotency-Key": "sub-1"})
    assert other.status_code == 422
    assert len(world.ok("channel", "GET", "/api/v1/webhooks")["items"]) == 1


def test_rotation_honours_if_match_and_an_idempotency_key(world: World) -> None:
    created = world.call("channel", "POST", "/api/v1/webhooks", HOOK)
    path = f"/api/v1/webhooks/{created.get_json()['id']}"
    assert created.headers["ETag"] == '"1"' and world.call("channel", "GET", path).headers["ETag"] == '"1"'
    stale = world.call("channel", "POST", f"{path}/secret", **{"If-Match": '"7"'})
    assert stale.status_code == 412
    rotated = world.call("channel", "POST", f"{path}/secret", **{"If-Match": '"1"', "Idempotency-Key": "rot-1"})
    replayed = world.call("channel", "POST", f"{path}/secret", **{"If-Match": '"1"', "Idempotency-Key": "rot-1"})
    assert rotated.status_code == replayed.status_code == 200 and rotated.headers["ETag"] == '"2"'
    assert rotated.get_json()["secret"] == replayed.get_json()["secret"] != created.get_json()["secret"]
    assert world.call("channel", "DELETE", path, **{"If-Match": '"1"'}).status_code == 412
    assert world.call("channel", "DELETE", path, **{"If-Match": '"2"'}).status_code == 204


def test_a_delivery_of_a_disabled_subscription_cannot_be_retried(world: World, web: Flask) -> None:
    created = world.ok("channel", "POST", "/api/v1/webhooks", HOOK)
    world.place()
    receiver = FakeReceiver(default=Response(410))
    assert deliver(web, receiver)["disabled"] == 1
    shown = world.ok("channel", "GET", f"/api/v1/webhooks/{created['id']}")
    assert shown["active"] is False and "410" in shown["disabled_reason"]
    [row] = world.ok("channel", "GET", f"/api/v1/webhooks/{created['id']}/deliveries")["items"]
    response = world.call("channel", "POST", f"/api/v1/webhooks/{created['id']}/deliveries/{row['id']}/retry")
    assert response.status_code == 409 and response.get_json()["type"].endswith("/invalid-transition")
