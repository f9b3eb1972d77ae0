"""The command path shared by every POST: If-Match → expected version, Idempotency-Key, ETag, Location."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from flask import g, request
from flask_smorest import abort
from werkzeug.exceptions import PreconditionFailed

from application.idempotency import CommandResult
from interfaces.web.context import civicflow

IDEMPOTENCY_KEY = "Idempotency-Key"
KEY_PATTERN = re.compile(r"^[\x21-\x7e]{1,200}$")  # visible ASCII: keys are opaque client tokens


STRONG_TAG = re.compile(r'^"([0-9]{1,12})"$')


def if_match() -> int | None:
    """`If-Match: "<version>"` → the version the caller expects. If-Match compares strongly (RFC 9110
    §13.1.1): a weak tag (W/"1") or any tag this API never issued cannot match (412). The request's other
    headers are checked first, so a malformed Idempotency-Key is reported as such (422)."""
    idempotency_key()
    header = request.headers.get("If-Match")
    if header is None or header.strip() == "*":
        return None
    tag = STRONG_TAG.match(header.strip())
    if tag is None:
        raise PreconditionFailed(f"If-Match {header!r} is not a strong tag this API issued (\"<version>\")")
    return int(tag.group(1))


def idempotency_key() -> str | None:
    key = request.headers.get(IDEMPOTENCY_KEY)
    if key is not None and not KEY_PATTERN.match(key):
        abort(422, message="invalid Idempotency-Key",
              errors={IDEMPOTENCY_KEY: ["must be 1 to 200 visible ASCII characters"]})
    return key


def run(command: Callable[..., CommandResult], *args: Any, **kwargs: Any) -> CommandResult:
    """Call an application command as the current principal, with the request's idempotency key."""
    return command(*args, actor=g.principal.actor, idempotency_key=idempotency_key(), **kwargs)


def answer(kind: type, result: CommandResult, view: Callable[[Any], dict[str, Any]], *,
           location: str | None = None) -> tuple[dict[str, Any], int, dict[str, str]]:
    """The response is built from the aggregate at the version the command produced (or recorded, on a replay)."""
    aggregate = result.aggregate if isinstance(result.aggregate, kind) else None  # as saved: no read back
    if aggregate is None:
        aggregate = civicflow().find(kind, result.id)
    if aggregate is None or aggregate.version != result.version:  # a replay, or a later command got in first
        aggregate = civicflow().find(kind, result.id, version=result.version)
    headers = {"ETag": etag(aggregate.version)}
    if location is not None:
        headers["Location"] = location
    return view(aggregate), 201 if location else 200, headers


def etag(version: int) -> str:
    return f'"{version}"'
