"""Request bodies parsed as strict JSON (RFC 8259): what json.loads would accept but no store can keep, or
what would exhaust the parser, is the client's error (400/422), never a RecursionError or ValueError (500)."""

from __future__ import annotations

import json
from typing import Any

from flask_smorest import abort

MAX_DEPTH = 32  # the deepest command body is 3 levels; json.loads itself fails near 1,000
MAX_DIGITS = 20  # every number of the API fits in 64 bits; Python refuses to convert past 4,300 digits
NO_SUCH_NUMBER = "a number JSON does not have"


def parse_json_body(data: bytes) -> Any:
    """The body as JSON values, or a 400 (not JSON) / 422 (text no store can keep) problem."""
    try:
        value = json.loads(data.decode("utf-8"), parse_int=_bounded_int, parse_float=_finite_float,
                           parse_constant=_no_constant)
    except UnicodeDecodeError as error:
        abort(400, message=f"the body is not UTF-8 (byte {error.start})")
    except RecursionError:
        abort(400, message=f"the body is nested deeper than {MAX_DEPTH} levels")
    except ValueError as error:  # json.JSONDecodeError, and the refusals below
        abort(400, message=f"the body is not valid JSON: {error}")
    check_shape(value)
    return value


def _bounded_int(text: str) -> int:
    if len(text.lstrip("-")) > MAX_DIGITS:
        raise ValueError(f"a number of {len(text)} digits (at most {MAX_DIGITS})")
    return int(text)


def _finite_float(text: str) -> float:
    number = float(text)
    if number in (float("inf"), float("-inf")):
        raise ValueError(f"{NO_SUCH_NUMBER} ({text[:20]})")
    return number


def _no_constant(text: str) -> float:
    raise ValueError(f"{NO_SUCH_NUMBER} ({text})")


def check_shape(value: Any) -> None:
    """Depth and text, walked without recursion: a lone surrogate (\\ud800) decodes in Python but is no
    Unicode character, so no UTF-8 store (nor a problem body naming it) can hold it."""
    bad: dict[str, list[str]] = {}
    stack: list[tuple[str, Any, int]] = [("", value, 1)]
    while stack:
        path, item, depth = stack.pop()
        if depth > MAX_DEPTH:
            abort(400, message=f"the body is nested deeper than {MAX_DEPTH} levels")
        if isinstance(item, str) and not _is_unicode(item):
            bad[path or "_schema"] = ["not valid Unicode text (a lone surrogate)"]
        elif isinstance(item, dict):
            for key, inner in item.items():
                name = f"{path}.{printable(key)}" if path else printable(key)
                if not _is_unicode(key):
                    bad[name] = ["not valid Unicode text (a lone surrogate in the field name)"]
                stack.append((name, inner, depth + 1))
        elif isinstance(item, list):
            stack.extend((f"{path}.{index}" if path else str(index), inner, depth + 1)
                         for index, inner in enumerate(item))
    if bad:
        abort(422, message="the request has text that is not valid Unicode", errors=bad)


def _is_unicode(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def printable(text: str) -> str:
    """The text as it can be shown: a lone surrogate written as its JSON escape."""
    if _is_unicode(text):
        return text
    return "".join(c if _is_unicode(c) else f"\\u{ord(c):04x}" for c in text)
