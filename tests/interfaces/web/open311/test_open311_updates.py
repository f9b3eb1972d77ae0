"""Open311 service requests: `updated_datetime` is the time of the order's latest change (reviews, closings and
cancellings too), the extensions' notes are one query for the whole page, and no GET carries personal data."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any
from uuid import UUID
from xml.etree import ElementTree

import pytest
from sqlalchemy import event

from tests.interfaces.web.world import RESIDENT, World

V2 = "/open311/v2"
SPEC_FIELDS = {"service_request_id", "status", "status_notes", "service_name", "service_code", "description",
               "agency_responsible", "service_notice", "requested_datetime", "updated_datetime",
               "expected_datetime", "address", "address_id", "zipcode", "lat", "long", "media_url"}


def one(world: World, order_id: str) -> dict[str, Any]:
    [request] = world.client.get(f"{V2}/requests/{order_id}.json").get_json()
    return request


def w3c_now(world: World) -> str:
    return world.clock.now().replace(microsecond=0).isoformat()


def reviewed(world: World) -> str:
    order = world.order_in("completed")
    world.clock.advance(timedelta(hours=3))
    world.ok("channel", "POST", f"/api/v1/orders/{order['id']}/review", {"rating": 4, "comment": "好"})
    return order["id"]


def closed(world: World) -> str:
    order = world.order_in("completed")
    world.clock.advance(timedelta(days=30))  # past the review window
    world.app.close_review_window(UUID(order["id"]), actor="system:supervisor")
    return order["id"]


def cancelled(world: World) -> str:
    order = world.place()
    world.clock.advance(timedelta(minutes=25))
    world.ok("channel", "POST", f"/api/v1/orders/{order['id']}/cancel", {"reason": "moved"})
    return order["id"]


@pytest.mark.parametrize("walk", [reviewed, closed, cancelled])
def test_updated_datetime_is_the_time_of_the_latest_change(world: World, walk: Any) -> None:
    order_id = walk(world)
    changed_at = w3c_now(world)
    world.clock.advance(timedelta(hours=1))  # a later read does not move it
    request = one(world, order_id)
    assert request["status"] == "closed" and request["updated_datetime"] == changed_at
    assert request["requested_datetime"] < changed_at


def test_updated_datetime_follows_an_escalation(world: World) -> None:
    order = world.place()
    world.clock.advance(timedelta(hours=2))
    world.app.escalate_order(UUID(order["id"]), "not dispatched", actor="system:supervisor")
    assert one(world, order["id"])["updated_datetime"] == w3c_now(world)


@contextmanager
def statements(world: World) -> Iterator[list[str]]:
    """The SQL statements the read model's engine runs meanwhile."""
    engine, seen = world.client.application.extensions["civicflow.read_model"].engine, []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", count)


def statements_for(world: World, path: str) -> int:
    world.client.get(path)  # catches the views up first: what is counted is the read alone
    with statements(world) as seen:
        body = world.client.get(path).get_json()
    assert all(request["notes"] for request in body)
    return len(seen)


def test_extensions_read_the_pages_notes_in_one_query_not_one_per_order(world: World) -> None:
    path = f"{V2}/requests.json?extensions=true"
    world.place()
    for_one = statements_for(world, path)
    for _ in range(5):
        world.order_in("dispatched")
    assert len(world.client.get(path).get_json()) == 6
    assert statements_for(world, path) == for_one


def test_no_get_carries_personal_data(world: World) -> None:
    """Every status, free text with phone numbers in it, in both formats and with the extensions."""
    world.order_in("reviewed", note="已上门 13911112222", comment="谢谢 13833334444", description="请打 13700001111")
    world.order_in("in_service")
    order = world.place()
    world.ok("channel", "POST", f"/api/v1/orders/{order['id']}/cancel", {"reason": "打 13655556666 改约"})
    requests = world.client.get(f"{V2}/requests.json?extensions=true").get_json()
    assert len(requests) == 3
    assert all(set(request) == SPEC_FIELDS | {"extended_attributes", "notes"} for request in requests)
    for fmt in ("json", "xml"):
        for query in ("", "?extensions=true"):
            body = world.client.get(f"{V2}/requests.{fmt}{query}").data.decode()
            for secret in (RESIDENT["name"], RESIDENT["phone"], "13911112222", "13833334444", "13700001111",
                           "13655556666", "谢谢", "改约", "district-app", world.volunteer_id):
                assert secret not in body, (fmt, query, secret)
            assert "137****1111" in body
    xml = ElementTree.fromstring(world.client.get(f"{V2}/requests.xml?extensions=true").data)
    assert {child.tag for child in xml.find("request")} == SPEC_FIELDS | {"extended_attributes", "notes"}


class CountingKeys:
    """The key store, counting its reads."""

    def __init__(self, keys: Any):
        self.inner, self.reads = keys, 0

    def key(self, key_id: str) -> Any:
        self.reads += 1
        return self.inner.key(key_id)

    def keys_of(self, key_ids: Any) -> Any:
        self.reads += 1
        return self.inner.keys_of(key_ids)


def test_a_pages_sealed_descriptions_are_opened_with_one_read_of_the_keys(world: World,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    for number in range(4):
        world.place(resident={**RESIDENT, "phone": f"1391111000{number}"}, description=f"请打 1370000111{number}")
    world.client.get(f"{V2}/requests.json")  # caught up
    counting = CountingKeys(world.app.residents.keys)
    monkeypatch.setattr(world.app.residents, "keys", counting)
    descriptions = [r["description"] for r in world.client.get(f"{V2}/requests.json").get_json()]
    assert sorted(descriptions) == [f"请打 137****111{number}" for number in range(4)]
    assert counting.reads == 1
