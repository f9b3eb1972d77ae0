"""/api/v1/residents over HTTP: erasure (admin) and a copy of what is held (admin, or the placing channel); the
phone only ever in a body, and every later read of the erased orders says "erased"."""

from __future__ import annotations

from tests.interfaces.web.world import RESIDENT, World

ERASE = "/api/v1/residents/erasures"
COPY = "/api/v1/residents/data-requests"


def test_an_admin_erases_a_resident_and_their_orders_read_erased(world: World) -> None:
    order = world.order_in("reviewed")
    erased = world.call("admin", "POST", ERASE, {"phone": RESIDENT["phone"], "reason": "PIPL request 7"},
                        **{"Idempotency-Key": "erase-1"})
    assert erased.status_code == 201 and erased.get_json()["orders"] >= 1
    assert RESIDENT["phone"] not in erased.get_data(as_text=True)
    shown = world.ok("channel", "GET", f"/api/v1/orders/{order['id']}")
    assert shown["resident"] == {"name": "erased", "phone": "erased", "address": "erased"}
    assert shown["description"] == "erased"
    copy = world.ok("admin", "POST", COPY, {"phone": RESIDENT["phone"]})
    assert copy["erased_at"] is not None and copy["resident"]["phone"] == "erased"
    again = world.call("admin", "POST", ERASE, {"phone": RESIDENT["phone"], "reason": "PIPL request 7"},
                       **{"Idempotency-Key": "erase-1"})
    assert again.status_code == 201 and again.get_json() == erased.get_json()
    assert world.ok("inspector", "GET", "/api/v1/audit/verify")["ok"] is True


def test_a_copy_of_what_is_held_in_clear_for_the_admin_and_the_placing_channel_only(world: World) -> None:
    order = world.order_in("placed")
    copy = world.ok("channel", "POST", COPY, {"phone": RESIDENT["phone"]})
    assert copy["resident"] == RESIDENT and [o["id"] for o in copy["orders"]] == [order["id"]]
    assert world.ok("admin", "POST", COPY, {"phone": RESIDENT["phone"]})["resident"] == RESIDENT
    assert world.call("other-channel", "POST", COPY, {"phone": RESIDENT["phone"]}).status_code == 404
    for who in ("inspector", "dispatcher", "volunteer"):
        assert world.call(who, "POST", COPY, {"phone": RESIDENT["phone"]}).status_code == 403
    assert world.call("admin", "POST", COPY, {"phone": "13100000000"}).status_code == 404


def test_only_an_admin_erases_and_an_unknown_resident_is_404(world: World) -> None:
    world.order_in("placed")
    for who in ("channel", "dispatcher", "inspector", "volunteer"):
        assert world.call(who, "POST", ERASE, {"phone": RESIDENT["phone"], "reason": "x"}).status_code == 403
    missing = world.call("admin", "POST", ERASE, {"phone": "13100000000", "reason": "x"})
    assert missing.status_code == 404 and "13100000000" not in missing.get_data(as_text=True)
    assert world.call("admin", "POST", ERASE, {"phone": RESIDENT["phone"]}).status_code == 422
