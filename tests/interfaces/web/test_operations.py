"""Operations routes without a token: liveness, readiness, Prometheus metrics, and a self-contained docs page."""

from __future__ import annotations

import re

from flask.testing import FlaskClient

from tests.interfaces.web.world import World


def test_health_and_readiness_report_the_store_and_the_projection_lag(world: World) -> None:
    assert world.client.get("/healthz").get_json() == {"status": "ok"}
    world.order_in("placed")
    ready = world.client.get("/readyz")
    assert ready.status_code == 200
    assert ready.get_json()["head"] == world.app.recorder.max_notification_id()
    assert ready.get_json()["projection_lag"] >= 0


def test_metrics_count_requests_by_route_and_status_and_report_events_and_lag(world: World) -> None:
    world.call(None, "GET", "/api/v1/orders")
    world.order_in("placed")
    text = world.client.get("/metrics").get_data(as_text=True)
    assert 'civicflow_http_requests_total{route="/api/v1/orders",method="GET",status="401"} 1' in text
    assert 'civicflow_http_requests_total{route="/api/v1/orders",method="POST",status="201"} 1' in text
    assert re.search(r'civicflow_http_request_duration_seconds_count\{route="/api/v1/orders",method="POST"\} 1', text)
    assert f"civicflow_events_total {world.app.recorder.max_notification_id()}" in text
    assert "civicflow_projection_lag_events " in text


def test_the_docs_page_loads_nothing_from_other_hosts(client: FlaskClient) -> None:
    page = client.get("/docs")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and page.mimetype == "text/html"
    assert 'fetch("openapi.json")' in html
    assert not re.search(r'(src|href)\s*=\s*["\']?(https?:)?//', html), "the page must not load remote assets"
    assert not re.search(r'import\s|@import|url\(', html)


def test_the_openapi_description_names_roles_headers_and_problem_responses(client: FlaskClient) -> None:
    spec = client.get("/openapi.json").get_json()
    accept = spec["paths"]["/api/v1/orders/{order_id}/accept"]["post"]
    assert accept["x-roles"] == ["volunteer"] and accept["security"] == [{"bearerAuth": []}]
    assert {p["name"] for p in accept["parameters"]} >= {"Idempotency-Key", "If-Match"}
    assert {"400", "401", "403", "404", "409", "412", "413", "415", "422", "503"} <= set(accept["responses"])
    conflict = spec["components"]["responses"]["CONFLICT"]["content"]
    assert list(conflict) == ["application/problem+json"]
