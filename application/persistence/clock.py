"""The clock is injected so that tests, replays and `supervise --now` never depend on the wall clock."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(timezone.utc)


class ManualClock:
    """A clock that only moves when told to: for tests and for evaluating deadlines at a given instant."""

    def __init__(self, start: datetime):
        if start.tzinfo is None:
            raise ValueError("the clock needs a timezone-aware instant")
        self._now = start

    def now(self) -> datetime:
        return self._now

    def advance(self, delta: timedelta) -> datetime:
        self._now += delta
        return self._now

    def set(self, instant: datetime) -> None:
        self._now = instant
