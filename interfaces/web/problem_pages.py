"""/problems/<slug>: what each problem `type` means and what the client should do — the pages the types point at.

A problem's `type` is the relative reference "/problems/<slug>" (interfaces/web/problems.py). The types that say
no more than their status ("not-found", "unprocessable-content", ...) have a page for every HTTP error status;
the others are explained below, one by one. No token is needed: a client that is refused must be able to read why.
"""

from __future__ import annotations

import functools
import http
import re

from flask import Blueprint, Response
from markupsafe import escape
from werkzeug.exceptions import NotFound

from interfaces.web.problems import PROBLEM_TYPES, slug_for, title_for

blp = Blueprint("problem_pages", __name__)

# The types that say more than their status: slug → (title, what happened, what to do).
EXPLAINED: dict[str, tuple[str, str, str]] = {
    "invalid-request": ("Invalid request", "A value in the request names something that does not exist (a site, "
                        "category, volunteer or team), or a parameter such as `cursor` or `auto` cannot be used as "
                        "sent. `errors` names the field.", "Correct the field named in `errors` and send again; "
                        "the same request will fail the same way."),
    "idempotency-key-reused": ("Idempotency key reused", "You already used this `Idempotency-Key` with a different "
                               "request body. A key stands for one request.", "Use a new key for a new request. To "
                               "retry the first request, send exactly its body again with the same key."),
    "rule-violated": ("Rule violated", "The request is well formed but breaks a rule of the service: service minutes "
                      "out of range, a rating outside 1 to 5, a volunteer without the category's skill, a token that "
                      "does not fit its role. `errors` names the field.", "Change the value named in `errors`."),
    "stale-version": ("Stale version", "The version in `If-Match` is not the object's current version: it changed "
                      "after you read it.", "GET the object again, check that your command still makes sense, and "
                      "send it with the new `ETag` in `If-Match`."),
    "invalid-transition": ("Invalid transition", "The order's status does not allow this command (for example, "
                           "starting an order nobody has accepted).", "GET the order and its `history`, then send a "
                           "command that fits its status. Retrying unchanged will not help."),
    "no-eligible-volunteer": ("No eligible volunteer", "Auto-dispatch found nobody near the order's site with the "
                              "category's skill who is available, not suspended and under capacity.",
                              "Dispatch to a named volunteer or team, or try auto-dispatch again later."),
    "wrong-door-code": ("Wrong door code", "The `door_code` is not the order's code for this step (the start code "
                        "to start, the completion code to complete). The wrong try is recorded; after 5 the code is "
                        "locked.", "Ask the resident to read the code again from the channel's app or the hotline, "
                        "or send the command without `door_code`: the service is then declared, not confirmed."),
    "door-code-locked": ("Door code locked", "This door code had 5 wrong tries and is locked: it confirms nothing "
                         "any more.", "Send the command without `door_code` (the service is declared); a dispatcher "
                         "may confirm the service later with `POST /api/v1/orders/{id}/confirm-service`."),
    "door-code-expired": ("Door code expired", "The order's door codes expire at its `complete_by` deadline, and it "
                          "has passed.", "Send the command without `door_code` (the service is declared); a "
                          "dispatcher may confirm it later with a reason."),
    "door-code-used": ("Door code used", "This one-time door code was used already.",
                       "Send the command without `door_code`, or the other code if this is the other step."),
    "store-unavailable": ("Store unavailable", "The event store is busy (a lock timed out) or unreachable.",
                          "Retry after the seconds in `Retry-After`. Send commands with an `Idempotency-Key`: if the "
                          "first attempt was recorded after all, the retry returns its result and writes nothing."),
    "views-damaged": ("Views damaged", "The read views cannot be brought up to date with the event store: a stored "
                      "event cannot be decoded, or a view's table contradicts its recorded position (someone "
                      "changed the database by hand).",
                      "Nothing you sent was written. Operators: run `civicflow audit verify` (it reads the store "
                      "itself and names the first bad position), then `civicflow projections rebuild`."),
    "not-ready": ("Not ready", "The server cannot reach its store, or its views are too far behind the store.",
                  "Send traffic to another server and ask `/readyz` again later."),
    "internal-error": ("Internal error", "The server failed unexpectedly; the failure is logged with the request id.",
                       "Retry later; if it persists, give the operators the `request_id` of the problem."),
}
# The statuses clients of this API meet, in a sentence each: (what happened, what to do).
STATUSES: dict[int, tuple[str, str]] = {
    400: ("The request could not be read: malformed JSON, or a malformed request line or header.",
          "Fix the request's syntax; sent unchanged it fails again."),
    401: ("No bearer token was sent, or it is unknown or revoked.",
          "Send `Authorization: Bearer <token>`; tokens are issued with `civicflow tokens create`."),
    403: ("Your token may not do this: the route is not for its role, the site is outside its jurisdiction, or "
          "the order is not assigned to or accepted by its volunteer.", "Use a token of a role the route allows "
          "(see `/docs`); an administrator issues them with `civicflow tokens create`."),
    404: ("There is no such resource, or there is one your token may not see (both answer alike, so that ids "
          "cannot be probed).", "Check the path and the id, and that the token is the one of the principal the "
          "object belongs to."),
    405: ("The path exists, but not with this method.", "Use one of the methods in the `Allow` header."),
    409: ("Another request changed the object at the same moment, the object already exists, or a request with "
          "the same `Idempotency-Key` is still being answered.", "GET the object and retry if the command still "
          "applies; with the same `Idempotency-Key` and body a retry is safe."),
    413: ("The body is over 64 KiB (a chunked body is counted the same).", "Send a smaller body."),
    414: ("The request line (method, path and query) is longer than the server reads.",
          "Shorten the query: page with `limit` and `cursor` rather than long filters."),
    415: ("The body is not JSON.", "Send `Content-Type: application/json` and a JSON body."),
    417: ("The server does not meet the request's `Expect` header.", "Send no `Expect` header, or `100-continue`."),
    422: ("The request has unknown fields or invalid values; `errors` maps each field to its messages.",
          "Correct the named fields; `/docs` shows each operation's schema."),
    431: ("A header, or the headers together, are larger or more numerous than the server reads.",
          "Send fewer or shorter headers."),
    501: ("The request uses a feature the server does not implement, such as a transfer coding other than chunked.",
          "Send the body with `Content-Length` or `Transfer-Encoding: chunked`."),
    503: ("The server cannot answer now.", "Retry after the seconds in `Retry-After`."),
}
PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title} — civicflow problem</title></head>
<body><h1>{title}</h1><p><code>"type": "{type}"</code></p>
<p>{meaning}</p><p><strong>What to do:</strong> {remedy}</p>
<p>Problem responses are RFC 9457 <code>application/problem+json</code>; the API is described at
<a href="/docs">/docs</a>.</p></body></html>
"""


def status_pages() -> dict[str, tuple[str, str, str]]:
    """A page for every HTTP error status, titled as its problems are."""
    pages = {}
    for status in (s for s in http.HTTPStatus if s >= 400):
        generic = ("Change the request before sending it again." if status < 500 else
                   "Retry later; if it persists, give the operators the `request_id` of the problem.")
        meaning, remedy = STATUSES.get(status, (f"HTTP status {status.value}, as RFC 9110 defines it.", generic))
        pages[slug_for(status)] = (title_for(status), meaning, remedy)
    return pages


@functools.cache
def catalogue() -> dict[str, tuple[str, str, str]]:
    """Every problem type this server explains: slug → (title, what happened, what to do)."""
    return {**status_pages(), **EXPLAINED}


def _html(text: str) -> str:
    return re.sub(r"`([^`]+)`", r"<code>\1</code>", str(escape(text)))


@blp.get(PROBLEM_TYPES + "<name>")
def explain(name: str) -> Response:
    page = catalogue().get(name)
    if page is None:
        raise NotFound(f"no problem type {name!r}: the types this server answers with are explained under "
                       f"{PROBLEM_TYPES}<slug>")
    title, meaning, remedy = page
    html = PAGE.format(title=escape(title), type=escape(PROBLEM_TYPES + name), meaning=_html(meaning),
                       remedy=_html(remedy))
    return Response(html, mimetype="text/html")
