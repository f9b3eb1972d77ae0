"""Shared fixtures: an injected clock, and the application on memory, SQLite and PostgreSQL stores."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path

import pytest

from application.app import CivicFlow
from application.persistence.clock import ManualClock
from application.settings import Settings
from interfaces.bootstrap import application, open_read_model
from projections import ReadModel
from tests.stores import postgres_schema

START = datetime(2026, 11, 2, 8, 0, tzinfo=timezone.utc)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--run-slow", action="store_true", help="also run the slow scale tests")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if config.getoption("--run-slow"):
        return
    skip_slow = pytest.mark.skip(reason="slow scale test: run with --run-slow")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip_slow)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture
def postgres_url() -> Iterator[str]:
    with postgres_schema() as url:
        yield url


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Each persistence test runs twice: on a SQLite file and on its own PostgreSQL schema."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'civicflow.db'}"
    return request.getfixturevalue("postgres_url")


@pytest.fixture
def settings(store_url: str, tmp_path: Path) -> Settings:
    return Settings(database_url=store_url, var_dir=tmp_path / "var")


def make_app(settings: Settings, clock: ManualClock) -> CivicFlow:
    return application(settings, clock=clock)  # the composition root's, sites loaded


@pytest.fixture
def app(settings: Settings, clock: ManualClock) -> Iterator[CivicFlow]:
    """The application on a real store (SQLite, then PostgreSQL), sites loaded."""
    application = make_app(settings, clock)
    yield application
    application.close()


@pytest.fixture
def memory_app(clock: ManualClock, tmp_path: Path) -> Iterator[CivicFlow]:
    """The application on the in-memory store: for fast application-level tests."""
    application = make_app(Settings(database_url="memory://", var_dir=tmp_path / "var"), clock)
    yield application
    application.close()


@pytest.fixture
def read_model(app: CivicFlow) -> Iterator[ReadModel]:
    """The read model on the same store as `app` (a SQLite file, then a PostgreSQL schema)."""
    model = open_read_model(app)
    yield model
    model.close()
