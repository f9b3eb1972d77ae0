"""Every request body is read whole, at most 64 KiB, before Flask sees it: a chunked body counts against the
same limit as a Content-Length one (Flask alone would cut it short and apply the rest), and a malformed chunk
is the client's error, not an exception inside a view."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable
from typing import Any

from werkzeug.exceptions import BadRequest, HTTPException, RequestEntityTooLarge

DRAIN_BYTES = 1024 * 1024
BODY_ERROR = "civicflow.body_error"  # the environ key that carries a refusal to the app's error handling
WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class BoundedBody:
    """WSGI middleware: the body buffered (≤ `limit` bytes) and passed on with its real Content-Length."""

    def __init__(self, app: WsgiApp, limit: int):
        self.app, self.limit = app, limit

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if _is_chunked(environ) or _declared_length(environ):
            try:
                self._buffer(environ)
            except HTTPException as refusal:
                environ[BODY_ERROR] = refusal
                _replace_body(environ, b"")
        return self.app(environ, start_response)

    def _buffer(self, environ: dict[str, Any]) -> None:
        declared = _declared_length(environ)
        if declared is not None and declared > self.limit:
            _drain(environ["wsgi.input"])
            raise RequestEntityTooLarge(f"the body is {declared} bytes; the limit is {self.limit}")
        data = _read(environ["wsgi.input"], self.limit + 1 if declared is None else declared)
        if len(data) > self.limit:
            _drain(environ["wsgi.input"])
            raise RequestEntityTooLarge(f"the body is over the limit of {self.limit} bytes")
        _replace_body(environ, data)


def _read(stream: Any, size: int) -> bytes:
    try:
        return stream.read(size)
    except Exception as error:  # the server's dechunking failed: gunicorn, werkzeug and others raise their own
        raise BadRequest(f"the body could not be read: {type(error).__name__}") from error


def _drain(stream: Any) -> None:
    """Read on (and drop) what a client still sends of a body refused as too large, up to a bound: a server that
    closes with unread bytes resets the connection, and the client may never see its 413."""
    left = DRAIN_BYTES
    while left > 0 and (piece := _read(stream, min(left, 64 * 1024))):
        left -= len(piece)


def _is_chunked(environ: dict[str, Any]) -> bool:
    return "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower()


def _declared_length(environ: dict[str, Any]) -> int | None:
    text = environ.get("CONTENT_LENGTH") or ""
    return int(text) if text.isdigit() else None


def _replace_body(environ: dict[str, Any], data: bytes) -> None:
    environ["wsgi.input"] = io.BytesIO(data)
    environ["CONTENT_LENGTH"] = str(len(data))
    environ.pop("HTTP_TRANSFER_ENCODING", None)
    environ["wsgi.input_terminated"] = False


def refusal_of(environ: dict[str, Any]) -> HTTPException | None:
    return environ.get(BODY_ERROR)
