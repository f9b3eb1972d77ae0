"""The worker loops: one pass, reported, then a pause, until told to stop. The pause is injected: tests pass
one that returns at once, and a worker woken by its store may pass one that waits for a notification."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from interfaces.bootstrap import System

Report = Callable[[dict[str, Any]], None]


def keep_running(one_pass: Callable[[], dict[str, Any]], report: Report, *, once: bool, interval: float,
                 pause: Callable[[float], Any] = time.sleep, stopped: Callable[[], bool] = lambda: False) -> None:
    """`stopped`: asked before each pass and after each pause — a signal lets the pass under way finish."""
    while not stopped():
        report(one_pass())
        if once:
            return
        pause(interval)


def catch_up_pass(system: System, on_page: Callable[[int], None] | None = None) -> dict[str, Any]:
    """Fold what the log holds beyond the views' positions; where they stand and how far behind."""
    position = system.read_model.catch_up(on_page=on_page)
    return {"position": position, "lag": system.read_model.lag()}


def supervision_pass(system: System) -> dict[str, Any]:
    """Apply the deadlines of DESIGN §10 once, on a board that shows every command answered so far."""
    system.read_model.catch_up()
    done = system.app.supervise()
    return {"at": system.app.clock.now().isoformat(), **dict(sorted(done.items()))}
