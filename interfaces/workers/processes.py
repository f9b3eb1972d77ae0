"""The parent of the loop processes: starts one process per loop, starts again one that died (waiting longer each
time it dies young, so a loop that cannot start does not spin), and on a stop asks every loop to finish its pass
(SIGTERM), then waits for them, killing only one that outlives the grace period."""

from __future__ import annotations

import multiprocessing
import time
from collections.abc import Callable, Sequence
from typing import Any, Protocol

from interfaces.workers.running import run_loop

SPAWN = multiprocessing.get_context("spawn")  # a loop opens its own connections: none are copied by fork
CHECK_SECONDS = 0.5
YOUNG_SECONDS = 10.0  # a loop that dies sooner than this after starting is started again after a delay
MAX_DELAY_SECONDS = 30.0
GRACE_SECONDS = 60.0  # a supervision pass over a large store may take a while to finish


class Child(Protocol):
    exitcode: int | None

    def is_alive(self) -> bool: ...
    def terminate(self) -> None: ...
    def kill(self) -> None: ...
    def join(self, timeout: float | None = None) -> None: ...


def spawn_loop(name: str, interval: float, poll: bool = False) -> Child:
    process = SPAWN.Process(target=run_loop, args=(name, interval, poll), name=f"civicflow-{name}", daemon=False)
    process.start()
    return process


class LoopProcesses:
    def __init__(self, intervals: dict[str, float], stop: Callable[[], bool], *,
                 start: Callable[[str, float], Child] = spawn_loop, say: Callable[[str], Any] = print,
                 sleep: Callable[[float], None] = time.sleep, clock: Callable[[], float] = time.monotonic):
        self.intervals, self.stop, self.start, self.say = intervals, stop, start, say
        self.sleep, self.clock = sleep, clock
        self.children: dict[str, Child] = {}
        self.started: dict[str, float] = {}
        self.delay: dict[str, float] = {name: 0.0 for name in intervals}
        self.restart_at: dict[str, float] = {}

    def run(self) -> None:
        for name in self.intervals:
            self._start(name)
        try:
            while not self.stop():
                self.check()
                self.sleep(CHECK_SECONDS)
        finally:
            self.shutdown()

    def check(self) -> None:
        """Start again each loop that has died, once its delay has passed."""
        now = self.clock()
        for name, child in list(self.children.items()):
            if child.is_alive():
                continue
            if name not in self.restart_at:
                self._schedule(name, child, now)
            if now >= self.restart_at[name]:
                del self.restart_at[name]
                self._start(name)

    def _schedule(self, name: str, child: Child, now: float) -> None:
        young = now - self.started[name] < YOUNG_SECONDS
        self.delay[name] = min(MAX_DELAY_SECONDS, max(1.0, self.delay[name] * 2)) if young else 0.0
        self.restart_at[name] = now + self.delay[name]
        self.say(f"civicflow: the {name} loop exited (code {child.exitcode}); "
                 f"starting it again in {self.delay[name]:.0f} s")

    def _start(self, name: str) -> None:
        self.children[name] = self.start(name, self.intervals[name])
        self.started[name] = self.clock()

    def shutdown(self, grace: float = GRACE_SECONDS) -> None:
        alive = [child for child in self.children.values() if child.is_alive()]
        for child in alive:
            child.terminate()  # SIGTERM: the loop finishes the pass under way, then exits
        deadline = self.clock() + grace
        for child in alive:
            child.join(max(0.0, deadline - self.clock()))
            if child.is_alive():
                child.kill()
                child.join()


def selected(projections: bool, supervise: bool, webhooks: bool, available: Sequence[str]) -> list[str]:
    """The loops asked for; none asked for means every loop this installation has."""
    asked = [name for name, on in (("projections", projections), ("supervision", supervise),
                                   ("webhooks", webhooks)) if on]
    return asked or list(available)
