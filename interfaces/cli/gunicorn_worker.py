"""gunicorn's sync worker, answering what gunicorn refuses itself (a URI or header too long, a malformed request
line or header) as application/problem+json, in the shape the app's own errors have (DESIGN §7)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from ssl import SSLError
from typing import Any

from gunicorn import util
from gunicorn.http import errors
from gunicorn.http.wsgi import Response, default_environ
from gunicorn.workers.sync import SyncWorker

from interfaces.web.problems import PROBLEM_JSON, problem_body, slug_for, title_for


def _classes(*names: str) -> tuple[type[BaseException], ...]:
    """gunicorn's parse errors by name: setup.cfg allows gunicorn 23 to 27, and some appeared only lately."""
    return tuple(getattr(errors, name) for name in names if hasattr(errors, name))


# A response header the app sent wrong is the app's fault, not the client's: 500, like any app error.
APP_FAULTS = _classes("InvalidResponseHeader", "InvalidResponseHeaderName")
HEADER_ERRORS = _classes("InvalidHeader", "InvalidHeaderName")
# The status of each request gunicorn refuses while reading it, as its Worker.handle_error decides; first match.
REFUSALS: list[tuple[tuple[type[BaseException], ...], int]] = [
    (_classes("LimitRequestLine"), 414),
    (_classes("LimitRequestHeaders"), 431),
    (_classes("ExpectationFailed"), 417),
    (_classes("UnsupportedTransferCoding"), 501),
    (_classes("ConfigurationProblem"), 500),
    ((*_classes("ForbiddenProxyRequest"), SSLError), 403),
    (_classes("InvalidRequestLine", "InvalidRequestMethod", "InvalidHTTPVersion", "InvalidHeader",
              "InvalidHeaderName", "InvalidProxyLine", "InvalidSchemeHeaders", "ObsoleteFolding",
              "InvalidChunkSize", "ChunkMissingTerminator", "InvalidChunkExtension", "InvalidH2CPreface"), 400),
]
REASONS = {
    400: "the request is malformed", 414: "the request line (method, path and query) is longer than this server reads",
    431: "a header, or the headers together, are larger than this server reads",
}


def refusal_status(error: BaseException) -> int | None:
    """The status of a request gunicorn refused; None for anything else (the app's fault, or unexpected)."""
    if isinstance(error, APP_FAULTS):
        return None
    return next((status for classes, status in REFUSALS if isinstance(error, classes)), None)


def problem_document(status: int, detail: str) -> bytes:
    return json.dumps(problem_body(status, slug_for(status), detail)).encode()  # ASCII: the rest is \u-escaped


def http_response(status: int, body: bytes) -> bytes:
    head = (f"HTTP/1.1 {status} {title_for(status)}\r\nConnection: close\r\nContent-Type: {PROBLEM_JSON}\r\n"
            f"Content-Length: {len(body)}\r\n\r\n")
    return head.encode("latin-1") + body


class ProblemWorker(SyncWorker):  # type: ignore[misc]
    """`worker_class` of `civicflow serve`: a sync worker whose error answers are problem+json, logged as gunicorn
    logs them (a warning for a refused request, the traceback for anything else, and the access line)."""

    def handle_error(self, req: Any, client: Any, addr: Any, exc: BaseException) -> None:
        started, addr = datetime.now(), addr or ("", -1)  # no address on a unix socket
        refused = refusal_status(exc)
        if refused is None:
            self._log_failure(req)
            status, detail = 500, "an unexpected error occurred"  # the traceback is logged, not sent
        else:
            self.log.warning(f"Invalid request from ip={addr[0]}: {exc}")
            status, detail = refused, f"{REASONS.get(refused, title_for(refused).lower())}: {exc}"
        body = problem_document(status, detail)
        if req is None and isinstance(exc, HEADER_ERRORS):
            req = exc.req  # a bad header carries its request, for the access log (a bad request line only text)
        if req is not None:
            self._log_access(req, client, addr, status, len(body), datetime.now() - started)
        try:
            util.write_nonblock(client, http_response(status, body))
        except Exception:  # noqa: BLE001 - the client may be gone; gunicorn too only notes it
            self.log.debug("Failed to send error message.")

    def _log_failure(self, req: Any) -> None:
        if hasattr(req, "uri"):
            self.log.exception("Error handling request %s %s", getattr(req, "method", ""), req.uri)
        else:
            self.log.exception("Error handling request (no URI read)")

    def _log_access(self, req: Any, client: Any, addr: Any, status: int, length: int, took: timedelta) -> None:
        environ = default_environ(req, client, self.cfg)
        environ.update(REMOTE_ADDR=addr[0], REMOTE_PORT=str(addr[1]))
        response = Response(req, client, self.cfg)
        response.status, response.response_length = f"{status} {title_for(status)}", length
        self.log.access(response, req, environ, took)
