"""`civicflow serve` runs the loops beside gunicorn on SQLite (started once the store is prepared, stopped when
gunicorn stops, also on Ctrl-C), says so, and leaves them to `civicflow workers` on PostgreSQL or when asked."""

from __future__ import annotations

import os
import signal
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from application.settings import Settings
from interfaces.bootstrap import bootstrap
from interfaces.cli import serve as serve_module
from interfaces.cli.main import cli
from interfaces.workers.heartbeats import Heartbeats
from tests.interfaces.cli.test_workers_cli import Output
from tests.interfaces.web.test_serve_end_to_end import Server, free_port


class Recorded:
    """gunicorn and the loops' process, standing in: what happened, in order."""

    def __init__(self, store: Path, gunicorn_ends: type[BaseException] | None = None):
        self.store, self.gunicorn_ends, self.events = store, gunicorn_ends, []

    def gunicorn(self, options: dict[str, Any], load_app: Any) -> Recorded:
        return self

    def run(self) -> None:
        self.events.append("gunicorn")
        if self.gunicorn_ends is not None:
            raise self.gunicorn_ends()

    def start_loops(self) -> str:
        self.events.append(f"loops started, store prepared: {self.store.exists()}")
        return "loops"

    def stop_loops(self, loops: str) -> None:
        self.events.append(f"{loops} stopped")


@pytest.fixture
def sqlite_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("CIVICFLOW_DATABASE_URL", f"sqlite:///{tmp_path / 'civicflow.db'}")
    monkeypatch.setenv("CIVICFLOW_VAR_DIR", str(tmp_path / "var"))
    return tmp_path / "civicflow.db"


def serve_with(recorded: Recorded, monkeypatch: pytest.MonkeyPatch, *args: str) -> Any:
    for name in ("start_loops", "stop_loops"):
        monkeypatch.setattr(serve_module, name, getattr(recorded, name))
    monkeypatch.setattr(serve_module, "Gunicorn", recorded.gunicorn)
    return CliRunner().invoke(cli, ["serve", "--port", str(free_port()), *args])


@pytest.mark.parametrize("gunicorn_ends", [None, KeyboardInterrupt, SystemExit])
def test_on_sqlite_the_loops_start_after_the_store_and_stop_with_gunicorn(
        sqlite_store: Path, monkeypatch: pytest.MonkeyPatch, gunicorn_ends: type[BaseException] | None) -> None:
    recorded = Recorded(sqlite_store, gunicorn_ends)
    result = serve_with(recorded, monkeypatch)
    assert recorded.events == ["loops started, store prepared: True", "gunicorn", "loops stopped"], result.output
    assert "the loops run beside the server" in result.output


def test_no_workers_leaves_the_loops_to_civicflow_workers(sqlite_store: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    recorded = Recorded(sqlite_store)
    result = serve_with(recorded, monkeypatch, "--no-workers")
    assert recorded.events == ["gunicorn"] and "workers` (deadlines, views, webhook delivery" in result.output


def test_serve_on_sqlite_runs_the_loops_and_stops_them_with_itself(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'civicflow.db'}"
    env = {**os.environ, "CIVICFLOW_DATABASE_URL": url, "CIVICFLOW_VAR_DIR": str(tmp_path / "var")}
    server = Server(env, free_port())
    output = Output(server.lines)  # the server's own reader feeds its lines (its children's too)
    try:
        output.await_line(lambda line: '"loop": "supervision"' in line)  # its first pass, printed by serve's child
        status, ready = server.call("", "GET", "/readyz")
        assert status == 200 and ready["loops"]["supervision"]["state"] == "running", ready
    finally:
        server.process.send_signal(signal.SIGINT)  # Ctrl-C
        assert server.process.wait(timeout=90) == 0
    with bootstrap(Settings(database_url=url, var_dir=tmp_path / "var"), prepared=True) as system:
        beats = Heartbeats(system.read_model.engine).read()
    assert {"projections", "supervision"} <= set(beats) and all(beat.stopped for beat in beats.values())
