"""One error shape for everything: RFC 9457 problem+json, and the one place that maps errors to HTTP."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import sqlalchemy.exc as sa
from eventsourcing.persistence import InterfaceError, OperationalError
from flask import Flask, Response, g, json
from werkzeug.exceptions import HTTPException

from application.dispatch import AutoDispatchUnavailable, NoEligibleVolunteer
from application.errors import (AlreadyExists, ConcurrencyConflict, IdempotencyKeyReused, NotFound,
                                StoreUnavailable, UnknownReference, VersionMismatch)
from application.tokens import InvalidTokenRequest
from domain.base import DomainError, InvalidTransition
from domain.order import AlreadyEscalated, InvalidRating, InvalidServiceMinutes, NotAcceptor, NotAssignee
from domain.team import AlreadyMember
from domain.volunteer import AlreadyTeamMember, InvalidVolunteer, MissingSkill
from projections.queries import InvalidCursor

PROBLEM_TYPES = "https://civicflow.example/problems/"
PROBLEM_JSON = "application/problem+json"
RETRY_AFTER_SECONDS = "2"
log = logging.getLogger("civicflow.http")

# Domain rules broken by a value in the request body: reported as 422 against that field.
RULE_FIELDS: dict[type[DomainError], str] = {
    InvalidServiceMinutes: "service_minutes", InvalidRating: "rating", MissingSkill: "skills",
    InvalidVolunteer: "skills",
}
CONFLICTS = (ConcurrencyConflict, AlreadyExists, AlreadyMember, AlreadyTeamMember, AlreadyEscalated)


def problem(status: int, slug: str, title: str, detail: str, *, errors: dict[str, list[str]] | None = None,
            headers: dict[str, str] | None = None) -> Response:
    body: dict[str, Any] = {"type": PROBLEM_TYPES + slug, "title": title, "status": status, "detail": detail}
    if errors is not None:
        body["errors"] = errors
    if "request_id" in g:
        body["request_id"] = g.request_id
    response = Response(json.dumps(body), status=status, mimetype=PROBLEM_JSON)
    response.headers.update(headers or {})
    return response


def from_http_exception(error: HTTPException) -> Response:
    status = error.code or 500
    headers = {k: v for k, v in error.get_headers() if k.lower() != "content-type"}
    data = getattr(error, "data", None) or {}
    headers.update(data.get("headers") or {})
    errors = flatten(data["messages"]) if "messages" in data else data.get("errors")
    detail = data.get("message") or error.description or error.name
    if errors is not None and status in (400, 422):
        detail = "the body is not valid JSON" if status == 400 else "the request has invalid or unknown fields"
    slug = error.name.lower().replace(" ", "-")
    return problem(status, slug, error.name, detail, errors=errors, headers=headers)


def flatten(messages: dict[str, Any]) -> dict[str, list[str]]:
    """webargs nests messages by location (json, query, headers); integrators want field → messages."""
    flat: dict[str, list[str]] = {}
    for location, fields in messages.items():
        items = fields.items() if isinstance(fields, dict) else [("_schema", fields)]
        for field, value in items:
            name = field if location in ("json", "query") else f"{location}.{field}"
            flat.setdefault(name, []).extend(_messages(value))
    return flat


def _messages(value: Any, prefix: str = "") -> list[str]:
    if isinstance(value, dict):
        return [m for key, inner in value.items() for m in _messages(inner, f"{prefix}{key}: ")]
    if isinstance(value, list):
        return [m for inner in value for m in _messages(inner, prefix)]
    return [f"{prefix}{value}"]


def _invalid(field: str | None = None, slug: str = "invalid-request") -> Callable[[Exception], Response]:
    def respond(error: Exception) -> Response:
        name = field or getattr(error, "field", None) or RULE_FIELDS.get(type(error), "_schema")
        return problem(422, slug, "Unprocessable Content", str(error), errors={name: [str(error)]})
    return respond


def _store_unavailable(error: Exception) -> Response:
    return problem(503, "store-unavailable", "Service Unavailable", "the store is busy or unreachable; retry",
                   headers={"Retry-After": RETRY_AFTER_SECONDS})


# Read top to bottom: the first row whose exception types match answers. Domain rules come last.
ERROR_TABLE: list[tuple[tuple[type[Exception], ...], Callable[[Exception], Response]]] = [
    ((NotFound,), lambda e: problem(404, "not-found", "Not Found", str(e))),
    ((UnknownReference,), _invalid()),
    ((IdempotencyKeyReused,), _invalid("Idempotency-Key", "idempotency-key-reused")),
    ((InvalidCursor,), _invalid("cursor")),
    ((AutoDispatchUnavailable,), _invalid("auto")),
    ((VersionMismatch,), lambda e: problem(412, "stale-version", "Precondition Failed", str(e))),
    ((InvalidTransition,), lambda e: problem(409, "invalid-transition", "Conflict", str(e))),
    ((NoEligibleVolunteer,), lambda e: problem(409, "no-eligible-volunteer", "Conflict", str(e))),
    (CONFLICTS, lambda e: problem(409, "conflict", "Conflict", str(e))),
    ((NotAssignee, NotAcceptor), lambda e: problem(403, "forbidden", "Forbidden", str(e))),
    ((StoreUnavailable, OperationalError, InterfaceError, sa.OperationalError, sa.InterfaceError, sa.TimeoutError),
     _store_unavailable),
    ((DomainError, InvalidTokenRequest), _invalid(slug="rule-violated")),
]


def from_application_error(error: Exception) -> Response:
    for types, respond in ERROR_TABLE:
        if isinstance(error, types):
            return respond(error)
    log.exception(json.dumps({"event": "unhandled-error", "request_id": g.get("request_id")}))
    return problem(500, "internal-error", "Internal Server Error", "an unexpected error occurred")


def register_error_handlers(app: Flask) -> None:
    app.register_error_handler(HTTPException, from_http_exception)
    app.register_error_handler(Exception, from_application_error)
