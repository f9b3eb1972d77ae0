"""One worker loop in a process of its own: its own System (its own connections), its pause (woken by the store's
notifications where it can be), a heartbeat after every pass, and a clean stop on SIGTERM or SIGINT once the pass
under way has finished — or when the process that started it is gone."""

from __future__ import annotations

import importlib.util
import json
import os
import signal
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from application.settings import Settings
from interfaces.bootstrap import System, bootstrap
from interfaces.workers.heartbeats import Heartbeats, Recorder
from interfaces.workers.loops import catch_up_pass, keep_running, supervision_pass
from interfaces.workers.wakeup import StopFlag, pause_for

Pass = Callable[[], dict[str, Any]]
WEBHOOKS_MODULE = "interfaces.integrations.webhooks.delivery"


@dataclass(frozen=True)
class LoopKind:
    name: str
    interval: float  # seconds: between passes, or the fallback of a loop woken by notifications
    wake_on_events: bool  # deadlines pass by time, not by events: supervision runs on its interval alone
    open: Callable[[System], tuple[Pass, Callable[[], None]]]  # its pass and what closes it


def _projections(system: System) -> tuple[Pass, Callable[[], None]]:
    return (lambda: catch_up_pass(system)), (lambda: None)


def _supervision(system: System) -> tuple[Pass, Callable[[], None]]:
    return (lambda: supervision_pass(system)), (lambda: None)


def _webhooks(system: System) -> tuple[Pass, Callable[[], None]]:
    from interfaces.integrations.webhooks.delivery import WebhookDelivery  # noqa: PLC0415 - optional until built

    delivery = WebhookDelivery.open(system)
    return delivery.one_pass, delivery.close


KINDS = {kind.name: kind for kind in (LoopKind("projections", 0.5, True, _projections),
                                      LoopKind("supervision", 30.0, False, _supervision),
                                      LoopKind("webhooks", 0.5, True, _webhooks))}


def webhooks_available() -> bool:
    try:
        return importlib.util.find_spec(WEBHOOKS_MODULE) is not None
    except ModuleNotFoundError:  # its package is missing too
        return False


def prepare(settings: Settings) -> None:
    """Create the store, the views and the heartbeat table once, before the loops open it `prepared` side by side."""
    with bootstrap(settings) as system:
        system.read_model.catch_up()
        Heartbeats(system.read_model.engine).create()
        if webhooks_available():
            _webhooks(system)[1]()  # opening the delivery creates its tables


def run_loop(name: str, interval: float, poll: bool = False) -> None:
    """The target of a loop's process (spawned: nothing is inherited but the environment). `poll`: ignore the
    store's notifications (to compare the two)."""
    stop, parent = StopFlag(), os.getppid()
    for number in (signal.SIGTERM, signal.SIGINT):
        signal.signal(number, stop.request)
    settings = Settings.from_env()
    with bootstrap(settings, prepared=True) as system:
        serve_loop(system, KINDS[name], interval, stop=lambda: stop() or os.getppid() != parent,
                   echo=Echo(name), flag=stop, poll=poll)


def serve_loop(system: System, kind: LoopKind, interval: float, *, stop: Callable[[], bool],
               echo: Callable[[dict[str, Any]], None], flag: StopFlag | None = None,
               pause: Callable[[float], Any] | None = None, poll: bool = False) -> None:
    """Pass, beat, pause, until `stop`; the pause defaults to the store's (tests inject one)."""
    waiter = pause_for(system.app.settings.store, system.app.recorder, flag or StopFlag(),
                       wake_on_events=kind.wake_on_events and not poll) if pause is None else None
    beats = Recorder(Heartbeats(system.read_model.engine), kind.name, interval, system.app.clock.now, echo)
    one_pass, close = kind.open(system)
    try:
        keep_running(beats.timed(one_pass), beats, once=False, interval=interval,
                     pause=pause or waiter, stopped=stop)  # type: ignore[arg-type]
        beats.stop()
    finally:
        close()
        if waiter is not None:
            waiter.close()


class Echo:
    """Prints a loop's pass as one JSON line when it tells something new (an idle loop stays quiet)."""

    def __init__(self, name: str, write: Callable[[str], Any] | None = None):
        self.name, self.last = name, None
        self.write = write or (lambda line: print(line, flush=True))  # a pipe under `serve`: not held back

    def __call__(self, report: dict[str, Any]) -> None:
        news = {key: value for key, value in report.items() if key not in ("at", "lag")}
        if news != self.last:
            self.write(json.dumps({"loop": self.name, **report}, default=str, sort_keys=True))
        self.last = news
