"""Around every request: a request id, the body's size and type checked, metrics, one structured log line."""

from __future__ import annotations

import json
import logging
import re
import sys
import time
import uuid

from flask import Flask, Response, current_app, g, request
from werkzeug.exceptions import UnsupportedMediaType

from interfaces.web.body import BoundedBody, refusal_of

MAX_BODY_BYTES = 64 * 1024
REQUEST_ID = "X-Request-ID"
CLIENT_ID_PATTERN = re.compile(r"^[A-Za-z0-9._-]{1,128}$")
FORM_PATHS = ("/console/", "/open311/")  # url-encoded bodies: the console's forms (CSRF-checked), Open311 POSTs
log = logging.getLogger("civicflow.http")


def begin_request() -> None:
    offered = request.headers.get(REQUEST_ID, "")
    g.request_id = offered if CLIENT_ID_PATTERN.match(offered) else uuid.uuid4().hex
    g.started = time.perf_counter()
    refusal = refusal_of(request.environ)
    if refusal is not None:
        raise refusal
    if request.method in ("POST", "PUT", "PATCH"):
        check_body()


def check_body() -> None:
    """A body that is not JSON → 415 (an empty body is an empty command). Its size was checked by BoundedBody,
    which also turned a chunked body into one with a Content-Length."""
    if request.content_length and not request.is_json and not request.path.startswith(FORM_PATHS):
        raise UnsupportedMediaType(f"send application/json, not {request.mimetype or 'no content type'}")


def end_request(response: Response) -> Response:
    request_id = g.get("request_id") or uuid.uuid4().hex
    response.headers[REQUEST_ID] = request_id
    route = request.url_rule.rule if request.url_rule is not None else "unmatched"
    seconds = time.perf_counter() - g.get("started", time.perf_counter())
    current_app.extensions["civicflow.metrics"].observe(route, request.method, response.status_code, seconds)
    principal = g.get("principal")
    log.info(json.dumps({"event": "request", "request_id": request_id, "method": request.method,
                         "path": request.path, "route": route, "status": response.status_code,
                         "ms": round(seconds * 1000, 2), "actor": principal.actor if principal else None},
                        ensure_ascii=False))
    return response


def configure_logging() -> None:
    """JSON lines on stderr, once per process (gunicorn collects stderr)."""
    if not log.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(message)s"))
        log.addHandler(handler)
        log.setLevel(logging.INFO)
        log.propagate = False


def install(app: Flask) -> None:
    configure_logging()
    app.wsgi_app = BoundedBody(app.wsgi_app, MAX_BODY_BYTES)  # type: ignore[method-assign]
    app.before_request(begin_request)
    app.after_request(end_request)
