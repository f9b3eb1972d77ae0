"""Web fixtures: a fresh app per test on a real store (SQLite, then PostgreSQL), and a small world of tokens."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from application.persistence.clock import ManualClock
from application.settings import Settings
from interfaces.web.app import close_app, create_app
from tests.interfaces.web.world import World


@pytest.fixture
def web(store_url: str, tmp_path: Path, clock: ManualClock) -> Iterator[Flask]:
    app = create_app({"SETTINGS": Settings(database_url=store_url, var_dir=tmp_path / "var"), "CLOCK": clock,
                      "TESTING": True})
    yield app
    close_app(app)


@pytest.fixture
def client(web: Flask) -> FlaskClient:
    return web.test_client()


@pytest.fixture
def world(web: Flask, client: FlaskClient, clock: ManualClock) -> World:
    return World.build(web, client, clock)
