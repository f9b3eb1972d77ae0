"""`civicflow webhooks list|deliveries`: JSON lines, no secret, filtered by subscription."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from application.settings import Settings
from interfaces.bootstrap import bootstrap
from interfaces.cli.main import cli
from interfaces.integrations.webhooks.delivery import WebhookDelivery
from tests.interfaces.integrations.conftest import place, subscribe
from tests.interfaces.integrations.fakes import FakeReceiver


@pytest.fixture
def runner(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("CIVICFLOW_DATABASE_URL", f"sqlite:///{tmp_path / 'civicflow.db'}")
    monkeypatch.setenv("CIVICFLOW_VAR_DIR", str(tmp_path / "var"))
    return CliRunner()


def test_list_and_deliveries(runner: CliRunner, tmp_path: Path) -> None:
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'civicflow.db'}", var_dir=tmp_path / "var",
                        webhooks_allow_private=True)
    with bootstrap(settings) as system:
        secret, first = subscribe(system)
        _, second = subscribe(system, url="http://127.0.0.1:9/second")
        place(system)
        WebhookDelivery.open(system, sender=FakeReceiver()).one_pass()
    listed = runner.invoke(cli, ["webhooks", "list"])
    assert listed.exit_code == 0, listed.output
    assert [json.loads(line)["id"] for line in listed.output.splitlines()] == [first, second]
    assert secret not in listed.output
    shown = runner.invoke(cli, ["webhooks", "deliveries", "--subscription", second])
    assert shown.exit_code == 0, shown.output
    *rows, lag = [json.loads(line) for line in shown.output.splitlines()]
    assert [(r["subscription_id"], r["status"], r["last_status"]) for r in rows] == [(second, "delivered", 204)]
    assert lag["lag"]["pending"] == 0
