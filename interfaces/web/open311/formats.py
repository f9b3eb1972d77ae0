"""The two formats of GeoReport v2: JSON (orjson: a page of 1,000 requests in a quarter of a millisecond, where
json.dumps took 4–9 ms), and XML written as text with the standard library's escaping (xml.etree built ~17,000
elements for such a page in 80 ms or more; the text is the same as ElementTree.tostring's), a list's items named as
the spec names them; and its errors, `[{"code", "description"}]` / `<errors><error>…`."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from xml.sax.saxutils import escape

import orjson
from flask import Response

FORMATS = ("json", "xml")
JSON_TYPE, XML_TYPE = "application/json; charset=utf-8", "text/xml; charset=utf-8"
ITEM_NAMES = {"services": "service", "service_requests": "request", "attributes": "attribute", "values": "value",
              "errors": "error", "endpoints": "endpoint", "formats": "format", "notes": "note",
              "escalations": "escalation", "keywords": "keyword"}


class Open311Error(Exception):
    """A client's mistake, answered with its HTTP status as the error's code."""

    def __init__(self, status: int, description: str):
        super().__init__(description)
        self.status, self.description = status, description


def respond(data: Any, fmt: str, root: str, status: int = 200) -> Response:
    """`data` as JSON, or as XML under `root` (a list's items named by ITEM_NAMES[root])."""
    if fmt == "xml":
        parts = ['<?xml version="1.0" encoding="utf-8"?>']
        _write(parts, root, data)
        return Response("".join(parts), status, content_type=XML_TYPE)
    body = orjson.dumps(data, default=_plain, option=orjson.OPT_PASSTHROUGH_DATETIME)  # datetimes: w3c, below
    return Response(body, status, content_type=JSON_TYPE)


def error_response(status: int, description: str, fmt: str) -> Response:
    return respond([{"code": status, "description": description}], fmt, "errors", status)


def _write(parts: list[str], tag: str, value: Any) -> None:
    """`<tag>…</tag>` onto parts: a dict's items as elements, a list's as ITEM_NAMES[tag], None or "" as `<tag />`
    (as ElementTree writes them)."""
    if isinstance(value, dict) and value:
        parts.append(f"<{tag}>")
        for key, inner in value.items():
            if isinstance(inner, str):  # most of a request's fields: written here, without a call per field
                parts.append(f"<{key}>{escape(inner)}</{key}>" if inner else f"<{key} />")
            else:
                _write(parts, key, inner)
        parts.append(f"</{tag}>")
    elif isinstance(value, list) and value:
        item = ITEM_NAMES.get(tag, "item")
        parts.append(f"<{tag}>")
        for inner in value:
            _write(parts, item, inner)
        parts.append(f"</{tag}>")
    else:
        text = "" if value is None or isinstance(value, (dict, list)) else _text(value)
        parts.append(f"<{tag}>{escape(text)}</{tag}>" if text else f"<{tag} />")


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return _plain(value) if isinstance(value, datetime) else str(value)


def _plain(value: Any) -> str:
    if isinstance(value, datetime):
        return w3c(value)
    raise TypeError(f"{type(value).__name__} is not JSON")


def w3c(value: datetime) -> str:
    """W3C date-time with its offset, to the second (2010-04-14T06:37:38+00:00)."""
    return value.isoformat(timespec="seconds")
