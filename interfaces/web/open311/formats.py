"""The two formats of GeoReport v2: JSON, and XML built with xml.etree (a list's items named as the spec names
them); and its errors, `[{"code", "description"}]` / `<errors><error>…`."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any
from xml.etree import ElementTree

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
        element = _element(root, data)
        body = ElementTree.tostring(element, encoding="unicode", xml_declaration=False)
        return Response('<?xml version="1.0" encoding="utf-8"?>' + body, status, content_type=XML_TYPE)
    return Response(json.dumps(data, ensure_ascii=False, default=_plain), status, content_type=JSON_TYPE)


def error_response(status: int, description: str, fmt: str) -> Response:
    return respond([{"code": status, "description": description}], fmt, "errors", status)


def _element(tag: str, value: Any) -> ElementTree.Element:
    element = ElementTree.Element(tag)
    if isinstance(value, dict):
        element.extend(_element(key, inner) for key, inner in value.items())
    elif isinstance(value, list):
        element.extend(_element(ITEM_NAMES.get(tag, "item"), inner) for inner in value)
    elif value is not None:
        element.text = _text(value)
    return element


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
    return value.replace(microsecond=0).isoformat()
