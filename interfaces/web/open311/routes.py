"""The GeoReport v2 routes, `.json` and `.xml`: parse, call, present. Every error is the specification's error
list (400 / 403 / 404, or the HTTP status the request earned), never a problem+json or an HTML page."""

from __future__ import annotations

import json
import logging
from typing import Any

from flask import Blueprint, Response, current_app, g, request
from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound

from interfaces.web.context import civicflow, now, read_model
from interfaces.web.open311 import services as catalogue
from interfaces.web.open311.formats import FORMATS, Open311Error, error_response, respond
from interfaces.web.open311.params import flag, request_filter, request_ids
from interfaces.web.open311.placing import place
from interfaces.web.open311.present import Presenter
from interfaces.web.problems import ERROR_TABLE
from projections.reads.open311 import RequestFilter, service_requests, timelines

blp = Blueprint("open311", __name__, url_prefix="/open311/v2")
FMT = f"<any({', '.join(FORMATS)}):fmt>"
SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
CHANGESET = "2026-12-01T00:00:00+00:00"  # when this service's list or definitions last changed
log = logging.getLogger("civicflow.http")


@blp.before_request
def check_jurisdiction() -> None:
    asked = request.values.get("jurisdiction_id")
    if asked is not None and asked != civicflow().settings.open311_jurisdiction:
        raise Open311Error(404, f"unknown jurisdiction_id {asked!r}; this service is "
                                f"{civicflow().settings.open311_jurisdiction!r}")


@blp.get(f"/discovery.{FMT}")
def discovery(fmt: str) -> Response:
    endpoint = {"specification": SPECIFICATION, "url": request.host_url + "open311/v2", "changeset": CHANGESET,
                "type": "production", "formats": ["text/xml", "application/json"]}
    return respond({"changeset": CHANGESET, "contact": "石景山区新时代文明实践中心", "key_service":
                    "api_key: a channel token from `civicflow tokens create --role channel`",
                    "endpoints": [endpoint]}, fmt, "discovery")


@blp.get(f"/services.{FMT}")
def services(fmt: str) -> Response:
    return respond([catalogue.service(c) for c in civicflow().categories.values()], fmt, "services")


@blp.get(f"/services/<code>.{FMT}")
def service_definition(code: str, fmt: str) -> Response:
    category = civicflow().categories.get(code)
    if category is None:
        raise Open311Error(404, f"no service {code!r} (see services)")
    return respond(catalogue.definition(category, civicflow().sites), fmt, "service_definition")


@blp.get(f"/requests.{FMT}")
def requests(fmt: str) -> Response:
    wanted = request_filter(request.args, civicflow().categories, now())
    return respond(_requests(wanted, flag(request.args, "extensions")), fmt, "service_requests")


@blp.post(f"/requests.{FMT}")
def post_request(fmt: str) -> Response:
    return respond([place(request.form)], fmt, "service_requests", 201)


@blp.get(f"/requests/<request_id>.{FMT}")
def one_request(request_id: str, fmt: str) -> Response:
    try:
        ids = request_ids(request_id)
    except Open311Error:
        raise Open311Error(404, f"no service request {request_id!r}") from None
    found = _requests(RequestFilter(ids=ids), flag(request.args, "extensions"))
    if len(ids) != 1 or not found:
        raise Open311Error(404, f"no service request {request_id!r}")
    return respond(found, fmt, "service_requests")


def _requests(wanted: RequestFilter, extended: bool) -> list[dict[str, Any]]:
    model = read_model()  # caught up: a request just posted is found
    with model.engine.connect() as conn:
        rows = service_requests(conn, model.tables.order_board, wanted, now(), extended)
        notes = timelines(conn, model.tables.audit_log, [row["id"] for row in rows]) if extended else None
    app = civicflow()
    return Presenter(app.sites, app.categories, app.residents).requests(rows, notes)


@blp.route("/<path:rest>", methods=["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"])
def elsewhere(rest: str) -> Response:
    """Any other path under /open311/v2: 404, or 405 where only the method is wrong (in this API's errors)."""
    adapter = current_app.url_map.bind_to_environ(request.environ)
    for method in ("GET", "POST"):
        try:
            endpoint, _ = adapter.match(method=method)
        except HTTPException:
            continue
        if endpoint != "open311.elsewhere":
            raise MethodNotAllowed()
    raise NotFound(f"no such Open311 resource: {rest}")


@blp.errorhandler(Exception)
def open311_error(error: Exception) -> Response:
    status, description = _status_and_description(error)
    fmt = (request.view_args or {}).get("fmt") or ("xml" if request.path.endswith(".xml") else "json")
    response = error_response(status, description, fmt if fmt in FORMATS else "json")
    if isinstance(error, HTTPException):
        response.headers.extend((k, v) for k, v in error.get_headers() if k.lower() not in ("content-type",))
    return response


def _status_and_description(error: Exception) -> tuple[int, str]:
    if isinstance(error, Open311Error):
        return error.status, error.description
    if isinstance(error, HTTPException):
        return error.code or 500, error.description or error.name
    status = next((how.status for types, how in ERROR_TABLE if isinstance(error, types)), 500)
    if status >= 500:  # the store's or our own trouble: no detail for the client, all of it in the log
        if status == 500:
            log.exception(json.dumps({"event": "unhandled-error", "request_id": g.get("request_id")}))
        return status, "the service is unavailable; retry later" if status == 503 else "an unexpected error"
    return (400 if status == 422 else status), str(error)
