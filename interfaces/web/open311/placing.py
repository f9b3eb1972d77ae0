"""POST requests (form-encoded): a channel's api_key, a service code, a place (attribute[site_id], or lat/long
→ the nearest post), the resident's name and phone. Translated into the JSON API's placement, checked by its
schema, and placed by the same application command as POST /api/v1/orders."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from flask import g
from marshmallow import ValidationError

from application.tokens import TokenBook
from domain.dispatch import nearest_first
from interfaces.web import schemas_in
from interfaces.web.auth import principal_of
from interfaces.web.commands import run
from interfaces.web.context import civicflow
from interfaces.web.open311.formats import Open311Error

SERVICE_AREA_KM = 20.0  # farther than this from every post is not in the district
PLACEMENT = schemas_in.PlaceOrder()


def place(form: Mapping[str, str]) -> dict[str, Any]:
    """Place the order; answers the specification's [{service_request_id, service_notice, account_id}]."""
    principal = _channel(form.get("api_key", ""))
    body = _validated(_placement(form))
    window = (body["window"]["start"], body["window"]["end"]) if body.get("window") else None
    result = run(civicflow().place_order, body["category"], body["site_id"], body["description"],
                 body["resident"], principal.channel, body["priority"], window)
    return {"service_request_id": str(result.id), "service_notice": "已受理：将在派单期限内派给志愿者",
            "account_id": None}


def _channel(api_key: str) -> Any:
    token = TokenBook(civicflow()).authenticate(api_key.strip()) if api_key.strip() else None
    if token is None or token.role != "channel":
        raise Open311Error(403, "api_key must be a channel's token (civicflow tokens create --role channel)")
    g.principal = principal_of(token)
    return g.principal


def _placement(form: Mapping[str, str]) -> dict[str, Any]:
    code = form.get("service_code", "").strip()
    category = civicflow().categories.get(code)
    if category is None:
        raise Open311Error(400, f"unknown service_code {code!r} (see services)" if code else "service_code is required")
    window = {"start": form.get("attribute[window_start]"), "end": form.get("attribute[window_end]")}
    resident = {"name": _name(form.get("first_name", ""), form.get("last_name", "")),
                "phone": form.get("phone", "").strip(), "address": form.get("address_string") or None}
    return {"category": code, "site_id": _site(form), "description": form.get("description") or category.name_zh,
            "resident": resident, "priority": form.get("attribute[priority]") or "normal",
            **({"window": window} if any(window.values()) else {})}


def _validated(body: dict[str, Any]) -> dict[str, Any]:
    try:
        return PLACEMENT.load(body)
    except ValidationError as error:
        raise Open311Error(400, "; ".join(_texts(error.messages))) from None


def _texts(value: Any, prefix: str = "") -> list[str]:
    """Marshmallow's nested messages as `resident.phone: …` lines (names as the JSON API's body has them)."""
    if isinstance(value, dict):
        return [text for key, inner in value.items() for text in _texts(inner, f"{prefix}{key}.")]
    if isinstance(value, list):
        return [text for inner in value for text in _texts(inner, prefix)]
    return [f"{prefix.rstrip('.')}: {value}"]


def _name(first: str, last: str) -> str:
    """Chinese names are written family name first and without a space."""
    first, last = first.strip(), last.strip()
    if any("\u4e00" <= char <= "\u9fff" for char in first + last):
        return last + first
    return f"{first} {last}".strip()


def _site(form: Mapping[str, str]) -> str:
    site_id = form.get("attribute[site_id]", "").strip()
    if site_id:
        if site_id not in civicflow().sites:
            raise Open311Error(400, f"unknown attribute[site_id] {site_id!r}")
        return site_id
    if not form.get("lat") or not form.get("long"):
        raise Open311Error(400, "give a location: lat and long, or attribute[site_id]")
    return nearest_post(_degrees("lat", form["lat"], 90), _degrees("long", form["long"], 180))


def _degrees(name: str, text: str, most: float) -> float:
    try:
        value = float(text)
    except ValueError:
        raise Open311Error(400, f"{name} {text!r} is not a number of degrees") from None
    if not math.isfinite(value) or abs(value) > most:
        raise Open311Error(400, f"{name} must be between -{most:g} and {most:g}")
    return value


def nearest_post(lat: float, lon: float) -> str:
    posts = [(site.code, site.lat, site.lon) for site in civicflow().sites if site.level == "post"]
    ranked = nearest_first((lat, lon), posts)
    if not ranked or ranked[0][0] > SERVICE_AREA_KM:
        raise Open311Error(400, f"lat/long is more than {SERVICE_AREA_KM:g} km from every post of the district")
    return ranked[0][1]
