"""`civicflow users create|list|disable`: a one-time password alone on the last line, or one from stdin."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from application.accounts import Accounts
from application.settings import Settings
from interfaces.bootstrap import application
from interfaces.cli.main import cli


@pytest.fixture
def runner(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("CIVICFLOW_DATABASE_URL", f"sqlite:///{tmp_path / 'civicflow.db'}")
    monkeypatch.setenv("CIVICFLOW_VAR_DIR", str(tmp_path / "var"))
    return CliRunner()


def accounts_on(tmp_path: Path) -> Accounts:
    return Accounts(application(Settings(database_url=f"sqlite:///{tmp_path / 'civicflow.db'}",
                                         var_dir=tmp_path / "var")))


def test_create_prints_a_password_that_signs_in(runner, tmp_path):
    result = runner.invoke(cli, ["users", "create", "--role", "dispatcher", "--site", "station-babaoshan",
                                 "--name", "王调度"])
    assert result.exit_code == 0, result.output
    password = result.output.rstrip("\n").splitlines()[-1]
    book = accounts_on(tmp_path)
    try:
        assert book.sign_in("王调度", password, "127.0.0.1").role == "dispatcher"
    finally:
        book.app.close()


def test_create_takes_the_password_from_stdin_and_prints_none(runner, tmp_path):
    result = runner.invoke(cli, ["users", "create", "--role", "inspector", "--name", "巡察", "--password-stdin"],
                           input="a long enough password\n")
    assert result.exit_code == 0, result.output
    assert "a long enough password" not in result.output
    book = accounts_on(tmp_path)
    try:
        assert book.sign_in("巡察", "a long enough password", "127.0.0.1")
    finally:
        book.app.close()


def test_list_and_disable(runner):
    runner.invoke(cli, ["users", "create", "--role", "admin", "--name", "root"])
    assert runner.invoke(cli, ["users", "disable", "root"]).exit_code == 0
    listed = runner.invoke(cli, ["users", "list"]).output
    assert "root  admin" in listed and "disabled" in listed


def test_a_bad_request_is_an_error_message_not_a_traceback(runner):
    result = runner.invoke(cli, ["users", "create", "--role", "dispatcher", "--name", "x"])
    assert result.exit_code == 1 and "needs --site" in result.output
    assert runner.invoke(cli, ["users", "disable", "nobody"]).exit_code == 1
