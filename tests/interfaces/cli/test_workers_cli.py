"""`civicflow workers`: the loops asked for (all when none is named) with their intervals, and end to end on SQLite:
an order past its dispatch deadline escalated by the loop processes, which stop cleanly on SIGTERM."""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import threading
from datetime import timedelta
from pathlib import Path
from typing import Any, ClassVar

import pytest
from click.testing import CliRunner

from application.settings import Deadlines, Settings
from domain.order import Order
from interfaces.bootstrap import application, bootstrap
from interfaces.cli import workers as workers_module
from interfaces.cli.main import cli
from interfaces.workers.heartbeats import Heartbeats
from tests.interfaces.web.world import POST, RESIDENT

CIVICFLOW = str(Path(sys.executable).with_name("civicflow"))
WAIT_SECONDS = 60  # bounds a failure; the loops answer well within it


class RecordedLoops:
    runs: ClassVar[list[dict[str, float]]] = []

    def __init__(self, intervals: dict[str, float], stop: Any, **options: Any):
        self.runs.append(intervals)

    def run(self) -> None:
        pass


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    url = f"sqlite:///{tmp_path / 'civicflow.db'}"
    monkeypatch.setenv("CIVICFLOW_DATABASE_URL", url)
    monkeypatch.setenv("CIVICFLOW_VAR_DIR", str(tmp_path / "var"))
    monkeypatch.setattr(workers_module, "LoopProcesses", RecordedLoops)
    return Settings(database_url=url, var_dir=tmp_path / "var")


@pytest.mark.parametrize(("args", "intervals"), [
    (["--supervise"], {"supervision": 30.0}),
    (["--projections", "--projections-interval", "2"], {"projections": 2.0}),
    ([], {"projections": 0.5, "supervision": 30.0}),  # none named: every loop installed
])
def test_the_loops_asked_for_run_with_their_intervals(store: Settings, args: list[str], intervals: dict) -> None:
    if not args and workers_module.webhooks_available():
        intervals = {**intervals, "webhooks": 0.5}
    result = CliRunner().invoke(cli, ["workers", *args])
    assert result.exit_code == 0, result.output
    assert RecordedLoops.runs[-1] == intervals
    with bootstrap(store, prepared=True) as system:  # the store and the heartbeat table were prepared first
        assert Heartbeats(system.read_model.engine).read() == {}


def test_webhooks_asked_for_where_delivery_is_not_installed_is_said(store: Settings,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(workers_module, "webhooks_available", lambda: False)
    result = CliRunner().invoke(cli, ["workers", "--webhooks"])
    assert result.exit_code == 1 and "webhook delivery is not part of this installation" in result.output


def test_an_order_past_its_dispatch_deadline_is_escalated_by_the_running_loops(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'civicflow.db'}"
    settings = Settings(database_url=url, var_dir=tmp_path / "var", deadlines=Deadlines(dispatch=timedelta(0)))
    env = {**os.environ, "CIVICFLOW_DATABASE_URL": url, "CIVICFLOW_VAR_DIR": str(tmp_path / "var"),
           "CIVICFLOW_DEADLINE_DISPATCH_MINUTES": "0"}  # due the instant it is placed
    app = application(settings)
    order = app.place_order("health", POST, "check", RESIDENT, "district-app", actor="test").id
    workers = subprocess.Popen([CIVICFLOW, "workers", "--supervise", "--projections", "--supervise-interval", "0.2"],
                               env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    output = Output.of(workers)
    try:
        escalated = output.await_line(lambda line: '"escalated": 1' in line)
        assert json.loads(escalated)["loop"] == "supervision"
        assert [step["to_site"] for step in app.load(Order, order).escalations] == ["station-babaoshan"]
        head = app.recorder.max_notification_id()
        output.await_line(lambda line: f'"loop": "projections", "position": {head}' in line)
    finally:
        workers.send_signal(signal.SIGTERM)
        assert workers.wait(timeout=WAIT_SECONDS) == 0
        app.close()
    with bootstrap(settings, prepared=True) as system:
        beats = Heartbeats(system.read_model.engine).read()
    assert sorted(beats) == ["projections", "supervision"] and all(beat.stopped for beat in beats.values())
    assert beats["projections"].position == head  # the views folded the escalation too


class Output:
    """A process's lines, read as they come (its pipe never fills), awaited with a bound, never a fixed sleep."""

    def __init__(self, lines: queue.Queue[str]):
        self.lines, self.seen = lines, []

    @classmethod
    def of(cls, process: subprocess.Popen[str]) -> Output:
        lines: queue.Queue[str] = queue.Queue()
        pipe = process.stdout
        threading.Thread(target=lambda: [lines.put(line) for line in pipe], daemon=True).start()  # type: ignore
        return cls(lines)

    def await_line(self, wanted: Any) -> str:
        """The first line, seen already or to come, that is `wanted`."""
        try:
            while not any(wanted(line) for line in self.seen):
                self.seen.append(self.lines.get(timeout=WAIT_SECONDS))
        except queue.Empty:
            raise AssertionError("the awaited line never came; the workers said:\n" + "".join(self.seen)) from None
        return next(line for line in self.seen if wanted(line))
