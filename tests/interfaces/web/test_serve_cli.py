"""`civicflow serve` as a newcomer meets it through `make run`: a busy port said at once, a token hint to copy."""

from __future__ import annotations

import socket
import sys
from pathlib import Path
from typing import Any, ClassVar

import pytest
from click.testing import CliRunner

from interfaces.cli import serve as serve_module
from interfaces.cli.main import cli


@pytest.fixture
def store_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("CIVICFLOW_DATABASE_URL", f"sqlite:///{tmp_path / 'civicflow.db'}")
    monkeypatch.setenv("CIVICFLOW_VAR_DIR", str(tmp_path / "var"))
    return tmp_path


class RecordedGunicorn:
    """Stands in for gunicorn: keeps the options `serve` would run it with, serves nothing."""
    runs: ClassVar[list[dict[str, Any]]] = []

    def __init__(self, options: dict[str, Any], load_app: Any):
        self.options = options

    def run(self) -> None:
        self.runs.append(self.options)


def test_a_busy_port_is_named_at_once_with_how_to_choose_another(store_dir: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = CliRunner().invoke(cli, ["serve", "--port", str(port)])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert f"127.0.0.1:{port}" in result.output
    assert f"make run PORT={port + 1}" in result.output and f"--port {port + 1}" in result.output
    assert "serving on" not in result.output
    assert not (store_dir / "civicflow.db").exists()  # refused before the store was prepared


def test_the_token_hint_names_this_civicflow_script_and_a_channel_token_first(
        store_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(store_dir)
    monkeypatch.setattr(sys, "argv", [str(store_dir / ".venv" / "bin" / "civicflow"), "serve"])
    monkeypatch.setattr(serve_module, "Gunicorn", RecordedGunicorn)
    monkeypatch.setattr(serve_module, "start_loops", lambda: None)  # tests/interfaces/cli/test_serve_loops.py
    with socket.socket() as probe:  # a port free a moment ago: nothing listens on it while `serve` checks
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    result = CliRunner().invoke(cli, ["serve", "--port", str(port)])
    assert result.exit_code == 0, result.output
    hint = ".venv/bin/civicflow tokens create --role channel --channel district-app --name app"
    assert hint in result.output and result.output.index(hint) < result.output.index("--role admin")
    assert "serving on" in result.output and RecordedGunicorn.runs[-1]["bind"] == f"127.0.0.1:{port}"


def test_the_civicflow_command_is_typed_as_a_path_the_shell_finds(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    script = tmp_path / ".venv" / "bin" / "civicflow"
    assert serve_module.civicflow_command(str(script)) == ".venv/bin/civicflow"
    assert serve_module.civicflow_command(".venv/bin/civicflow") == ".venv/bin/civicflow"
    beside_python = serve_module.civicflow_command("/somewhere/pytest", str(tmp_path / "env" / "bin" / "python"))
    assert beside_python == "env/bin/civicflow"  # under `python -m`: the script beside the interpreter
    assert serve_module.civicflow_command("/opt/civicflow/bin/civicflow") == "/opt/civicflow/bin/civicflow"
    script.parent.mkdir(parents=True)
    monkeypatch.chdir(script.parent)
    assert serve_module.civicflow_command(str(script)) == "./civicflow"  # a bare name would be looked up on PATH
