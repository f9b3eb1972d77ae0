"""Door codes over HTTP (DESIGN §17): the placing channel alone reads them; start and complete take them (an
optional `door_code`); wrong, locked and expired codes are clear problems; confirmed and declared minutes are
counted apart; a dispatcher confirms a declared service by hand, with a reason."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any
from uuid import UUID

from flask import Flask
from sqlalchemy import select

from tests.interfaces.web.world import World


def path(order: dict[str, Any], verb: str = "") -> str:
    return f"/api/v1/orders/{order['id']}" + (f"/{verb}" if verb else "")


def codes_of(world: World, order: dict[str, Any]) -> dict[str, str]:
    held = world.ok("channel", "GET", path(order))["door_codes"]
    return {kind: held[kind]["code"] for kind in ("start", "complete")}


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


def serve(world: World, order: dict[str, Any], start: str | None, complete: str | None, minutes: int = 30
          ) -> dict[str, Any]:
    world.ok("volunteer", "POST", path(order, "start"), {} if start is None else {"door_code": start})
    world.clock.advance(timedelta(minutes=minutes + 5))
    body = {"service_minutes": minutes, **({} if complete is None else {"door_code": complete})}
    return world.ok("volunteer", "POST", path(order, "complete"), body)


def test_the_placing_channel_alone_reads_the_codes_others_see_at_most_their_state(world: World) -> None:
    order = world.order_in("accepted")
    shown = world.ok("channel", "GET", path(order))["door_codes"]
    assert shown["start"]["state"] == shown["complete"]["state"] == "active"
    assert all(len(shown[kind]["code"]) == 6 and shown[kind]["code"].isdigit() for kind in ("start", "complete"))
    assert shown["expires_at"] == order["deadlines"]["complete_by"]
    listed = world.ok("channel", "GET", "/api/v1/orders")["items"]
    assert [o["door_codes"] for o in listed if o["id"] == order["id"]] == [shown]
    for who in ("dispatcher", "volunteer", "inspector"):
        seen = world.ok(who, "GET", path(order))["door_codes"]
        assert (seen["start"]["state"], seen["start"]["code"], seen["complete"]["code"]) == ("active", None, None)
    assert world.call("other-channel", "GET", path(order)).status_code == 404
    assert world.ok("channel", "GET", path(world.order_in("dispatched")))["door_codes"] is None


def test_the_plain_code_is_in_no_event_and_no_view(world: World, web: Flask) -> None:
    order = world.order_in("accepted")
    codes = codes_of(world, order)
    world.ok("volunteer", "POST", path(order, "start"), {"door_code": codes["start"]})
    stored = [e.state.decode() for e in world.app.recorder.select_events(UUID(order["id"]))]
    model = web.extensions["civicflow.read_model"]
    model.catch_up()
    board = model.tables.order_board
    with model.engine.connect() as conn:
        row = conn.execute(select(board).where(board.c.id == order["id"])).mappings().one()
    texts = [*stored, json.dumps(dict(row), default=str),
             json.dumps(world.ok("inspector", "GET", f"/api/v1/audit/events?aggregate_id={order['id']}"))]
    for code in codes.values():
        assert not any(f'"{code}"' in text for text in texts)


def test_both_right_codes_confirm_the_service_and_the_totals_count_it_apart(world: World) -> None:
    confirmed, declared = world.order_in("accepted"), world.order_in("accepted")
    codes = codes_of(world, confirmed)
    done = serve(world, confirmed, codes["start"], codes["complete"], minutes=30)
    assert done["service_basis"] == "confirmed"
    assert {done["door_codes"][k]["state"] for k in ("start", "complete")} == {"used"}
    assert serve(world, declared, None, None, minutes=20)["service_basis"] == "declared"
    volunteer = world.ok("dispatcher", "GET", f"/api/v1/volunteers/{world.volunteer_id}")
    assert (volunteer["confirmed_minutes"], volunteer["declared_minutes"], volunteer["service_minutes"]) == \
        (30, 20, 50)
    listed = world.ok("dispatcher", "GET", "/api/v1/volunteers")["items"]
    assert [(v["confirmed_minutes"], v["declared_minutes"]) for v in listed if v["id"] == world.volunteer_id] == \
        [(30, 20)]
    history = world.ok("channel", "GET", path(confirmed, "history"))["items"]
    assert [i["data"]["basis"] for i in history if i["type"] in ("ServiceStarted", "ServiceCompleted")] == \
        ["confirmed", "confirmed"]


def test_a_wrong_code_is_a_422_and_five_lock_the_code_while_a_declared_start_still_works(world: World) -> None:
    order = world.order_in("accepted")
    right = codes_of(world, order)["start"]
    for left in (4, 3, 2, 1):
        refused = world.call("volunteer", "POST", path(order, "start"), {"door_code": wrong(right)})
        problem = refused.get_json()
        assert (refused.status_code, problem["type"], list(problem["errors"])) == \
            (422, "/problems/wrong-door-code", ["door_code"])
        assert f"{left} tries left" in problem["detail"]
    fifth = world.call("volunteer", "POST", path(order, "start"), {"door_code": wrong(right)})
    assert (fifth.status_code, fifth.get_json()["type"]) == (422, "/problems/door-code-locked")
    locked = world.call("volunteer", "POST", path(order, "start"), {"door_code": right})
    assert (locked.status_code, locked.get_json()["type"]) == (422, "/problems/door-code-locked")
    shown = world.ok("channel", "GET", path(order))
    assert (shown["status"], shown["door_codes"]["start"]["state"], shown["door_codes"]["start"]["code"]) == \
        ("accepted", "locked", None)
    history = world.ok("inspector", "GET", path(order, "history"))["items"]
    assert [i["type"] for i in history].count("DoorCodeRefused") == 5
    assert world.ok("volunteer", "POST", path(order, "start"), {})["status"] == "in_service"


def test_an_expired_code_is_refused_as_expired(world: World) -> None:
    order = world.order_in("accepted")
    right = codes_of(world, order)["start"]
    world.clock.advance(timedelta(days=30))  # past complete_by
    refused = world.call("volunteer", "POST", path(order, "start"), {"door_code": right})
    assert (refused.status_code, refused.get_json()["type"]) == (422, "/problems/door-code-expired")
    assert world.ok("channel", "GET", path(order))["door_codes"]["start"] == \
        {"state": "expired", "code": None, "tries_left": 5}


def test_a_code_is_six_digits_and_a_malformed_one_changes_nothing(world: World) -> None:
    order = world.order_in("accepted")
    for bad in ("12345", "abcdef", 123456, "1234567"):
        refused = world.call("volunteer", "POST", path(order, "start"), {"door_code": bad})
        assert (refused.status_code, list(refused.get_json()["errors"])) == (422, ["door_code"])
    assert world.ok("channel", "GET", path(order))["version"] == order["version"]


def test_a_used_start_code_does_not_complete_and_a_declared_start_cannot_be_confirmed(world: World) -> None:
    order = world.order_in("accepted")
    codes = codes_of(world, order)
    world.ok("volunteer", "POST", path(order, "start"), {"door_code": codes["start"]})
    world.clock.advance(timedelta(minutes=40))
    reused = world.call("volunteer", "POST", path(order, "complete"), {"service_minutes": 30,
                                                                       "door_code": codes["start"]})
    assert (reused.status_code, reused.get_json()["type"]) == (422, "/problems/wrong-door-code")
    other = world.order_in("accepted")
    complete_code = codes_of(world, other)["complete"]
    world.ok("volunteer", "POST", path(other, "start"), {})
    assert world.ok("channel", "GET", path(other))["door_codes"]["complete"] == \
        {"state": "void", "code": None, "tries_left": 5}
    world.clock.advance(timedelta(minutes=40))
    unconfirmed = world.call("volunteer", "POST", path(other, "complete"), {"service_minutes": 30,
                                                                           "door_code": complete_code})
    assert (unconfirmed.status_code, list(unconfirmed.get_json()["errors"])) == (422, ["door_code"])


def test_a_dispatcher_confirms_a_declared_service_by_hand_with_the_reason_recorded(world: World) -> None:
    order = world.order_in("completed")
    assert order["service_basis"] == "declared"
    reason = {"reason": "居民来电确认服务已完成"}
    for who, status in (("channel", 403), ("volunteer", 403), ("inspector", 403), ("other-dispatcher", 404)):
        assert world.call(who, "POST", path(order, "confirm-service"), reason).status_code == status, who
    assert world.call("dispatcher", "POST", path(order, "confirm-service"), {}).status_code == 422
    confirmed = world.ok("dispatcher", "POST", path(order, "confirm-service"), reason)
    assert (confirmed["service_basis"], confirmed["version"]) == ("confirmed", order["version"] + 1)
    [item] = [i for i in world.ok("dispatcher", "GET", path(order, "history"))["items"]
              if i["type"] == "ServiceConfirmed"]
    assert (item["data"]["reason"], item["actor"].startswith("dispatcher:")) == (reason["reason"], True)
    volunteer = world.ok("volunteer", "GET", f"/api/v1/volunteers/{world.volunteer_id}")
    assert (volunteer["confirmed_minutes"], volunteer["declared_minutes"]) == (30, 0)
    again = world.call("dispatcher", "POST", path(order, "confirm-service"), reason)
    assert (again.status_code, again.get_json()["type"]) == (409, "/problems/invalid-transition")


def test_an_open_order_has_no_service_to_confirm(world: World) -> None:
    order = world.order_in("in_service")
    refused = world.call("dispatcher", "POST", path(order, "confirm-service"), {"reason": "early"})
    assert (refused.status_code, refused.get_json()["type"]) == (409, "/problems/invalid-transition")


def test_start_and_complete_without_a_code_answer_as_before(world: World) -> None:
    order = world.order_in("accepted")
    started = world.client.post(path(order, "start"), headers=world.headers("volunteer"))  # no body at all
    assert (started.status_code, started.get_json()["status"]) == (200, "in_service")
    world.clock.advance(timedelta(minutes=40))
    done = world.ok("volunteer", "POST", path(order, "complete"), {"service_minutes": 30})
    assert (done["status"], done["service_basis"], done["service_minutes"]) == ("completed", "declared", 30)
