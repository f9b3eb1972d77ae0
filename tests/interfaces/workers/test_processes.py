"""The parent of the loop processes, driven with fake children and an injected clock: every loop started, a dead
one started again (later each time it dies young), and a stop that lets each loop finish before it is killed."""

from __future__ import annotations

from interfaces.workers.processes import YOUNG_SECONDS, LoopProcesses, selected


class FakeChild:
    def __init__(self, name: str):
        self.name, self.alive, self.exitcode, self.signals = name, True, None, []

    def is_alive(self) -> bool:
        return self.alive

    def die(self, code: int = -9) -> None:
        self.alive, self.exitcode = False, code

    def terminate(self) -> None:
        self.signals.append("TERM")

    def kill(self) -> None:
        self.signals.append("KILL")
        self.die()

    def join(self, timeout: float | None = None) -> None:
        if "TERM" in self.signals:
            self.die(0)  # a loop told to stop finishes its pass and exits


class Parent:
    def __init__(self, *names: str):
        self.now, self.started, self.said = 0.0, [], []
        self.processes = LoopProcesses({name: 1.0 for name in names}, lambda: False, start=self.start,
                                       say=self.said.append, clock=lambda: self.now)

    def start(self, name: str, interval: float) -> FakeChild:
        child = FakeChild(name)
        self.started.append(child)
        return child

    def begin(self) -> None:
        for name in self.processes.intervals:
            self.processes._start(name)


def test_a_killed_loop_is_started_again_and_the_others_are_left_alone() -> None:
    parent = Parent("projections", "supervision")
    parent.begin()
    projections, supervision = parent.started
    parent.now = YOUNG_SECONDS + 1  # it ran a while: started again at once
    projections.die()
    parent.processes.check()
    assert [child.name for child in parent.started] == ["projections", "supervision", "projections"]
    assert parent.processes.children["projections"] is parent.started[-1] and supervision.alive
    assert "the projections loop exited (code -9)" in parent.said[0]


def test_a_loop_that_dies_young_again_and_again_waits_longer_each_time() -> None:
    parent = Parent("supervision")
    parent.begin()
    delays = []
    for _ in range(4):
        parent.started[-1].die(1)
        parent.processes.check()  # schedules the restart
        delays.append(parent.processes.delay["supervision"])
        parent.now += delays[-1]
        parent.processes.check()  # the delay has passed: started again
    assert delays == [1.0, 2.0, 4.0, 8.0] and len(parent.started) == 5


def test_a_stop_asks_every_loop_to_finish_and_kills_only_one_that_does_not() -> None:
    parent = Parent("projections", "supervision")
    parent.begin()
    projections, supervision = parent.started
    supervision.join = lambda timeout=None: None  # hangs in its pass
    parent.processes.shutdown(grace=5)
    assert projections.signals == ["TERM"] and projections.exitcode == 0
    assert supervision.signals == ["TERM", "KILL"]


def test_run_starts_every_loop_and_stops_them_when_told() -> None:
    parent, rounds = Parent("projections", "supervision"), []
    parent.processes.stop = lambda: len(rounds) >= 2
    parent.processes.sleep = rounds.append
    parent.processes.run()
    assert [child.name for child in parent.started] == ["projections", "supervision"]
    assert all(child.signals == ["TERM"] for child in parent.started) and len(rounds) == 2


def test_no_loop_named_means_every_loop_available() -> None:
    available = ["projections", "supervision"]
    assert selected(False, False, False, available) == available
    assert selected(False, True, False, available) == ["supervision"]
    assert selected(True, False, True, available) == ["projections", "webhooks"]
