"""The flask-smorest Api: OpenAPI 3.1, problem+json for every documented error, bearer auth, headers."""

from __future__ import annotations

import http
import re
from typing import Any

from apispec import BasePlugin
from flask import Flask, url_for
from flask_smorest import Api
from flask_smorest.utils import prepare_response
from werkzeug.exceptions import HTTPException

from interfaces.web.blueprints import API_PREFIX
from interfaces.web.docs_page import SWAGGER_UI_SETTINGS, ExamplesPlugin, install_assets, swagger_ui_page
from interfaces.web.problems import PROBLEM_JSON, from_http_exception
from interfaces.web.schemas_out import Problem

READ_ERRORS = (401, 403, 404, 422, 503)
WRITE_ERRORS = (400, 401, 403, 404, 409, 412, 413, 415, 422, 503)
REQUEST_HEADERS = [
    {"in": "header", "name": "Idempotency-Key", "required": False, "schema": {"type": "string", "minLength": 1, "maxLength": 200, "pattern": "^[!-~]+$"},
     "description": "Same key and body from the same principal → the first response, nothing written; "
                    "same key, other body → 422; a concurrent duplicate → 409."},
    {"in": "header", "name": "If-Match", "required": False, "schema": {"type": "string"},
     "description": 'The object\'s ETag ("<version>"): the command applies only at that version, else 412.'},
]
RESPONSE_HEADERS = {
    "ETag": {"description": 'The object\'s version, `"<version>"`', "schema": {"type": "string"}},
    "Location": {"description": "The new object's URL (201 only)", "schema": {"type": "string"}},
    "X-Request-ID": {"description": "The request's id, also in the server's logs", "schema": {"type": "string"}},
}


ERROR_HEADERS = {
    401: {"headers": {"WWW-Authenticate": {"required": True, "schema": {"type": "string"},
                                           "description": 'Bearer realm="civicflow"'}}},
    405: {"headers": {"Allow": {"required": True, "schema": {"type": "string"},
                                "description": "The methods the route allows"}}},
    503: {"headers": {"Retry-After": {"required": True, "schema": {"type": "string"},
                                      "description": "Seconds to wait before retrying"}}},
}


class CivicFlowApi(Api):
    ERROR_SCHEMA = Problem

    def _register_error_handlers(self) -> None:
        self._app.register_error_handler(HTTPException, from_http_exception)

    def _openapi_swagger_ui(self) -> Any:
        """/docs: flask-smorest's route and settings, with a page whose script is a served file (docs_page.py)."""
        return swagger_ui_page(self._swagger_ui_url, url_for(f"{self._make_doc_blueprint_name()}.openapi_json"))

    def _register_responses(self) -> None:
        """Every error response is documented as application/problem+json (RFC 9457)."""
        for status in http.HTTPStatus:
            if status >= 400:
                response = {"description": status.phrase, "schema": Problem, **ERROR_HEADERS.get(status, {})}
                prepare_response(response, self.spec, PROBLEM_JSON)
                self.spec.components.response(status.name, response, lazy=True)
        response = {"description": "Any other error", "schema": Problem}
        prepare_response(response, self.spec, PROBLEM_JSON)
        self.spec.components.response("DEFAULT_ERROR", response, lazy=True)


class ContractPlugin(BasePlugin):
    """Adds to every /api/v1 operation what DESIGN §8 says of all of them: auth, headers, error responses."""

    def operation_helper(self, path: str | None = None, operations: dict[str, Any] | None = None,
                         **kwargs: Any) -> None:
        if not path or not path.startswith(API_PREFIX):
            return
        for method, operation in (operations or {}).items():
            operation["operationId"] = operation_id(method, path)
            operation["security"] = [{"bearerAuth": []}]
            writes = method == "post"
            if writes:
                operation.setdefault("parameters", []).extend(REQUEST_HEADERS)
            for code in WRITE_ERRORS if writes else READ_ERRORS:
                if code not in operation["responses"] and str(code) not in operation["responses"]:
                    operation["responses"][code] = http.HTTPStatus(code).name
            for code, response in operation["responses"].items():
                if str(code).startswith("2") and isinstance(response, dict):
                    response.setdefault("headers", {}).update(_headers_for(str(code), writes or path.endswith("}")))


def operation_id(method: str, path: str) -> str:
    """`post_orders_order_id_dispatch`: stable ids, so that links can name the operation they lead to."""
    words = path.removeprefix(API_PREFIX).replace("{", "").replace("}", "").strip("/").replace("/", "_")
    return f"{method}_{words or 'root'}"


OBJECT_ROUTE = re.compile(rf"^{re.escape(API_PREFIX)}/(?P<collection>\w+)/\{{(?P<key>\w+)\}}(?:/(?P<verb>\w+))?$")


def link_workflows(paths: dict[str, Any]) -> None:
    """What a client can do next with the object a command answered: every operation on that object's routes,
    as OpenAPI links on each command's 2xx responses (followed by integrators and the stateful contract tests).
    Read off the documented routes, so a new command is linked without being listed anywhere."""
    follow_ups: dict[str, dict[str, Any]] = {}
    for path, operations in paths.items():
        if route := OBJECT_ROUTE.match(path):
            collection, key, verb = route["collection"], route["key"], route["verb"]
            for method in (m for m in ("get", "post") if m in operations):
                follow_ups.setdefault(collection, {})[f"{method}_{verb or collection[:-1]}"] = {
                    "operationId": operation_id(method, path), "parameters": {key: "$response.body#/id"}}
    for path, operations in paths.items():
        links = follow_ups.get(path.removeprefix(API_PREFIX).strip("/").split("/")[0])
        if links is None or "post" not in operations:
            continue
        for code, response in operations["post"]["responses"].items():
            if str(code).startswith("2") and isinstance(response, dict):
                response["links"] = dict(links)


def _headers_for(code: str, is_object: bool) -> dict[str, Any]:
    names = ["X-Request-ID", *(["ETag"] if is_object else []), *(["Location"] if code == "201" else [])]
    return {name: RESPONSE_HEADERS[name] for name in names}


def create_api(app: Flask) -> CivicFlowApi:
    app.config.update({
        "API_TITLE": "civicflow", "API_VERSION": "v1", "OPENAPI_VERSION": "3.1.0", "OPENAPI_URL_PREFIX": "/",
        "OPENAPI_JSON_PATH": "openapi.json", **SWAGGER_UI_SETTINGS,
        "API_SPEC_OPTIONS": {
            "info": {"description": "点单 → 派单 → 接单 → 评单: the order workflow of community volunteer service. "
                                    "Errors are application/problem+json (RFC 9457)."},
            "components": {"securitySchemes": {"bearerAuth": {
                "type": "http", "scheme": "bearer",
                "description": "A token from `civicflow tokens create` (in /docs: \"Authorize\", then \"Try it out\")"}}},
        },
    })
    api = CivicFlowApi(app, spec_kwargs={"extra_plugins": [ContractPlugin(), ExamplesPlugin()]})
    install_assets(app)
    return api
