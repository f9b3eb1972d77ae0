"""`civicflow supervise --now`: one pass at the given instant; the same instant twice changes nothing."""

from __future__ import annotations

import json
from datetime import timedelta

from click.testing import CliRunner

from application.settings import Settings
from domain.order import Order
from interfaces.cli.main import cli
from tests.application.conftest import place, register
from tests.conftest import START, make_app


def test_supervise_now_applies_the_deadlines_once_at_that_instant(tmp_path, clock, monkeypatch):
    url = f"sqlite:///{tmp_path / 'civicflow.db'}"
    monkeypatch.setenv("CIVICFLOW_DATABASE_URL", url)
    app = make_app(Settings(database_url=url, var_dir=tmp_path / "var"), clock)
    order = place(app).id
    app.dispatch_order(order, register(app).id, actor="dispatcher:d1")
    app.close()
    instant = (START + timedelta(hours=1, seconds=1)).isoformat().replace("+00:00", "Z")
    runs = [CliRunner().invoke(cli, ["supervise", "--now", instant]) for _ in range(2)]
    assert [r.exit_code for r in runs] == [0, 0], runs[0].output
    passes = [json.loads(r.output.strip().splitlines()[-1]) for r in runs]
    assert passes[0] == {"at": "2026-11-02T09:00:01+00:00", "escalated": 1, "expired": 1}
    assert passes[1] == {"at": "2026-11-02T09:00:01+00:00"}
    after = make_app(Settings(database_url=url, var_dir=tmp_path / "var"), clock)
    assert after.load(Order, order).status == "placed" and after.load(Order, order).version == 4
    after.close()


def test_supervise_rejects_an_instant_without_an_offset(tmp_path, monkeypatch):
    monkeypatch.setenv("CIVICFLOW_DATABASE_URL", f"sqlite:///{tmp_path / 'civicflow.db'}")
    result = CliRunner().invoke(cli, ["supervise", "--now", "2026-11-02T09:00:00"])
    assert result.exit_code == 2 and "timezone offset" in result.output
