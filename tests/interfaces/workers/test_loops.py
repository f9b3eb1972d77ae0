"""The worker loops: one pass reported per round, the injected pause between rounds, and a stop after `once`."""

from __future__ import annotations

from datetime import timedelta

from application.persistence.clock import ManualClock
from application.settings import Settings
from interfaces.bootstrap import bootstrap
from interfaces.workers.loops import catch_up_pass, keep_running, supervision_pass
from tests.interfaces.web.world import POST, RESIDENT


def test_a_loop_reports_each_pass_and_pauses_between_them() -> None:
    passes, reports, pauses = iter(range(3)), [], []

    def pause(seconds: float) -> None:
        pauses.append(seconds)
        if len(pauses) == 2:
            raise KeyboardInterrupt  # how an operator stops a worker

    try:
        keep_running(lambda: {"pass": next(passes)}, reports.append, once=False, interval=0.5, pause=pause)
    except KeyboardInterrupt:
        pass
    assert reports == [{"pass": 0}, {"pass": 1}] and pauses == [0.5, 0.5]


def test_once_is_one_pass_without_a_pause() -> None:
    reports: list[dict] = []
    keep_running(lambda: {"pass": 0}, reports.append, once=True, interval=1, pause=lambda s: reports.append({}))
    assert reports == [{"pass": 0}]


def test_the_passes_fold_the_log_and_apply_the_deadlines(settings: Settings, clock: ManualClock) -> None:
    with bootstrap(settings, clock=clock) as system:
        system.app.place_order("health", POST, "check", RESIDENT, "district-app", actor="test")
        caught_up = catch_up_pass(system)
        assert caught_up == {"position": system.app.recorder.max_notification_id(), "lag": 0}
        clock.advance(timedelta(hours=3))  # past the dispatch deadline (2 h): escalated one level up
        done = supervision_pass(system)
        assert done["at"] == clock.now().isoformat() and done["escalated"] == 1, done


def test_a_stop_lets_the_pass_under_way_finish_and_starts_no_other() -> None:
    reports: list[dict] = []
    stop = iter([False, True])  # asked before the first pass, then after its pause: a signal came meanwhile
    keep_running(lambda: {"pass": len(reports)}, reports.append, once=False, interval=1,
                 pause=lambda seconds: None, stopped=lambda: next(stop))
    assert reports == [{"pass": 0}]
