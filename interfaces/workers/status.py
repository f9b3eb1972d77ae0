"""Each loop's state and lag, for `/readyz`, from its heartbeat.

A loop is `running` while its beat is fresh, `stalled` once it is older than STALE_AFTER_INTERVALS of its interval
(or of its last pass, if that took longer) — the loop died, or hangs, and nothing started it again —, `stopped`
after a clean stop, and `absent` where no worker ever ran. Only `stalled` makes the service unready: a deployment
that runs no workers (on purpose) answers reads all the same, catching the views up itself."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from interfaces.workers.heartbeats import Beat

LOOP_NAMES = ("projections", "supervision", "webhooks")
STALE_AFTER_INTERVALS = 5


def loop_state(beat: Beat | None, now: datetime) -> dict[str, Any]:
    if beat is None:
        return {"state": "absent"}
    age = max(0.0, (now - beat.at).total_seconds())
    stalled = age > STALE_AFTER_INTERVALS * max(beat.interval, beat.took)
    state = "stopped" if beat.stopped else "stalled" if stalled else "running"
    return {"state": state, "last_pass_at": beat.at.isoformat(), "age_seconds": round(age, 3),
            "interval_seconds": beat.interval, "last_pass": beat.report}


def loops_status(beats: dict[str, Beat], now: datetime, *, head: int,
                 webhooks_lag: Callable[[], dict[str, Any] | None] = lambda: None) -> dict[str, dict[str, Any]]:
    """Every loop's state; the projections' lag in events behind `head` as of their last pass, the webhooks'
    as their delivery reports it (when it is installed)."""
    status = {name: loop_state(beats.get(name), now) for name in LOOP_NAMES}
    projections = beats.get("projections")
    if projections is not None and projections.position is not None:
        status["projections"]["lag"] = max(0, head - projections.position)
    lag = webhooks_lag()
    if lag is not None:
        status["webhooks"]["lag"] = lag
    return status


def stalled(status: dict[str, dict[str, Any]]) -> list[str]:
    return [name for name, loop in status.items() if loop["state"] == "stalled"]
