"""The pause between passes: an interval that a stop cuts short; on PostgreSQL a LISTEN that an insert by another
connection ends (the fallback interval when nothing is notified). No real waits: clocks and sleeps are injected,
and the PostgreSQL test is bounded by a timeout, not timed."""

from __future__ import annotations

import pytest

from application.settings import Settings
from application.persistence.store import StoreLocation
from interfaces.bootstrap import application
from interfaces.workers.wakeup import GATHER_SECONDS, IntervalPause, NotificationPause, StopFlag, pause_for
from tests.interfaces.web.world import POST, RESIDENT


class FakeTime:
    def __init__(self) -> None:
        self.now, self.slept = 0.0, []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def test_an_interval_pause_waits_out_its_interval_in_slices() -> None:
    time = FakeTime()
    woken = IntervalPause(StopFlag(), time.sleep, time.clock)(1.0)
    assert woken is False and time.now == pytest.approx(1.0) and len(time.slept) == 4


def test_a_stop_cuts_an_interval_pause_short() -> None:
    time, stop = FakeTime(), StopFlag()

    def sleep(seconds: float) -> None:
        time.sleep(seconds)
        stop.request()  # a SIGTERM arrives during the first slice

    IntervalPause(stop, sleep, time.clock)(30.0)
    assert len(time.slept) == 1


class FakeListener:
    """A psycopg connection that records what it was asked and notifies as told."""

    def __init__(self, time: FakeTime, pending: int = 0):
        self.time, self.pending, self.executed, self.closed = time, pending, [], False
        self.waits: list[float] = []

    def execute(self, statement: object) -> None:
        self.executed.append(statement)

    def notifies(self, *, timeout: float, stop_after: int | None = None) -> list[str]:
        self.waits.append(timeout)
        if not self.pending:
            self.time.now += timeout
            return []
        count = self.pending if stop_after is None else min(stop_after, self.pending)
        self.pending -= count
        return ["notify"] * count

    def close(self) -> None:
        self.closed = True


def test_a_notification_pause_listens_first_and_returns_on_a_notification() -> None:
    time = FakeTime()
    listener = FakeListener(time, pending=3)  # a burst of three commits during the pass
    pause = NotificationPause(lambda: listener, "civicflow_events", StopFlag(), time.clock)
    assert len(listener.executed) == 1  # LISTEN, before any pass
    assert pause(10.0) is True and listener.pending == 0  # one wake for the burst
    assert listener.waits[-1] == GATHER_SECONDS  # after the first, it gathered what came within the window
    assert pause(10.0) is False and time.now == pytest.approx(10.0)  # nothing new: the fallback interval


def test_sqlite_pauses_on_an_interval_and_postgresql_listens(tmp_path) -> None:
    sqlite = StoreLocation.parse(f"sqlite:///{tmp_path / 'civicflow.db'}")
    assert isinstance(pause_for(sqlite, object(), StopFlag(), wake_on_events=True), IntervalPause)


@pytest.mark.postgres
def test_an_insert_by_another_connection_wakes_the_listener(postgres_url: str, tmp_path) -> None:
    settings = Settings(database_url=postgres_url, var_dir=tmp_path / "var")
    app = application(settings)
    pause = pause_for(settings.store, app.recorder, StopFlag(), wake_on_events=True)
    try:
        assert isinstance(pause, NotificationPause)
        app.place_order("health", POST, "check", RESIDENT, "district-app", actor="test")  # the app's own pool
        assert pause(60.0) is True  # returns on the notification; 60 s only bounds a failure
    finally:
        pause.close()
        app.close()
