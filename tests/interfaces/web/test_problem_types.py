"""Problems a client can follow: one title per status, and a page at /problems/<slug> for every type the code uses."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient
from werkzeug.exceptions import default_exceptions

from interfaces.cli.gunicorn_worker import REFUSALS
from interfaces.web.problems import ERROR_TABLE, UNEXPECTED, slug_for
from tests.interfaces.web.world import POST, RESIDENT, World


def produced_slugs() -> set[str]:
    """Every problem type the code can answer with, read from its tables (ops' "not-ready" is followed below)."""
    application = {how.slug for _, how in ERROR_TABLE} | {UNEXPECTED.slug}
    http_errors = {slug_for(status) for status in default_exceptions}  # from_http_exception: any werkzeug error
    refused_by_gunicorn = {slug_for(status) for _, status in REFUSALS} | {slug_for(500)}
    return application | http_errors | refused_by_gunicorn


def assert_explained(client: FlaskClient, problem_type: str) -> str:
    assert problem_type.startswith("/problems/"), problem_type  # relative: resolved against the response's URL
    page = client.get(problem_type)  # no token: a refused client must be able to read why
    assert page.status_code == 200 and page.mimetype == "text/html", (problem_type, page.status_code)
    text = page.get_data(as_text=True)
    assert "What to do:" in text
    return text


def test_every_422_is_titled_unprocessable_content_whoever_refuses(world: World) -> None:
    order = {"category": "health", "site_id": POST, "description": "visit", "resident": RESIDENT}
    unknown_field = world.call("channel", "POST", "/api/v1/orders", {**order, "colour": "red"})  # flask-smorest
    unknown_site = world.call("channel", "POST", "/api/v1/orders", {**order, "site_id": "post-nowhere"})  # the app
    too_long = world.call("volunteer", "POST", f"/api/v1/orders/{world.order_in('in_service')['id']}/complete",
                          {"service_minutes": 600})  # a domain rule
    answers = [unknown_field, unknown_site, too_long]
    assert [r.status_code for r in answers] == [422, 422, 422]
    assert {r.get_json()["title"] for r in answers} == {"Unprocessable Content"}


def test_a_refused_role_is_named_with_its_article(world: World) -> None:
    inspector = world.call("inspector", "POST", "/api/v1/orders", {})
    channel = world.call("channel", "GET", "/api/v1/audit/verify")
    assert inspector.status_code == channel.status_code == 403
    assert inspector.get_json()["detail"].startswith("an inspector token may not use this route")
    assert channel.get_json()["detail"].startswith("a channel token may not use this route")


def test_a_problem_type_leads_to_a_page_that_says_what_to_do(world: World) -> None:
    refused = world.call(None, "GET", "/api/v1/orders").get_json()
    assert refused["type"] == "/problems/unauthorized"
    assert "Authorization: Bearer" in assert_explained(world.client, refused["type"])
    body = world.call("volunteer", "POST", f"/api/v1/orders/{world.order_in('dispatched')['id']}/start", {})
    assert "Invalid transition" in assert_explained(world.client, body.get_json()["type"])


def test_every_problem_type_the_code_can_produce_has_a_page(client: FlaskClient) -> None:
    slugs = produced_slugs()
    assert {"invalid-transition", "unprocessable-content", "uri-too-long", "request-header-fields-too-large"} <= slugs
    for slug in sorted(slugs):
        assert_explained(client, f"/problems/{slug}")


def test_the_readiness_problem_type_has_a_page(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    def unreachable() -> int:
        raise ConnectionError("the store is down")

    monkeypatch.setattr(world.app.recorder, "max_notification_id", unreachable)
    not_ready = world.client.get("/readyz")
    assert not_ready.status_code == 503
    assert_explained(world.client, not_ready.get_json()["type"])


def test_an_unknown_problem_type_is_a_404_problem(client: FlaskClient) -> None:
    response = client.get("/problems/no-such-problem")
    assert response.status_code == 404 and response.mimetype == "application/problem+json"
    assert response.get_json()["type"] == "/problems/not-found"


def test_the_problem_pages_are_not_part_of_the_api_description(client: FlaskClient) -> None:
    paths = client.get("/openapi.json").get_json()["paths"]
    assert paths and not [path for path in paths if path.startswith("/problems")]
