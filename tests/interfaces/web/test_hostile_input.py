"""Hostile input is input (DESIGN §7): each request below gets a 4xx problem+json and changes nothing."""

from __future__ import annotations

import base64
import io
import json

import pytest
from werkzeug.test import TestResponse

from tests.interfaces.web.world import OTHER_POST, POST, World

DIGITS = "9" * 5000


def refused(response: TestResponse, *statuses: int) -> dict:
    """A client error in the one shape, whose body is valid UTF-8 JSON."""
    assert response.status_code in statuses, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    body = json.loads(response.get_data().decode("utf-8"))
    assert body["status"] == response.status_code and body["title"] and body["detail"]
    return body


def post_raw(world: World, who: str, path: str, raw: str | bytes) -> TestResponse:
    data = raw.encode("utf-8", "surrogatepass") if isinstance(raw, str) else raw
    return world.client.post(path, data=data, content_type="application/json", headers=world.headers(who))


def status_of(world: World, order_id: str) -> tuple[str, int]:
    order = world.ok("dispatcher", "GET", f"/api/v1/orders/{order_id}")
    return order["status"], order["version"]


@pytest.mark.parametrize("depth", [2_000, 30_000])
def test_json_nested_thousands_of_levels_is_refused(world: World, depth: int) -> None:
    order = world.order_in("placed")
    raw = '{"reason": ' + "[" * depth + "]" * depth + "}"
    assert len(raw) < 64 * 1024
    refused(post_raw(world, "channel", f"/api/v1/orders/{order['id']}/cancel", raw), 400, 422)
    assert status_of(world, order["id"]) == ("placed", 1)


def test_a_5000_digit_rating_is_refused(world: World) -> None:
    order = world.order_in("completed")
    refused(post_raw(world, "channel", f"/api/v1/orders/{order['id']}/review", '{"rating": %s}' % DIGITS), 400, 422)
    assert status_of(world, order["id"]) == ("completed", order["version"])


def test_a_5000_digit_service_minutes_is_refused(world: World) -> None:
    order = world.order_in("in_service")
    path = f"/api/v1/orders/{order['id']}/complete"
    refused(post_raw(world, "volunteer", path, '{"service_minutes": %s}' % DIGITS), 400, 422)
    assert status_of(world, order["id"]) == ("in_service", order["version"])


def test_a_5000_digit_capacity_is_refused(world: World) -> None:
    raw = ('{"name": "Zhang San", "phone": "13800000099", "home_site_id": "%s", "skills": ["health"], '
           '"capacity": %s}' % (POST, DIGITS))
    refused(post_raw(world, "dispatcher", "/api/v1/volunteers", raw), 400, 422)
    assert len(world.ok("inspector", "GET", "/api/v1/volunteers")["items"]) == 2


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity", "1e999"])
def test_numbers_json_does_not_have_are_refused(world: World, constant: str) -> None:
    order = world.order_in("completed")
    refused(post_raw(world, "channel", f"/api/v1/orders/{order['id']}/review", '{"rating": %s}' % constant),
            400, 422)
    assert status_of(world, order["id"]) == ("completed", order["version"])


@pytest.mark.parametrize("raw", [
    '{"\ud800": 1, "category": "health", "site_id": "%s", "description": "d", '
    '"resident": {"name": "W", "phone": "139"}}' % POST,
    '{"category": "health", "site_id": "%s", "description": "d", '
    '"resident": {"name": "W", "phone": "139", "\udfff": 2}}' % POST,
    '{"category": "health", "site_id": "%s", "description": "d", '
    '"resident": {"name": "W\ud800", "phone": "139"}}' % POST,
])
def test_a_lone_surrogate_in_a_field_name_or_value_is_a_readable_problem(world: World, raw: str) -> None:
    escaped = raw.encode("utf-8", "surrogatepass")  # as a client sends it: bytes no UTF-8 decoder accepts
    refused(post_raw(world, "channel", "/api/v1/orders", escaped), 400, 422)
    ascii_escaped = json.dumps(json.loads(raw))  # the same body written with \\ud800 escapes
    refused(post_raw(world, "channel", "/api/v1/orders", ascii_escaped), 400, 422)
    assert world.ok("inspector", "GET", "/api/v1/orders")["items"] == []


def forged(*values: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")


@pytest.mark.parametrize("path", ["/api/v1/orders", "/api/v1/volunteers"])
@pytest.mark.parametrize("cursor", [
    forged(10 ** 30), forged("2026-11-02T08:00:00+00:00", 10 ** 30), forged("2026-11-02T08:00:00+00:00", "x"),
    forged("00000000-0000-0000-0000-000000000000"),
    forged("2026-11-02T08:00:00+00:00", "00000000-0000-0000-0000-000000000000"),
])
def test_a_cursor_the_server_never_issued_is_422(world: World, path: str, cursor: str) -> None:
    assert "cursor" in refused(world.call("dispatcher", "GET", f"{path}?cursor={cursor}"), 422)["errors"]


def test_an_issued_cursor_reads_the_next_page_and_an_edited_one_is_422(world: World) -> None:
    for _ in range(3):
        world.place()
    first = world.ok("dispatcher", "GET", "/api/v1/orders?limit=2")
    rest = world.ok("dispatcher", "GET", f"/api/v1/orders?limit=2&cursor={first['next_cursor']}")
    assert len(first["items"]) == 2 and len(rest["items"]) == 1 and rest["next_cursor"] is None
    edited = first["next_cursor"][:-1] + ("A" if first["next_cursor"][-1] != "A" else "B")
    refused(world.call("dispatcher", "GET", f"/api/v1/orders?limit=2&cursor={edited}"), 422)


def cancel_chunked(world: World, order: dict, body: bytes) -> TestResponse:
    """A body without a Content-Length, already dechunked, as gunicorn hands a chunked one to the app."""
    return world.client.post(f"/api/v1/orders/{order['id']}/cancel", input_stream=io.BytesIO(body),
                             headers={**world.headers("channel"), "Content-Type": "application/json",
                                      "Transfer-Encoding": "chunked"},
                             environ_overrides={"wsgi.input_terminated": True})


def test_a_chunked_body_over_64_kib_is_413_and_writes_nothing(world: World) -> None:
    order = world.order_in("placed")
    refused(cancel_chunked(world, order, b'{"reason": "smuggled"}' + b" " * 200_000), 413)
    assert status_of(world, order["id"]) == ("placed", 1)


def test_a_chunked_body_within_the_limit_is_read_whole(world: World) -> None:
    order = world.order_in("placed")
    response = cancel_chunked(world, order, b'{"reason": "moved away"}' + b" " * 60_000)
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["cancel_reason"] == "moved away"


def test_a_dispatcher_cannot_put_a_foreign_volunteer_in_its_team(world: World) -> None:
    path = f"/api/v1/teams/{world.team_id}/members"
    before = world.ok("dispatcher", "GET", f"/api/v1/teams/{world.team_id}")
    foreign = refused(world.call("dispatcher", "POST", path, {"volunteer_id": world.other_volunteer_id}), 404)
    missing = refused(world.call("dispatcher", "POST", path, {"volunteer_id": "00000000-0000-4000-8000-000000000000"}),
                      404)
    assert (foreign["title"], foreign["type"]) == (missing["title"], missing["type"])
    assert world.ok("dispatcher", "GET", f"/api/v1/teams/{world.team_id}") == before
    assert world.ok("inspector", "GET", f"/api/v1/volunteers/{world.other_volunteer_id}")["team_ids"] == []


def test_a_dispatcher_cannot_name_a_foreign_leader(world: World) -> None:
    body = {"name": "Laoshan helpers", "site_id": OTHER_POST}
    foreign = refused(world.call("other-dispatcher", "POST", "/api/v1/teams",
                                 {**body, "leader_id": world.volunteer_id}), 404)
    missing = refused(world.call("other-dispatcher", "POST", "/api/v1/teams",
                                 {**body, "leader_id": "00000000-0000-4000-8000-000000000000"}), 404)
    assert (foreign["title"], foreign["type"]) == (missing["title"], missing["type"])
    assert world.ok("inspector", "GET", f"/api/v1/volunteers/{world.volunteer_id}")["team_ids"] == [world.team_id]


@pytest.mark.parametrize("pattern", ["h_ircut", "%", "heal%", "_ealth", "ealt"])
def test_a_skill_filter_matches_exactly(world: World, pattern: str) -> None:
    assert world.ok("dispatcher", "GET", f"/api/v1/volunteers?skill={pattern}")["items"] == []
    assert [v["id"] for v in world.ok("dispatcher", "GET", "/api/v1/volunteers?skill=health")["items"]] \
        == [world.volunteer_id]


def test_a_weak_if_match_never_matches(world: World) -> None:
    order = world.order_in("placed")
    path = f"/api/v1/orders/{order['id']}/cancel"
    refused(world.call("channel", "POST", path, {"reason": "moved"}, **{"If-Match": 'W/"1"'}), 412)
    assert status_of(world, order["id"]) == ("placed", 1)
    assert world.call("channel", "POST", path, {"reason": "moved"}, **{"If-Match": '"1"'}).status_code == 200


def test_a_bad_idempotency_key_is_422_before_if_match_is_read(world: World) -> None:
    order = world.order_in("placed")
    response = world.call("channel", "POST", f"/api/v1/orders/{order['id']}/cancel", {"reason": "moved"},
                          **{"If-Match": "", "Idempotency-Key": "no spaces allowed"})
    assert "Idempotency-Key" in refused(response, 422)["errors"]


def test_sites_is_a_list_like_every_list(world: World) -> None:
    assert len(world.ok("channel", "GET", "/api/v1/sites?limit=200")["items"]) == 187
    page = world.ok("channel", "GET", "/api/v1/sites?limit=100")
    assert len(page["items"]) == 100 and page["next_cursor"]
    rest = world.ok("channel", "GET", f"/api/v1/sites?limit=100&cursor={page['next_cursor']}")
    every = page["items"] + rest["items"]
    assert len({site["id"] for site in every}) == len(every) == 187 and rest["next_cursor"] is None
    refused(world.call("channel", "GET", "/api/v1/sites?cursor=" + forged(10 ** 30)), 422)


def test_a_forged_cursor_is_refused_even_where_nothing_could_match(world: World) -> None:
    cursor = forged("2026-11-02T08:00:00+00:00", "00000000-0000-0000-0000-000000000000")
    refused(world.call("dispatcher", "GET", f"/api/v1/orders?site_id={OTHER_POST}&cursor={cursor}"), 422)
    refused(world.call("dispatcher", "GET", f"/api/v1/volunteers?site_id={OTHER_POST}&cursor={forged('x')}"), 422)
