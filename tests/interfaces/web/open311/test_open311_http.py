"""Open311 GeoReport v2 over the Flask test client (SQLite and PostgreSQL): services, requests, posting, errors."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from uuid import UUID
from xml.etree import ElementTree

import pytest
from flask.testing import FlaskClient

from tests.interfaces.web.world import POST, RESIDENT, STATION, World

V2 = "/open311/v2"


def post_form(world: World, **fields: str) -> Any:
    form = {"api_key": world.tokens["channel"], "service_code": "legal-aid", "attribute[site_id]": POST,
            "first_name": "秀英", "last_name": "王", "phone": "13911112222", "description": "量血压", **fields}
    return world.client.post(f"{V2}/requests.json", data={k: v for k, v in form.items() if v is not None})


def errors_of(response: Any) -> list[dict[str, Any]]:
    assert response.content_type.startswith("application/json"), response.data
    return response.get_json()


def test_services_list_the_catalogue_in_both_formats(world: World) -> None:
    services = world.client.get(f"{V2}/services.json").get_json()
    codes = [service["service_code"] for service in services]
    assert "health" in codes and all(service["metadata"] is True for service in services)
    xml = ElementTree.fromstring(world.client.get(f"{V2}/services.xml").data)
    assert [node.findtext("service_code") for node in xml.findall("service")] == codes


def test_a_service_definition_has_priority_window_site_and_home_service(world: World) -> None:
    definition = world.client.get(f"{V2}/services/health.json").get_json()
    attributes = {attribute["code"]: attribute for attribute in definition["attributes"]}
    assert set(attributes) == {"priority", "window_start", "window_end", "site_id", "home_service"}
    assert [value["key"] for value in attributes["priority"]["values"]] == ["normal", "urgent"]
    assert attributes["home_service"]["variable"] is False
    assert POST in [value["key"] for value in attributes["site_id"]["values"]]


def test_posting_places_an_order_through_the_application(world: World) -> None:
    response = post_form(world, **{"attribute[priority]": "urgent"})
    assert response.status_code == 201
    [answer] = response.get_json()
    order = world.ok("channel", "GET", f"/api/v1/orders/{answer['service_request_id']}")
    assert (order["site_id"], order["priority"], order["channel"]) == (POST, "urgent", "district-app")
    assert order["resident"]["name"] == "王秀英" and order["resident"]["phone"] == "13911112222"


def test_lat_long_places_the_order_at_the_nearest_post(world: World) -> None:
    site = world.app.sites.get(POST)
    answer = post_form(world, **{"attribute[site_id]": None, "lat": str(site.lat + 0.0001),
                                 "long": str(site.lon)}).get_json()[0]
    assert world.ok("channel", "GET", f"/api/v1/orders/{answer['service_request_id']}")["site_id"] == POST


def test_a_request_shows_no_personal_data(world: World) -> None:
    answer = post_form(world, description="请回电 13911112222", address_string="八宝山街道 3-201").get_json()[0]
    for fmt in ("json", "xml"):
        body = world.client.get(f"{V2}/requests/{answer['service_request_id']}.{fmt}?extensions=true").data.decode()
        assert "13911112222" not in body and "王" not in body and "3-201" not in body
        assert "139****2222" in body
    [request] = world.client.get(f"{V2}/requests/{answer['service_request_id']}.json").get_json()
    assert request["address"] == world.app.sites.get(POST).name_zh
    assert request["status"] == "open" and request["status_notes"] == "已受理，等待派单"


@pytest.mark.parametrize(("status", "shown"), [("dispatched", "open"), ("in_service", "open"),
                                               ("completed", "closed"), ("reviewed", "closed")])
def test_statuses_map_to_open_and_closed(world: World, status: str, shown: str) -> None:
    order = world.order_in(status)
    [request] = world.client.get(f"{V2}/requests/{order['id']}.json").get_json()
    assert request["status"] == shown and request["status_notes"]


def test_agency_and_deadline_follow_escalations(world: World) -> None:
    order = world.place()
    world.app.escalate_order(UUID(order["id"]), "not dispatched", actor="system:supervisor")
    [request] = world.client.get(f"{V2}/requests/{order['id']}.json?extensions=true").get_json()
    assert request["agency_responsible"] == world.app.sites.get(STATION).name_zh
    assert request["expected_datetime"] == order["deadlines"]["dispatch_by"].replace("Z", "+00:00")
    assert [note["type"] for note in request["notes"]] == ["Placed", "Escalated"]
    assert request["extended_attributes"]["responsible_site_id"] == STATION


def test_requests_filter_by_id_service_status_and_dates(world: World) -> None:
    health = world.place()["id"]
    world.clock.advance(timedelta(minutes=1))
    care = world.place(category="elderly-care")["id"]
    world.clock.advance(timedelta(minutes=1))
    closed = world.order_in("completed")["id"]
    ids = lambda query: [r["service_request_id"] for r in world.client.get(f"{V2}/requests.json?{query}").get_json()]
    assert ids(f"service_request_id={health},{care}") == [care, health]  # newest first
    assert ids("service_code=elderly-care") == [care]
    assert ids("status=closed") == [closed]
    assert set(ids("status=open")) == {health, care}
    assert ids("start_date=2020-01-01T00:00:00Z&end_date=2020-02-01T00:00:00Z") == []
    world.clock.advance(timedelta(days=91))
    assert ids("") == []  # the default range is the most recent 90 days
    assert ids("page=1&page_size=1&start_date=2026-11-01T00:00:00Z") == [closed]


def test_jurisdiction_is_checked(world: World) -> None:
    assert world.client.get(f"{V2}/services.json?jurisdiction_id=shijingshan").status_code == 200
    response = world.client.get(f"{V2}/services.xml?jurisdiction_id=elsewhere")
    assert response.status_code == 404
    assert ElementTree.fromstring(response.data).find("error").findtext("code") == "404"


@pytest.mark.parametrize("query", ["start_date=yesterday", "end_date=2026-13-01",
                                   "start_date=2026-01-01T00:00:00Z&end_date=2026-05-01T00:00:00Z",
                                   "start_date=2026-05-01T00:00:00Z&end_date=2026-01-01T00:00:00Z",
                                   "service_code=no-such-service", "status=pending", "page=0", "page_size=1001",
                                   "service_request_id=not-a-uuid", "extensions=maybe",
                                   "start_date=9999-12-31T23:59:59Z", "end_date=0001-01-01T00:00:00Z",
                                   "service_request_id=" + ",".join([str(UUID(int=1))] * 1001)])
def test_bad_queries_are_400_errors(client: FlaskClient, query: str) -> None:
    response = client.get(f"{V2}/requests.json?{query}")
    assert response.status_code == 400
    [error] = errors_of(response)
    assert error["code"] == 400 and error["description"]


@pytest.mark.parametrize(("fields", "status"), [
    ({"api_key": "wrong"}, 403), ({"api_key": None}, 403), ({"service_code": "no-such-service"}, 400),
    ({"attribute[site_id]": "no-such-site"}, 400), ({"attribute[site_id]": None}, 400),
    ({"attribute[site_id]": None, "lat": "north", "long": "116.2"}, 400),
    ({"attribute[site_id]": None, "lat": "91", "long": "116.2"}, 400),
    ({"attribute[site_id]": None, "lat": "0", "long": "0"}, 400),
    ({"phone": None}, 400), ({"attribute[priority]": "soon"}, 400),
    ({"attribute[window_start]": "2026-11-03T08:00:00Z"}, 400),
    ({"service_code": "haircut"}, 400),  # a home service needs the resident's address
    ({"jurisdiction_id": "elsewhere"}, 404),
])
def test_bad_posts_are_errors_and_place_nothing(world: World, fields: dict[str, str], status: int) -> None:
    response = post_form(world, **fields)
    assert response.status_code == status, response.data
    assert errors_of(response)[0]["code"] == status
    assert world.client.get(f"{V2}/requests.json").get_json() == []


def test_a_token_of_another_role_is_403(world: World) -> None:
    assert post_form(world, api_key=world.tokens["dispatcher"]).status_code == 403


@pytest.mark.parametrize("path", ["requests/00000000-0000-0000-0000-000000000000.json", "requests/nope.xml",
                                  "services/no-such-service.json", "nowhere.json", "requests.csv"])
def test_unknown_things_are_404_in_the_formats_errors(client: FlaskClient, path: str) -> None:
    response = client.get(f"{V2}/{path}")
    assert response.status_code == 404
    if path.endswith(".xml"):
        assert ElementTree.fromstring(response.data).tag == "errors"
    else:
        assert errors_of(response)[0]["code"] == 404


def test_a_wrong_method_is_405_in_the_formats_errors(client: FlaskClient) -> None:
    response = client.post(f"{V2}/services.json")
    assert response.status_code == 405 and errors_of(response)[0]["code"] == 405


def test_a_resident_name_and_phone_stay_out_of_a_list(world: World) -> None:
    world.place()
    body = world.client.get(f"{V2}/requests.xml?extensions=true").data.decode()
    assert RESIDENT["phone"] not in body and RESIDENT["name"] not in body and "district-app" not in body


def test_discovery_names_the_endpoint(client: FlaskClient) -> None:
    [endpoint] = client.get(f"{V2}/discovery.json").get_json()["endpoints"]
    assert endpoint["url"].endswith("/open311/v2") and "application/json" in endpoint["formats"]
