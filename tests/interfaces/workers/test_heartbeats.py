"""A loop in its process: each pass leaves a heartbeat (position, when, how long, its report), a clean stop says so,
and the status /readyz reports tells a running loop from a stalled, a stopped and an absent one."""

from __future__ import annotations

from datetime import timedelta

from application.persistence.clock import ManualClock
from application.settings import Settings
from interfaces.bootstrap import bootstrap
from interfaces.workers.heartbeats import Heartbeats
from interfaces.workers.running import KINDS, Echo, prepare, serve_loop
from interfaces.workers.status import loops_status, stalled
from tests.interfaces.web.world import POST, RESIDENT


def run_passes(system, name: str, passes: int, between=lambda: None) -> list[float]:
    """Serve the loop for `passes` passes, `between` run in each pause; the pauses asked for."""
    pauses: list[float] = []

    def pause(seconds: float) -> None:
        pauses.append(seconds)
        between()

    serve_loop(system, KINDS[name], 0.5, stop=lambda: len(pauses) >= passes, echo=lambda report: None, pause=pause)
    return pauses


def test_each_pass_leaves_a_heartbeat_and_a_clean_stop_says_so(settings: Settings, clock: ManualClock) -> None:
    prepare(settings)
    with bootstrap(settings, clock=clock, prepared=True) as system:
        placed: list[object] = []

        def place_an_order() -> None:  # in the first pause only
            if not placed:
                placed.append(system.app.place_order("health", POST, "check", RESIDENT, "district-app", actor="t"))
            clock.advance(timedelta(seconds=1))

        heartbeats, head = Heartbeats(system.read_model.engine), system.app.recorder.max_notification_id()
        run_passes(system, "projections", 2, between=place_an_order)
        beat = heartbeats.read()["projections"]
        assert beat.position == system.app.recorder.max_notification_id() > head  # the second pass folded it
        assert beat.stopped and beat.report == {"position": beat.position, "lag": 0}
        assert beat.at == clock.now() and beat.interval == 0.5


def test_the_status_tells_running_stalled_stopped_and_absent_loops(settings: Settings, clock: ManualClock) -> None:
    prepare(settings)
    with bootstrap(settings, clock=clock, prepared=True) as system:
        heartbeats = Heartbeats(system.read_model.engine)
        run_passes(system, "supervision", 1)
        stop_beat = heartbeats.read()["supervision"]
        status = loops_status(heartbeats.read(), clock.now(), head=0)
        assert status["supervision"]["state"] == "stopped" and status["webhooks"] == {"state": "absent"}
        assert stalled(status) == []
        beats = {"supervision": stop_beat.__class__(**{**stop_beat.__dict__, "stopped": False})}  # as if running
        assert loops_status(beats, clock.now() + timedelta(seconds=2), head=0)["supervision"]["state"] == "running"
        late = loops_status(beats, clock.now() + timedelta(seconds=2.6), head=0)  # over 5 intervals of 0.5 s
        assert late["supervision"]["state"] == "stalled" and stalled(late) == ["supervision"]


def test_a_supervision_loop_escalates_what_is_overdue(settings: Settings, clock: ManualClock) -> None:
    prepare(settings)
    with bootstrap(settings, clock=clock, prepared=True) as system:
        system.app.place_order("health", POST, "check", RESIDENT, "district-app", actor="test")
        clock.advance(timedelta(hours=3))  # past the dispatch deadline (2 h)
        run_passes(system, "supervision", 1)
        assert Heartbeats(system.read_model.engine).read()["supervision"].report["escalated"] == 1


def test_an_idle_loop_prints_nothing_new() -> None:
    lines: list[str] = []
    echo = Echo("projections", lines.append)
    for report in ({"position": 5, "lag": 0}, {"position": 5, "lag": 0}, {"position": 7, "lag": 1}):
        echo(report)
    assert lines == ['{"lag": 0, "loop": "projections", "position": 5}',
                     '{"lag": 1, "loop": "projections", "position": 7}']


def test_a_webhook_loop_reports_its_delivery_passes(settings: Settings, clock: ManualClock) -> None:
    prepare(settings)
    with bootstrap(settings, clock=clock, prepared=True) as system:
        system.app.place_order("health", POST, "check", RESIDENT, "district-app", actor="test")
        run_passes(system, "webhooks", 1)
        beat = Heartbeats(system.read_model.engine).read()["webhooks"]
        assert beat.position == system.app.recorder.max_notification_id() and "enqueued" in beat.report
