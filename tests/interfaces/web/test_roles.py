"""Every role × every route (DESIGN §7, §8): allowed roles get through, others get 403, no token gets 401,
and a principal outside the object's reach gets 404, as if the object did not exist."""

from __future__ import annotations

from collections.abc import Callable
from itertools import count
from typing import Any

from tests.interfaces.web.world import RESIDENT, POST, STATION, World

ALL = ("channel", "dispatcher", "volunteer", "inspector", "admin")
READERS = ("channel", "dispatcher", "volunteer", "inspector")
phones = count(13700000000)

Body = Callable[[World], Any] | None
# (method, path with {order} {volunteer} {team} {station} placeholders, body, roles allowed)
ROUTES: list[tuple[str, str, Body, tuple[str, ...]]] = [
    ("GET", "/api/v1/sites", None, ALL),
    ("GET", "/api/v1/sites/{station}/stats", None, ("dispatcher", "inspector", "admin")),
    ("GET", "/api/v1/categories", None, ALL),
    ("POST", "/api/v1/volunteers", lambda w: {"name": "Zhang San", "phone": str(next(phones)), "home_site_id": POST,
                                              "skills": ["health"]}, ("dispatcher", "admin")),
    ("GET", "/api/v1/volunteers", None, ("dispatcher", "inspector")),
    ("GET", "/api/v1/volunteers/{volunteer}", None, ("dispatcher", "volunteer", "inspector")),
    ("POST", "/api/v1/volunteers/{volunteer}/availability", lambda w: {"available": True}, ("volunteer", "dispatcher")),
    ("POST", "/api/v1/volunteers/{volunteer}/skills", lambda w: {"skills": ["health", "elderly-care"]},
     ("dispatcher",)),
    ("POST", "/api/v1/volunteers/{volunteer}/suspend", lambda w: {"reason": "check"}, ("dispatcher",)),
    ("POST", "/api/v1/volunteers/{volunteer}/reinstate", lambda w: {"reason": "check"}, ("dispatcher",)),
    ("POST", "/api/v1/teams", lambda w: {"name": "Elderly care team", "site_id": POST}, ("dispatcher",)),
    ("GET", "/api/v1/teams/{team}", None, ("dispatcher", "volunteer", "inspector")),
    ("POST", "/api/v1/teams/{team}/members", lambda w: {"volunteer_id": w.volunteer_id}, ("dispatcher",)),
    ("POST", "/api/v1/orders", lambda w: {"category": "health", "site_id": POST, "description": "visit",
                                          "resident": {"name": "Wang", "phone": "13900000000", "address": "1 Lane"}},
     ("channel", "dispatcher")),
    ("GET", "/api/v1/orders", None, READERS),
    ("GET", "/api/v1/orders/{order}", None, READERS),
    ("GET", "/api/v1/orders/{order}/history", None, READERS),
    ("POST", "/api/v1/orders/{order}/dispatch", lambda w: {"volunteer_id": w.volunteer_id}, ("dispatcher",)),
    ("POST", "/api/v1/orders/{order}/recall", lambda w: {"reason": "wrong volunteer"}, ("dispatcher",)),
    ("POST", "/api/v1/orders/{order}/accept", lambda w: {}, ("volunteer",)),
    ("POST", "/api/v1/orders/{order}/decline", lambda w: {"reason": "busy"}, ("volunteer",)),
    ("POST", "/api/v1/orders/{order}/start", lambda w: {}, ("volunteer",)),
    ("POST", "/api/v1/orders/{order}/complete", lambda w: {"service_minutes": 5}, ("volunteer",)),
    ("POST", "/api/v1/orders/{order}/review", lambda w: {"rating": 4}, ("channel",)),
    ("POST", "/api/v1/orders/{order}/cancel", lambda w: {"reason": "resident moved"}, ("channel", "dispatcher")),
    ("GET", "/api/v1/audit/events", None, ("inspector", "admin")),
    ("GET", "/api/v1/audit/verify", None, ("inspector", "admin")),
    ("GET", "/api/v1/audit/checkpoints", None, ("inspector", "admin")),
    ("POST", "/api/v1/audit/verifications", lambda w: {}, ("inspector", "admin")),
    ("GET", "/api/v1/audit/verifications/{job}", None, ("inspector", "admin")),
    ("POST", "/api/v1/residents/data-requests", lambda w: {"phone": RESIDENT["phone"]}, ("admin", "channel")),
    ("POST", "/api/v1/residents/erasures", lambda w: {"phone": RESIDENT["phone"], "reason": "r"}, ("admin",)),
    ("GET", "/api/v1/audit/export?format=csv", None, ("inspector", "admin")),
]


def request(world: World, who: str | None, method: str, template: str, body: Body) -> int:
    """One cell: a fresh dispatched order if the route needs one (every insider may see it), then the call."""
    order = world.order_in("dispatched")["id"] if "{order}" in template else None
    job = world.ok("inspector", "POST", "/api/v1/audit/verifications", {}) if "{job}" in template else None
    path = template.format(order=order, volunteer=world.volunteer_id, team=world.team_id, station=STATION,
                           job=job and job["id"])
    return world.call(who, method, path, body(world) if body else None).status_code


def test_every_role_on_every_route_is_let_through_or_refused_as_the_contract_says(world: World) -> None:
    wrong: list[str] = []
    cells = 0
    for method, template, body, allowed in ROUTES:
        for who in (*ALL, None):
            status = request(world, who, method, template, body)
            cells += 1
            expected = "401" if who is None else ("let through" if who in allowed else "403")
            through = status < 500 and status not in (401, 403, 404)
            if (expected == "let through" and not through) or (expected != "let through" and str(status) != expected):
                wrong.append(f"{who or 'no token'} {method} {template}: {status}, expected {expected}")
    print(f"role x route matrix: {len(ROUTES)} routes x {len(ALL) + 1} callers = {cells} cells")
    assert cells == len(ROUTES) * 6 and not wrong, "\n".join(wrong)


OBJECT_ROUTES = [route for route in ROUTES if "{" in route[1] and "{station}" not in route[1]]


def test_principals_outside_an_objects_reach_get_404_as_if_it_did_not_exist(world: World) -> None:
    wrong: list[str] = []
    for method, template, body, allowed in OBJECT_ROUTES:
        for outsider in ("other-channel", "other-dispatcher", "other-volunteer"):
            if outsider.removeprefix("other-") not in allowed:
                continue
            status = request(world, outsider, method, template, body)
            if status != 404:
                wrong.append(f"{outsider} {method} {template}: {status}, expected 404")
    assert not wrong, "\n".join(wrong)


def test_lists_show_outsiders_none_of_the_insiders_orders(world: World) -> None:
    world.order_in("accepted")
    insiders = {who: world.ok(who, "GET", "/api/v1/orders")["items"] for who in READERS}
    outsiders = {who: world.ok(who, "GET", "/api/v1/orders")["items"]
                 for who in ("other-channel", "other-dispatcher", "other-volunteer")}
    assert all(len(items) == 1 for items in insiders.values()), insiders
    assert all(items == [] for items in outsiders.values()), outsiders


def test_a_dispatcher_may_not_act_on_sites_outside_its_subtree(world: World) -> None:
    body = {"category": "health", "site_id": POST, "description": "proactive visit",
            "resident": {"name": "Wang", "phone": "13900000000", "address": "1 Lane"}}
    assert world.call("other-dispatcher", "POST", "/api/v1/orders", body).status_code == 403
    assert world.call("other-dispatcher", "GET", f"/api/v1/sites/{STATION}/stats").status_code == 404
    placed = world.ok("dispatcher", "POST", "/api/v1/orders", body)
    assert placed["channel"] == "proactive"
