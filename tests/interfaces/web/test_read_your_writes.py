"""Read-your-writes (DESIGN §8): a read compares the store's head with the views' positions, and folds only when
they lag — whoever answered the command, and whoever folded it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask

from application.persistence.clock import ManualClock
from application.settings import Settings
from interfaces.bootstrap import bootstrap
from interfaces.web.app import close_app, create_app
from tests.interfaces.web.world import World


@pytest.fixture
def other_worker(store_url: str, tmp_path: Path, clock: ManualClock, world: World) -> Iterator[Flask]:
    """A second web app on the same store: another gunicorn worker of the same server."""
    app = create_app({"SETTINGS": Settings(database_url=store_url, var_dir=tmp_path / "var"), "CLOCK": clock,
                      "TESTING": True, "STORE_PREPARED": True})
    yield app
    close_app(app)


def listed(world: World) -> list[str]:
    return [item["id"] for item in world.ok("dispatcher", "GET", "/api/v1/orders")["items"]]


def test_a_list_read_right_after_a_command_of_this_worker_shows_it(world: World) -> None:
    assert listed(world) == []  # the views are at the head now
    order = world.place()
    assert listed(world) == [order["id"]]
    dispatched = world.ok("dispatcher", "POST", f"/api/v1/orders/{order['id']}/dispatch",
                          {"volunteer_id": world.volunteer_id})
    items = world.ok("dispatcher", "GET", "/api/v1/orders")["items"]
    assert [(i["id"], i["status"]) for i in items] == [(order["id"], dispatched["status"])] != [(order["id"], "placed")]


def test_a_read_shows_a_command_another_worker_answered(world: World, other_worker: Flask) -> None:
    assert listed(world) == []
    placed = other_worker.test_client().post("/api/v1/orders", json={
        "category": "health", "site_id": "post-babaoshan-01", "description": "elsewhere",
        "resident": {"name": "王秀英", "phone": "13911112222", "address": "八宝山街道 3-201"}},
        headers=world.headers("channel"))
    assert placed.status_code == 201
    assert listed(world) == [placed.get_json()["id"]]


def test_a_read_shows_a_command_that_a_projection_worker_folded_before_it(world: World, store_url: str,
                                                                          tmp_path: Path, clock: ManualClock) -> None:
    """With `civicflow workers` running, the views may be at the head before the read asks: nothing to fold,
    and the read still shows the command."""
    assert listed(world) == []
    order = world.place()
    with bootstrap(Settings(database_url=store_url, var_dir=tmp_path / "var"), clock=clock, prepared=True) as worker:
        worker.read_model.catch_up()  # the projection worker's pass
        assert min(worker.read_model.positions().values()) == worker.app.recorder.max_notification_id()
    assert listed(world) == [order["id"]]


def test_views_set_back_by_another_process_are_folded_again_by_the_next_read(world: World, store_url: str,
                                                                             tmp_path: Path, clock: ManualClock
                                                                             ) -> None:
    order = world.place()
    assert listed(world) == [order["id"]]
    with bootstrap(Settings(database_url=store_url, var_dir=tmp_path / "var"), clock=clock, prepared=True) as other:
        views = other.read_model  # every view dropped and made again, empty, at position 0 (a hand's reset)
        views.tables.metadata.drop_all(views.engine, tables=views.tables.views(), checkfirst=True)
        views.create_tables()
    assert listed(world) == [order["id"]]
