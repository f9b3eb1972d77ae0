"""The district's reference data, bundled with the package: sites and the service catalogue."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from typing import Any


@dataclass(frozen=True)
class Category:
    code: str
    name: str
    name_zh: str
    home_service: bool
    typical_minutes: int


def _load(name: str) -> dict[str, Any]:
    return json.loads(files("application").joinpath("data", name).read_text(encoding="utf-8"))


@cache
def bundled_sites() -> tuple[dict[str, Any], ...]:
    """The 187 sites of Shijingshan, parents before children."""
    return tuple(_load("shijingshan_sites.json")["sites"])


@cache
def catalogue() -> dict[str, Category]:
    return {c["code"]: Category(**c) for c in _load("service_categories.json")["categories"]}
