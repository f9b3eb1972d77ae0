"""One error shape for everything: RFC 9457 problem+json, and the one place that maps errors to HTTP."""

from __future__ import annotations

import http
import logging
import re
from typing import Any, NamedTuple

import sqlalchemy.exc as sa
from eventsourcing.persistence import InterfaceError, OperationalError
from flask import Flask, Response, g, json
from werkzeug.exceptions import HTTPException

from application.commands.dispatch import AutoDispatchUnavailable, NoEligibleVolunteer
from application.errors import (AlreadyExists, ConcurrencyConflict, IdempotencyKeyReused, NotFound,
                                StoreUnavailable, UnknownReference, VersionMismatch)
from application.policy import OutsideJurisdiction
from application.tokens import InvalidTokenRequest
from domain.base import DomainError, InvalidTransition
from domain.door_codes import DoorCodeExpired, DoorCodeLocked, DoorCodeUsed, WrongDoorCode
from domain.order import AlreadyEscalated, NotAcceptor, NotAssignee
from domain.team import AlreadyMember
from domain.volunteer import AlreadyTeamMember
from projections.reads.queries import InvalidCursor
from projections.views.runner import ViewsDamaged

# A relative reference (RFC 9457 §3.1.1: resolved against the response's URL): this server explains each type
# at /problems/<slug> (interfaces/web/problem_pages.py), whatever host a client reached it by.
PROBLEM_TYPES = "/problems/"
PROBLEM_JSON = "application/problem+json"
RETRY_AFTER_SECONDS = "2"
# RFC 9110's names where Python 3.11's HTTPStatus still has RFC 7231's (Python 3.13 renamed these four).
RFC_9110_TITLES = {413: "Content Too Large", 414: "URI Too Long", 416: "Range Not Satisfiable",
                   422: "Unprocessable Content"}
log = logging.getLogger("civicflow.http")

CONFLICTS = (ConcurrencyConflict, AlreadyExists, AlreadyMember, AlreadyTeamMember, AlreadyEscalated)
STORE_ERRORS = (StoreUnavailable, OperationalError, InterfaceError, sa.OperationalError, sa.InterfaceError,
                sa.TimeoutError)


def title_for(status: int) -> str:
    """The one title a status has in every problem (RFC 9110's reason phrase)."""
    if status in RFC_9110_TITLES:
        return RFC_9110_TITLES[status]
    try:
        return http.HTTPStatus(status).phrase
    except ValueError:  # a status no RFC names
        return "Server Error" if status >= 500 else "Client Error"


def slug_for(status: int) -> str:
    """The type of a problem that says no more than its status: 422 → "unprocessable-content"."""
    return re.sub(r"[^a-z0-9]+", "-", title_for(status).lower()).strip("-")


def problem_body(status: int, slug: str, detail: str, errors: dict[str, list[str]] | None = None) -> dict[str, Any]:
    """The problem document itself, without Flask (gunicorn's own errors are answered with it too)."""
    body: dict[str, Any] = {"type": PROBLEM_TYPES + slug, "title": title_for(status), "status": status,
                            "detail": detail}
    if errors is not None:
        body["errors"] = errors
    return body


def problem(status: int, slug: str, *, detail: str, errors: dict[str, list[str]] | None = None,
            headers: dict[str, str] | None = None) -> Response:
    """A problem response; its title comes from the status (title_for), so no status has two."""
    body = problem_body(status, slug, detail, errors)
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
    detail = data.get("message") or error.description or title_for(status)
    if errors is not None and status in (400, 422):
        detail = "the body is not valid JSON" if status == 400 else "the request has invalid or unknown fields"
    return problem(status, slug_for(status), detail=detail, errors=errors, headers=headers)


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


class Answer(NamedTuple):
    status: int
    slug: str
    field: str | None = None  # a 422's field, when the error does not name one itself


# Read top to bottom: the first row whose exception types match answers. Domain rules come last.
ERROR_TABLE: list[tuple[tuple[type[Exception], ...], Answer]] = [
    ((NotFound,), Answer(404, "not-found")),
    ((UnknownReference,), Answer(422, "invalid-request")),
    ((IdempotencyKeyReused,), Answer(422, "idempotency-key-reused", "Idempotency-Key")),
    ((InvalidCursor,), Answer(422, "invalid-request", "cursor")),
    ((AutoDispatchUnavailable,), Answer(422, "invalid-request", "auto")),
    ((VersionMismatch,), Answer(412, "stale-version")),
    ((InvalidTransition,), Answer(409, "invalid-transition")),
    ((NoEligibleVolunteer,), Answer(409, "no-eligible-volunteer")),
    (CONFLICTS, Answer(409, "conflict")),
    ((NotAssignee, NotAcceptor, OutsideJurisdiction), Answer(403, "forbidden")),
    ((DoorCodeLocked,), Answer(422, "door-code-locked")),  # the fifth wrong try too (it is both)
    ((WrongDoorCode,), Answer(422, "wrong-door-code")),
    ((DoorCodeExpired,), Answer(422, "door-code-expired")),
    ((DoorCodeUsed,), Answer(422, "door-code-used")),
    ((ViewsDamaged,), Answer(503, "views-damaged")),
    (STORE_ERRORS, Answer(503, "store-unavailable")),
    ((DomainError, InvalidTokenRequest), Answer(422, "rule-violated")),
]
UNEXPECTED = Answer(500, "internal-error")


def answer(error: Exception, how: Answer) -> Response:
    if how.slug == "views-damaged":
        return problem(503, how.slug, detail=str(error))
    if how.status == 503:  # the driver's message is no client's business: say when to come back
        return problem(503, how.slug, detail="the store is busy or unreachable; retry",
                       headers={"Retry-After": RETRY_AFTER_SECONDS})
    if how.status == 422:
        name = how.field or getattr(error, "field", None) or "_schema"  # domain errors name their field
        return problem(422, how.slug, detail=str(error), errors={name: [str(error)]})
    return problem(how.status, how.slug, detail=str(error))


def from_application_error(error: Exception) -> Response:
    for types, how in ERROR_TABLE:
        if isinstance(error, types):
            return answer(error, how)
    log.exception(json.dumps({"event": "unhandled-error", "request_id": g.get("request_id")}))
    return problem(UNEXPECTED.status, UNEXPECTED.slug, detail="an unexpected error occurred")


def register_error_handlers(app: Flask) -> None:
    app.register_error_handler(HTTPException, from_http_exception)
    app.register_error_handler(Exception, from_application_error)
