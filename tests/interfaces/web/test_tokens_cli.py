"""`civicflow tokens create|list|revoke`: the token alone on the last line, stored only as its hash."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from application.app import CivicFlow
from application.settings import Settings
from application.tokens import TokenBook
from interfaces.cli.main import cli


@pytest.fixture
def runner(store_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("CIVICFLOW_DATABASE_URL", store_url)
    monkeypatch.setenv("CIVICFLOW_VAR_DIR", str(tmp_path / "var"))
    return CliRunner()


def issue(runner: CliRunner, *args: str) -> str:
    result = runner.invoke(cli, ["tokens", "create", *args])
    assert result.exit_code == 0, result.output
    return result.output.rstrip("\n").splitlines()[-1]


def test_a_created_token_authenticates_and_only_its_hash_is_stored(runner: CliRunner, store_url: str,
                                                                    tmp_path: Path) -> None:
    secret = issue(runner, "--role", "dispatcher", "--site", "station-babaoshan", "--name", "desk 1")
    app = CivicFlow(Settings(database_url=store_url, var_dir=tmp_path / "var"))
    try:
        token = TokenBook(app).authenticate(secret)
        assert (token.role, token.site_id, token.name) == ("dispatcher", "station-babaoshan", "desk 1")
        stored = b"".join(n.state for n in app.recorder.select_notifications(1, 10_000))
        assert secret.encode() not in stored
    finally:
        app.close()


def test_tokens_are_listed_and_a_revoked_token_no_longer_authenticates(runner: CliRunner, store_url: str,
                                                                      tmp_path: Path) -> None:
    secret = issue(runner, "--role", "channel", "--channel", "hotline-12345")
    issue(runner, "--role", "inspector", "--name", "inspection team")
    listed = runner.invoke(cli, ["tokens", "list"]).output.splitlines()
    assert len(listed) == 2 and "channel hotline-12345" in listed[0] and "active" in listed[0]
    revoked = runner.invoke(cli, ["tokens", "revoke", secret])
    assert revoked.exit_code == 0 and "revoked" in revoked.output
    assert "revoked" in runner.invoke(cli, ["tokens", "list"]).output.splitlines()[0]
    app = CivicFlow(Settings(database_url=store_url, var_dir=tmp_path / "var"))
    try:
        assert TokenBook(app).authenticate(secret) is None
    finally:
        app.close()


@pytest.mark.parametrize("args", [["--role", "dispatcher"], ["--role", "dispatcher", "--site", "post-nowhere"],
                                  ["--role", "channel", "--channel", "proactive"],
                                  ["--role", "inspector", "--site", "center"], ["--role", "king"]])
def test_a_token_that_does_not_fit_its_role_is_refused(runner: CliRunner, args: list[str]) -> None:
    result = runner.invoke(cli, ["tokens", "create", *args])
    assert result.exit_code != 0 and "Traceback" not in result.output


def test_a_refusal_names_the_role_with_its_article(runner: CliRunner) -> None:
    assert "an inspector token takes no other binding" in runner.invoke(
        cli, ["tokens", "create", "--role", "inspector", "--site", "center"]).output
    assert "a dispatcher token needs --site" in runner.invoke(cli, ["tokens", "create", "--role", "dispatcher"]).output
