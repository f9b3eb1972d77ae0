"""One error shape (RFC 9457 problem+json) for every error, with the right status and headers; never a 500."""

from __future__ import annotations

import pytest
from werkzeug.test import TestResponse

from application.errors import ConcurrencyConflict, StoreUnavailable
from application.tokens import TokenBook
from tests.interfaces.web.world import POST, World


def problem(response: TestResponse, status: int) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert body["status"] == status and body["title"] and body["detail"] and body["type"].startswith("/problems/")
    return body


def test_malformed_json_is_400(world: World) -> None:
    response = world.client.post("/api/v1/orders", data='{"category": ', content_type="application/json",
                                 headers=world.headers("channel"))
    problem(response, 400)


def test_a_missing_or_unknown_token_is_401_with_a_bearer_challenge(world: World) -> None:
    missing = world.client.get("/api/v1/orders")
    assert problem(missing, 401) and missing.headers["WWW-Authenticate"] == 'Bearer realm="civicflow"'
    unknown = world.client.get("/api/v1/orders", headers={"Authorization": "Bearer cf_not-a-token"})
    problem(unknown, 401)
    assert unknown.headers["WWW-Authenticate"] == 'Bearer realm="civicflow", error="invalid_token"'


def test_a_revoked_token_is_401(world: World) -> None:
    assert world.call("inspector", "GET", "/api/v1/orders").status_code == 200
    book = TokenBook(world.app)
    book.revoke(book.authenticate(world.tokens["inspector"]).id, actor="test")
    problem(world.call("inspector", "GET", "/api/v1/orders"), 401)


def test_a_role_that_may_not_use_a_route_is_403(world: World) -> None:
    problem(world.call("inspector", "POST", "/api/v1/orders", {}), 403)


def test_an_unknown_order_or_path_is_404(world: World) -> None:
    problem(world.call("channel", "GET", "/api/v1/orders/00000000-0000-0000-0000-000000000000"), 404)
    problem(world.call("channel", "GET", "/api/v1/nothing-here"), 404)


def test_a_wrong_method_is_405_with_allow(world: World) -> None:
    response = world.call("channel", "DELETE", "/api/v1/orders")
    problem(response, 405)
    assert set(response.headers["Allow"].split(", ")) >= {"GET", "POST"}


def test_an_illegal_transition_is_409_invalid_transition(world: World) -> None:
    order = world.order_in("dispatched")
    body = problem(world.call("volunteer", "POST", f"/api/v1/orders/{order['id']}/start", {}), 409)
    assert body["type"].endswith("/invalid-transition")


def test_a_stale_if_match_is_412(world: World) -> None:
    order = world.order_in("placed")
    response = world.call("dispatcher", "POST", f"/api/v1/orders/{order['id']}/dispatch",
                          {"volunteer_id": world.volunteer_id}, **{"If-Match": '"7"'})
    problem(response, 412)
    assert world.ok("channel", "GET", f"/api/v1/orders/{order['id']}")["status"] == "placed"


def test_a_body_over_64_kib_is_413(world: World) -> None:
    big = {"category": "health", "site_id": POST, "description": "x" * 70_000,
           "resident": {"name": "Wang", "phone": "13900000000", "address": "1 Lane"}}
    problem(world.call("channel", "POST", "/api/v1/orders", big), 413)


def test_a_body_that_is_not_json_is_415(world: World) -> None:
    response = world.client.post("/api/v1/orders", data="category=health", content_type="text/plain",
                                 headers=world.headers("channel"))
    problem(response, 415)


def test_unknown_fields_and_bad_values_are_422_with_messages_per_field(world: World) -> None:
    response = world.call("channel", "POST", "/api/v1/orders",
                          {"category": "health", "site_id": POST, "description": "", "colour": "red",
                           "resident": {"name": "Wang", "phone": "13900000000"}, "priority": "asap"})
    errors = problem(response, 422)["errors"]
    assert set(errors) == {"colour", "description", "priority"} and all(errors.values())


def test_unknown_references_and_broken_rules_are_422_against_the_field(world: World) -> None:
    unknown_site = world.call("channel", "POST", "/api/v1/orders", {
        "category": "health", "site_id": "post-nowhere", "description": "visit",
        "resident": {"name": "Wang", "phone": "13900000000", "address": "1 Lane"}})
    assert set(problem(unknown_site, 422)["errors"]) == {"site_id"}
    order = world.order_in("in_service")
    too_long = world.call("volunteer", "POST", f"/api/v1/orders/{order['id']}/complete", {"service_minutes": 600})
    assert set(problem(too_long, 422)["errors"]) == {"service_minutes"}
    no_address = world.call("channel", "POST", "/api/v1/orders", {
        "category": "health", "site_id": POST, "description": "visit", "resident": {"name": "W", "phone": "139"}})
    problem(no_address, 422)


def test_an_unavailable_store_is_503_with_retry_after(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    def busy(aggregates):  # type: ignore[no-untyped-def]
        raise StoreUnavailable("lock timeout")

    monkeypatch.setattr(world.app, "commit", busy)
    response = world.call("channel", "POST", "/api/v1/orders", {
        "category": "legal-aid", "site_id": POST, "description": "advice", "resident": {"name": "W", "phone": "139"}})
    problem(response, 503)
    assert int(response.headers["Retry-After"]) > 0


def test_a_lost_race_is_409(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    order = world.order_in("placed")

    def lost(aggregates):  # type: ignore[no-untyped-def]
        raise ConcurrencyConflict("another command changed this first")

    monkeypatch.setattr(world.app, "commit", lost)
    response = world.call("channel", "POST", f"/api/v1/orders/{order['id']}/cancel", {"reason": "moved"},
                          **{"Idempotency-Key": "cancel-1"})
    assert problem(response, 409)["type"].endswith("/conflict")


def test_every_response_carries_a_request_id_and_echoes_a_sane_one(world: World) -> None:
    assert len(world.call(None, "GET", "/api/v1/orders").headers["X-Request-ID"]) == 32
    echoed = world.call("channel", "GET", "/api/v1/categories", **{"X-Request-ID": "trace-42"})
    assert echoed.headers["X-Request-ID"] == "trace-42"
    assert problem(world.call(None, "GET", "/api/v1/orders", **{"X-Request-ID": "x-1"}), 401)["request_id"] == "x-1"


@pytest.mark.parametrize("raw", [
    '{"description": "a\\u0000b"}', '{"description": "\\ud800"}',
    '{"window": {"start": "0001-01-01T00:00:00+01:00", "end": "0001-01-02T00:00:00+01:00"}}',
])
def test_text_and_instants_no_store_can_keep_are_422_not_500(world: World, raw: str) -> None:
    base = '{"category": "legal-aid", "site_id": "%s", "resident": {"name": "W", "phone": "139"}, ' % POST
    body = base + raw[1:] if "description" in raw else base + '"description": "advice", ' + raw[1:]
    response = world.client.post("/api/v1/orders", data=body, content_type="application/json",
                                 headers=world.headers("channel"))
    problem(response, 422)
    assert world.ok("inspector", "GET", "/api/v1/orders")["items"] == []


def test_a_site_path_of_any_text_is_404_not_a_store_error(world: World) -> None:
    for site in ("post-nowhere", "%00", "%F0%9F%98%80"):
        problem(world.call("inspector", "GET", f"/api/v1/sites/{site}/stats"), 404)


@pytest.mark.parametrize("written", ["1", "0", "yes", "True", ""])
def test_a_boolean_query_is_true_or_false_as_the_description_writes_it(world: World, written: str) -> None:
    assert world.call("dispatcher", "GET", "/api/v1/volunteers?available=true").status_code == 200
    problem(world.call("dispatcher", "GET", f"/api/v1/volunteers?available={written}"), 422)
    problem(world.call("dispatcher", "GET", f"/api/v1/orders?overdue={written}"), 422)


@pytest.mark.parametrize("value", [1, 0, "true", None])
def test_a_boolean_in_a_body_is_json_true_or_false(world: World, value: object) -> None:
    path = f"/api/v1/volunteers/{world.volunteer_id}/availability"
    problem(world.call("dispatcher", "POST", path, {"available": value}), 422)
    assert world.call("dispatcher", "POST", path, {"available": False}).status_code == 200
