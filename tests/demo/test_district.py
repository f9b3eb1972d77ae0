"""`civicflow demo`: a seeded district with orders in every state, loaded through the application."""

from __future__ import annotations

from datetime import datetime, timezone

from click.testing import CliRunner
from sqlalchemy import func, select

from application.app import CivicFlow
from demo.district import DemoLoader
from application.settings import Settings
from domain.order import STATUSES
from interfaces.cli.main import cli
from interfaces.bootstrap import open_read_model


def test_demo_loads_every_order_state_and_refuses_to_load_the_same_seed_twice(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'civicflow.db'}"
    monkeypatch.setenv("CIVICFLOW_DATABASE_URL", url)
    first = CliRunner().invoke(cli, ["demo", "--volunteers", "300", "--orders", "1200", "--seed", "5"])
    assert first.exit_code == 0, first.output
    assert "300 volunteers, 2 teams, 1200 orders" in first.output
    app = CivicFlow(Settings(database_url=url))
    model = open_read_model(app)
    board, roster = model.tables.order_board, model.tables.volunteer_roster
    with model.engine.connect() as conn:
        statuses = dict(conn.execute(select(board.c.status, func.count()).group_by(board.c.status)).tuples().all())
        escalated = conn.execute(select(func.count()).where(board.c.responsible_site_id != board.c.site_id))
        assert escalated.scalar_one() > 0
        assert conn.execute(select(func.count()).select_from(roster)).scalar_one() == 300
    assert set(statuses) == set(STATUSES) and sum(statuses.values()) == 1200
    model.close(), app.close()
    again = CliRunner().invoke(cli, ["demo", "--volunteers", "10", "--orders", "0", "--seed", "5"])
    assert again.exit_code == 1 and "already holds the demo district of seed 5" in again.output


def test_the_same_seed_gives_the_same_district_and_loads_match_open_orders(memory_app):
    now = datetime(2026, 11, 20, tzinfo=timezone.utc)
    district = DemoLoader(memory_app, 11, now).load(150, 600)
    other = CivicFlow(Settings(database_url="memory://"))
    other.load_reference_data()
    assert DemoLoader(other, 11, now).load(150, 600).orders_by_status == district.orders_by_status
    active = sum(len(v.active_orders) for v in district.volunteers)
    assert active == district.orders_by_status["accepted"] + district.orders_by_status["in_service"]
    assert all(len(v.active_orders) <= v.capacity for v in district.volunteers)
