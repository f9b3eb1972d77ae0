"""Settings read once from the environment (CIVICFLOW_*), with the defaults of DESIGN §5 and §10."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from application.persistence.store import DEFAULT_VAR_DIR, StoreLocation


@dataclass(frozen=True)
class Deadlines:
    """接诉即办: how long each stage may take (urgent orders shorter)."""

    dispatch: timedelta = timedelta(hours=2)
    dispatch_urgent: timedelta = timedelta(minutes=30)
    accept: timedelta = timedelta(hours=1)
    complete: timedelta = timedelta(days=7)
    complete_urgent: timedelta = timedelta(hours=24)
    review: timedelta = timedelta(days=7)

    def dispatch_by(self, placed_at: datetime, priority: str) -> datetime:
        return placed_at + (self.dispatch_urgent if priority == "urgent" else self.dispatch)

    def complete_by(self, placed_at: datetime, priority: str, window_end: datetime | None) -> datetime:
        if window_end is not None:
            return window_end
        return placed_at + (self.complete_urgent if priority == "urgent" else self.complete)

    def accept_by(self, dispatched_at: datetime) -> datetime:
        return dispatched_at + self.accept

    def review_by(self, completed_at: datetime) -> datetime:
        return completed_at + self.review

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Deadlines:
        def minutes(name: str, default: timedelta) -> timedelta:
            value = env.get(f"CIVICFLOW_DEADLINE_{name}_MINUTES")
            return timedelta(minutes=int(value)) if value else default

        base = cls()
        return cls(**{name: minutes(name.upper(), getattr(base, name)) for name in base.__dataclass_fields__})


@dataclass(frozen=True)
class Settings:
    database_url: str | None = None
    var_dir: Path = DEFAULT_VAR_DIR
    service_tolerance: timedelta = timedelta(minutes=15)
    deadlines: Deadlines = field(default_factory=Deadlines)
    aggregate_cache_size: int = 10_000
    auto_dispatch: bool = False  # supervise re-dispatches expired orders automatically
    volunteer_sees_resident_for: timedelta = timedelta(days=7)  # after completing the order (DESIGN §7)
    open311_jurisdiction: str = "shijingshan"  # the one jurisdiction_id Open311 clients may name (DESIGN §15)
    webhooks_allow_private: bool = False  # webhook URLs may point at loopback/private addresses (tests, DESIGN §16)
    public_url: str | None = None  # where the public verify page is reached (certificates' QR codes, DESIGN §17)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        return cls(
            database_url=env.get("CIVICFLOW_DATABASE_URL") or None,
            var_dir=Path(env.get("CIVICFLOW_VAR_DIR", str(DEFAULT_VAR_DIR))),
            service_tolerance=timedelta(minutes=int(env.get("CIVICFLOW_SERVICE_TOLERANCE_MINUTES", "15"))),
            deadlines=Deadlines.from_env(env),
            aggregate_cache_size=int(env.get("CIVICFLOW_AGGREGATE_CACHE_SIZE", "10000")),
            auto_dispatch=env.get("CIVICFLOW_AUTO_DISPATCH", "").lower() in ("1", "true", "yes", "on"),
            volunteer_sees_resident_for=timedelta(days=int(env.get("CIVICFLOW_VOLUNTEER_ACCESS_DAYS", "7"))),
            open311_jurisdiction=env.get("CIVICFLOW_OPEN311_JURISDICTION") or "shijingshan",
            webhooks_allow_private=_flag(env.get("CIVICFLOW_WEBHOOKS_ALLOW_PRIVATE")),
            public_url=env.get("CIVICFLOW_PUBLIC_URL") or None,
        )

    @property
    def store(self) -> StoreLocation:
        return StoreLocation.parse(self.database_url, self.var_dir)


def _flag(value: str | None) -> bool:
    return (value or "").lower() in ("1", "true", "yes", "on")
