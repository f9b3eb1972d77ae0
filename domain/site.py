"""The Site aggregate: a node of the practice network (center ← station ← post; bases under the center)."""

from __future__ import annotations

from datetime import datetime
from uuid import NAMESPACE_URL, UUID, uuid5

from domain.base import CivicAggregate, DomainError

LEVELS = ("center", "station", "post", "base")
SITE_NAMESPACE = uuid5(NAMESPACE_URL, "https://civicflow.example/site")


class InvalidSite(DomainError):
    """Site data that breaks the network's shape."""


def site_uuid(code: str) -> UUID:
    """Sites are known by stable string ids (`post-babaoshan-01`); their aggregate id derives from it."""
    return uuid5(SITE_NAMESPACE, code)


class Site(CivicAggregate):
    class Registered(CivicAggregate.Created):
        code: str
        name: str
        name_zh: str
        level: str
        parent_code: str | None
        lat: float
        lon: float

    def __init__(self, code: str, name: str, name_zh: str, level: str, parent_code: str | None,
                 lat: float, lon: float, actor: str):
        self.code = code
        self.name = name
        self.name_zh = name_zh
        self.level = level
        self.parent_code = parent_code
        self.lat = lat
        self.lon = lon

    @classmethod
    def register(cls, code: str, name: str, name_zh: str, level: str, parent_code: str | None,
                 lat: float, lon: float, *, actor: str, at: datetime) -> Site:
        if level not in LEVELS:
            raise InvalidSite(f"unknown site level {level!r}")
        if (level == "center") != (parent_code is None):
            raise InvalidSite("the center, and only the center, has no parent")
        return cls._create(cls.Registered, id=site_uuid(code), code=code, name=name, name_zh=name_zh,
                           level=level, parent_code=parent_code, lat=lat, lon=lon, actor=actor, timestamp=at)
