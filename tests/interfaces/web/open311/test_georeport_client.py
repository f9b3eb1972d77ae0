"""An independent Open311 client (`georeport`) against a real HTTP server over create_app, in both formats.

georeport 0.3.1 has no call for POST requests, so posting uses `requests` (the library georeport itself calls)
with a form-encoded body, exactly as the specification's POST Service Request has it."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import requests
import xmltodict
from georeport import GeoReport

from tests.interfaces.web.world import POST, World

JURISDICTION = "shijingshan"


@pytest.fixture
def root(live_server: str, world: World) -> str:
    """The app served on a real port (tests/interfaces/web/conftest.py), its world of tokens and sites set up."""
    return f"{live_server}/open311/v2"


def as_list(value: Any) -> list[Any]:
    """xmltodict gives one element as a dict and several as a list."""
    return value if isinstance(value, list) else [value]


def post_request(root: str, fmt: str, api_key: str, **fields: str) -> str:
    form = {"jurisdiction_id": JURISDICTION, "api_key": api_key, "first_name": "秀英", "last_name": "王",
            "phone": "13911112222", **fields}
    response = requests.post(f"{root}/requests.{fmt}", data=form, timeout=10)
    assert response.status_code == 201, response.text
    if fmt == "json":
        return response.json()[0]["service_request_id"]
    return xmltodict.parse(response.content)["service_requests"]["request"]["service_request_id"]


def none_closed(client: GeoReport, root: str, fmt: str) -> bool:
    """An empty list: georeport cannot read an empty `<service_requests/>` (it indexes into None), so the XML
    case is read here."""
    if fmt == "json":
        return client.get_service_requests(status="closed") == []
    body = requests.get(f"{root}/requests.xml", params={"status": "closed"}, timeout=10).content
    return xmltodict.parse(body)["service_requests"] is None


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_a_standard_client_reads_the_services_and_a_definition(root: str, fmt: str) -> None:
    client = GeoReport(root, jurisdiction=JURISDICTION, output_format=fmt)
    services = as_list(client.get_service_list())
    assert {"legal-aid", "health"} <= {service["service_code"] for service in services}
    definition = client.get_service_definition("health")
    attributes = as_list(definition["attributes"] if fmt == "json" else definition["attributes"]["attribute"])
    assert {attribute["code"] for attribute in attributes} >= {"priority", "window_start", "site_id", "home_service"}


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_a_standard_client_reads_the_requests_it_posted(root: str, world: World, fmt: str) -> None:
    client = GeoReport(root, jurisdiction=JURISDICTION, api_key=world.tokens["channel"], output_format=fmt)
    site = world.app.sites.get(POST)
    near = post_request(root, fmt, world.tokens["channel"], service_code="legal-aid", description="咨询 13911112222",
                        lat=str(site.lat), long=str(site.lon))
    world.clock.advance(timedelta(minutes=1))  # newest first needs two instants
    home = post_request(root, fmt, world.tokens["channel"], service_code="health", address_string="3-201",
                        **{"attribute[site_id]": POST, "attribute[priority]": "urgent"})
    both = as_list(client.get_service_requests(service_request_id=f"{near},{home}"))
    assert [request["service_request_id"] for request in both] == [home, near]
    assert all(request["status"] == "open" for request in both)
    assert "13911112222" not in str(both) and "139****2222" in str(both) and "3-201" not in str(both)
    by_code = as_list(client.get_service_requests(service_code="health", status="open",
                                                  start_date="2026-11-01T00:00:00Z", end_date="2026-11-30T00:00:00Z"))
    assert [request["service_request_id"] for request in by_code] == [home]
    assert none_closed(client, root, fmt)
    one = client.get_service_request(near)
    assert one["service_request_id"] == near and one["address"] == site.name_zh == one["agency_responsible"]


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_a_client_error_is_raised_with_the_status(root: str, fmt: str) -> None:
    client = GeoReport(root, jurisdiction=JURISDICTION, output_format=fmt)
    with pytest.raises(requests.HTTPError) as raised:
        client.get_service_definition("no-such-service")
    assert raised.value.response.status_code == 404
    with pytest.raises(requests.HTTPError) as raised:
        GeoReport(root, jurisdiction="elsewhere", output_format=fmt).get_service_list()
    assert raised.value.response.status_code == 404
