"""Operations routes without a token: liveness, readiness, Prometheus metrics, and a self-contained docs page."""

from __future__ import annotations

import re
from datetime import timedelta

from flask import Flask
from flask.testing import FlaskClient
from marshmallow import ValidationError, class_registry

from interfaces.workers.heartbeats import Beat, Heartbeats
from tests.interfaces.web.world import World


def test_health_and_readiness_report_the_store_and_the_projection_lag(world: World) -> None:
    assert world.client.get("/healthz").get_json() == {"status": "ok"}
    world.order_in("placed")
    ready = world.client.get("/readyz")
    assert ready.status_code == 200
    assert ready.get_json()["head"] == world.app.recorder.max_notification_id()
    assert ready.get_json()["projection_lag"] >= 0
    assert ready.get_json()["loops"]["supervision"] == {"state": "absent"}  # no worker ran: reported, still ready


def test_readiness_reports_each_loops_lag_and_fails_once_a_loop_has_stalled(world: World) -> None:
    heartbeats = Heartbeats(world.client.application.extensions["civicflow.read_model"].engine)
    heartbeats.create()
    head = world.app.recorder.max_notification_id()
    for name, position in (("projections", head), ("supervision", None)):
        heartbeats.record(Beat(name, position, world.clock.now(), 30.0, 0.1, False, {"position": position}))
    world.order_in("placed")
    loops = world.client.get("/readyz").get_json()["loops"]
    assert loops["projections"]["state"] == "running" and loops["supervision"]["state"] == "running"
    assert loops["projections"]["lag"] == world.app.recorder.max_notification_id() - head > 0
    assert loops["webhooks"]["lag"]["head"] == world.app.recorder.max_notification_id()  # as its delivery reports
    world.clock.advance(timedelta(seconds=5 * 30 + 1))  # five intervals without a pass
    stale = world.client.get("/readyz")
    assert stale.status_code == 503 and stale.headers["Retry-After"]
    assert "projections, supervision loop(s)" in stale.get_json()["detail"]


def test_metrics_count_requests_by_route_and_status_and_report_events_and_lag(world: World) -> None:
    world.call(None, "GET", "/api/v1/orders")
    world.order_in("placed")
    text = world.client.get("/metrics").get_data(as_text=True)
    assert 'civicflow_http_requests_total{route="/api/v1/orders",method="GET",status="401"} 1' in text
    assert 'civicflow_http_requests_total{route="/api/v1/orders",method="POST",status="201"} 1' in text
    assert re.search(r'civicflow_http_request_duration_seconds_count\{route="/api/v1/orders",method="POST"\} 1', text)
    assert f"civicflow_events_total {world.app.recorder.max_notification_id()}" in text
    assert "civicflow_projection_lag_events " in text


def test_the_docs_page_is_swagger_ui_from_this_app_alone(client: FlaskClient) -> None:
    page = client.get("/docs")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and page.mimetype == "text/html"
    assert not re.search(r'(src|href)\s*=\s*["\']?(https?:)?//', html), "the page must not load remote assets"
    assert "<script>" not in html and "script-src 'self'" in page.headers["Content-Security-Policy"]
    assert 'data-spec-url="/openapi.json"' in html
    for asset in re.findall(r'(?:src|href)="([^"]+)"', html):
        assert client.get(asset).status_code == 200, asset
    initializer = client.get("/docs/assets/civicflow-initializer.js").get_data(as_text=True)
    assert "validatorUrl: null" in initializer  # else Swagger UI asks validator.swagger.io about the document
    assert "Apache License" in client.get("/docs/assets/LICENSE").get_data(as_text=True)


def test_every_request_body_has_a_valid_example_and_every_api_operation_the_bearer_scheme(web: Flask) -> None:
    spec = web.test_client().get("/openapi.json").get_json()
    scheme = spec["components"]["securitySchemes"]["bearerAuth"]
    assert (scheme["type"], scheme["scheme"]) == ("http", "bearer")
    bodies = 0
    for path, item in spec["paths"].items():
        for method, operation in ((m, o) for m, o in item.items() if m in ("get", "post")):
            if path.startswith("/api/v1"):
                assert operation["security"] == [{"bearerAuth": []}], (method, path)
            content = operation.get("requestBody", {}).get("content", {}).get("application/json")
            if content is None:
                continue
            name = content["schema"]["$ref"].rsplit("/", 1)[-1]
            [example] = spec["components"]["schemas"][name]["examples"]
            assert valid_for_some(name, example), f"the example of {name} is not a valid body"
            bodies += 1
    assert bodies >= 10


def valid_for_some(name: str, example: dict) -> bool:
    """Whether the example loads in a schema class of that name (marshmallow's registry knows them all)."""
    def loads(schema_class: type) -> bool:
        try:
            schema_class().load(example)
        except ValidationError:
            return False
        return True

    found = class_registry.get_class(name, all=True)
    return any(loads(schema_class) for schema_class in (found if isinstance(found, list) else [found]))


def test_the_openapi_description_names_roles_headers_and_problem_responses(client: FlaskClient) -> None:
    spec = client.get("/openapi.json").get_json()
    accept = spec["paths"]["/api/v1/orders/{order_id}/accept"]["post"]
    assert accept["x-roles"] == ["volunteer"] and accept["security"] == [{"bearerAuth": []}]
    assert {p["name"] for p in accept["parameters"]} >= {"Idempotency-Key", "If-Match"}
    assert {"400", "401", "403", "404", "409", "412", "413", "415", "422", "503"} <= set(accept["responses"])
    conflict = spec["components"]["responses"]["CONFLICT"]["content"]
    assert list(conflict) == ["application/problem+json"]
