"""The order workflow over HTTP: ETags and If-Match, idempotency keys, Location, read-your-writes, masking,
past states, pagination and auto-dispatch."""

from __future__ import annotations

import base64
import json
import threading
from datetime import timedelta
from uuid import UUID

import pytest

from tests.interfaces.web.world import OTHER_POST, POST, RESIDENT, STATION, World


def events(world: World) -> int:
    return world.app.recorder.max_notification_id() or 0


def test_the_whole_workflow_by_the_right_roles_credits_the_volunteer(world: World) -> None:
    order = world.order_in("reviewed")
    assert (order["status"], order["rating"], order["service_minutes"], order["version"]) == ("reviewed", 5, 30, 6)
    volunteer = world.ok("volunteer", "GET", f"/api/v1/volunteers/{world.volunteer_id}")
    assert (volunteer["service_minutes"], volunteer["completed_orders"], volunteer["average_rating"]) == (30, 1, 5.0)
    history = world.ok("channel", "GET", f"/api/v1/orders/{order['id']}/history")["items"]
    assert [item["type"] for item in history] == ["Placed", "Dispatched", "Accepted", "ServiceStarted",
                                                  "ServiceCompleted", "Reviewed"]


def test_a_new_order_answers_201_with_location_and_etag(world: World) -> None:
    body = {"category": "health", "site_id": POST, "description": "visit", "resident": RESIDENT}
    response = world.call("channel", "POST", "/api/v1/orders", body)
    assert (response.status_code, response.headers["ETag"]) == (201, '"1"')
    fetched = world.client.get(response.headers["Location"], headers=world.headers("channel"))
    assert fetched.get_json() == response.get_json() and fetched.headers["ETag"] == '"1"'


def test_if_match_applies_the_command_only_at_that_version(world: World) -> None:
    order = world.order_in("placed")
    path = f"/api/v1/orders/{order['id']}/dispatch"
    body = {"volunteer_id": world.volunteer_id}
    assert world.call("dispatcher", "POST", path, body, **{"If-Match": '"2"'}).status_code == 412
    dispatched = world.call("dispatcher", "POST", path, body, **{"If-Match": '"1"'})
    assert (dispatched.status_code, dispatched.headers["ETag"]) == (200, '"2"')


def test_a_retry_with_the_same_key_and_body_returns_the_first_response_and_writes_nothing(world: World) -> None:
    body = {"category": "health", "site_id": POST, "description": "visit", "resident": RESIDENT}
    first = world.call("channel", "POST", "/api/v1/orders", body, **{"Idempotency-Key": "order-1"})
    written = events(world)
    again = world.call("channel", "POST", "/api/v1/orders", body, **{"Idempotency-Key": "order-1"})
    assert (again.status_code, again.get_json(), again.headers["Location"]) == \
        (201, first.get_json(), first.headers["Location"])
    assert events(world) == written


def test_a_replay_answers_the_object_as_the_first_command_left_it(world: World) -> None:
    order = world.order_in("placed")
    path, body = f"/api/v1/orders/{order['id']}/dispatch", {"volunteer_id": world.volunteer_id}
    first = world.ok("dispatcher", "POST", path, body, **{"Idempotency-Key": "d-1"})
    world.ok("volunteer", "POST", f"/api/v1/orders/{order['id']}/accept", {})
    replayed = world.call("dispatcher", "POST", path, body, **{"Idempotency-Key": "d-1"})
    assert (replayed.status_code, replayed.get_json(), replayed.headers["ETag"]) == (200, first, '"2"')


def test_the_same_key_with_another_body_is_422_and_other_principals_have_their_own_keys(world: World) -> None:
    body = {"category": "health", "site_id": POST, "description": "visit", "resident": RESIDENT}
    world.ok("channel", "POST", "/api/v1/orders", body, **{"Idempotency-Key": "k"})
    reused = world.call("channel", "POST", "/api/v1/orders", {**body, "description": "other"},
                        **{"Idempotency-Key": "k"})
    assert (reused.status_code, list(reused.get_json()["errors"])) == (422, ["Idempotency-Key"])
    assert world.call("other-channel", "POST", "/api/v1/orders", body, **{"Idempotency-Key": "k"}).status_code == 201


def test_a_query_sent_after_a_command_reflects_it(world: World) -> None:
    order = world.order_in("placed")
    for verb, who, body, status in [("dispatch", "dispatcher", {"volunteer_id": world.volunteer_id}, "dispatched"),
                                    ("accept", "volunteer", {}, "accepted")]:
        world.ok(who, "POST", f"/api/v1/orders/{order['id']}/{verb}", body)
        listed = world.ok("dispatcher", "GET", f"/api/v1/orders?status={status}")["items"]
        assert [row["id"] for row in listed] == [order["id"]]


def test_inspectors_and_outsiders_see_the_resident_masked_the_placing_channel_sees_it_whole(world: World) -> None:
    order = world.order_in("dispatched")
    path = f"/api/v1/orders/{order['id']}"
    assert world.ok("channel", "GET", path)["resident"] == RESIDENT
    assert world.ok("volunteer", "GET", path)["resident"] == RESIDENT
    masked = world.ok("inspector", "GET", path)["resident"]
    assert RESIDENT["phone"] not in str(masked) and RESIDENT["address"] not in str(masked)
    listed = world.ok("inspector", "GET", "/api/v1/orders")["items"][0]["resident"]
    placed = world.ok("inspector", "GET", f"{path}/history")["items"][0]["data"]["resident"]
    assert RESIDENT["phone"] not in str(listed) + str(placed)


def test_an_order_can_be_read_as_it_was_at_a_version_or_an_instant(world: World) -> None:
    placed_at = world.clock.now()
    world.clock.advance(timedelta(minutes=5))
    order = world.order_in("accepted")
    path = f"/api/v1/orders/{order['id']}"
    assert world.ok("channel", "GET", f"{path}?version=1")["status"] == "placed"
    assert world.call("channel", "GET", f"{path}?version=9").status_code == 404
    now = world.clock.now().isoformat().replace("+00:00", "Z")
    assert world.ok("channel", "GET", f"{path}?as_of={now}")["status"] == "accepted"
    before = placed_at.isoformat().replace("+00:00", "Z")
    assert world.call("channel", "GET", f"{path}?as_of={before}").status_code == 404


def test_lists_page_with_an_opaque_cursor(world: World) -> None:
    ids = {world.order_in("placed")["id"] for _ in range(3)}
    first = world.ok("channel", "GET", "/api/v1/orders?limit=2")
    second = world.ok("channel", "GET", f"/api/v1/orders?limit=2&cursor={first['next_cursor']}")
    assert {row["id"] for row in first["items"] + second["items"]} == ids and second["next_cursor"] is None
    assert world.call("channel", "GET", "/api/v1/orders?cursor=bm9wZQ").status_code == 422
    assert world.call("channel", "GET", "/api/v1/orders?limit=201").status_code == 422


def test_a_dispatchers_list_is_its_jurisdiction_escalated_orders_included_paged_newest_first(world: World) -> None:
    """The station's dispatcher sees its posts' orders (one escalated to the center too), not the other station's."""
    ours = [world.place()["id"] for _ in range(3)] + [world.place(site_id=STATION)["id"]]
    world.app.escalate_order(UUID(ours[0]), "not dispatched", actor="system:supervisor")
    world.app.escalate_order(UUID(ours[0]), "still not dispatched", actor="system:supervisor")
    theirs = world.place(site_id=OTHER_POST)["id"]
    pages, cursor = [], ""
    while cursor is not None:
        page = world.ok("dispatcher", "GET", f"/api/v1/orders?limit=3{cursor and f'&cursor={cursor}'}")
        pages.append([row["id"] for row in page["items"]])
        cursor = page["next_cursor"]
    assert [len(page) for page in pages] == [3, 1] and sorted(sum(pages, [])) == sorted(ours)
    assert [row["id"] for row in world.ok("other-dispatcher", "GET", "/api/v1/orders")["items"]] == [theirs]
    assert [row["id"] for row in world.ok("dispatcher", "GET", f"/api/v1/orders?site_id={STATION}")["items"]] \
        == [ours[3]]  # a named site is that site alone (and what is escalated to it now)


def test_auto_dispatch_picks_the_eligible_volunteer(world: World) -> None:
    order = world.order_in("placed")
    dispatched = world.ok("dispatcher", "POST", f"/api/v1/orders/{order['id']}/dispatch", {"auto": True})
    assert dispatched["assignee"] == {"volunteer_id": world.volunteer_id}


def test_a_team_order_is_grabbed_by_a_member(world: World) -> None:
    order = world.order_in("placed")
    world.ok("dispatcher", "POST", f"/api/v1/orders/{order['id']}/dispatch", {"team_id": world.team_id})
    accepted = world.ok("volunteer", "POST", f"/api/v1/orders/{order['id']}/accept", {})
    assert (accepted["status"], accepted["accepted_by"]) == ("accepted", world.volunteer_id)


@pytest.mark.parametrize("values", [[5, "x"], ["2024-01-01T00:00:00", "x"], ["soon", "x"],
                                    ["2024-01-01T00:00:00+00:00", {"a": 1}]])
def test_a_forged_cursor_is_422_not_a_server_error(world: World, values: list) -> None:
    world.order_in("placed")
    def forge(values: list) -> str:
        return base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")

    assert world.call("inspector", "GET", f"/api/v1/orders?cursor={forge(values)}").status_code == 422
    assert world.call("inspector", "GET", f"/api/v1/volunteers?cursor={forge([{'a': 1}])}").status_code == 422


def test_concurrent_duplicates_of_one_keyed_command_place_one_order(world: World) -> None:
    """Sent at once, each duplicate either replays the first answer or is told 409; one order is written."""
    body = {"category": "health", "site_id": POST, "description": "visit", "resident": RESIDENT}
    start, answers = threading.Barrier(4), []

    def send() -> None:
        client = world.client.application.test_client()
        start.wait()
        answers.append(client.post("/api/v1/orders", json=body, headers=world.headers("channel", **{
            "Idempotency-Key": "same-key"})))

    threads = [threading.Thread(target=send) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    created = [a.get_json() for a in answers if a.status_code == 201]
    assert created and all(c == created[0] for c in created)
    assert all(a.status_code in (201, 409) for a in answers)
    assert [row["id"] for row in world.ok("channel", "GET", "/api/v1/orders")["items"]] == [created[0]["id"]]


@pytest.mark.parametrize("key", [None, "outsider-1"])
def test_a_command_on_someone_elses_order_is_404_and_writes_nothing_with_or_without_a_key(world: World,
                                                                                        key: str | None) -> None:
    order = world.order_in("placed")
    written = events(world)
    headers = {"Idempotency-Key": key} if key else {}
    refused = world.call("other-channel", "POST", f"/api/v1/orders/{order['id']}/cancel", {"reason": "x"},
                         **headers)
    assert refused.status_code == 404 and events(world) == written
    assert world.ok("channel", "GET", f"/api/v1/orders/{order['id']}")["status"] == "placed"
