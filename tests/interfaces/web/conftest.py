"""Web fixtures: a fresh app per test on a real store (SQLite, then PostgreSQL), and a small world of tokens."""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.serving import make_server

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


# A real browser (Debian's chromium through Playwright) on the test's app served from a thread. One Playwright per
# session for every web test: two sync Playwrights in one thread refuse to start.
def _no_browser(reason: str) -> None:
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"browser tests must run under CI: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as error:
        _no_browser(f"playwright is not installed ({error})")
    executable = shutil.which("chromium")
    if executable is None:
        _no_browser("no chromium on PATH (apt-get install chromium fonts-noto-cjk)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, args=["--no-sandbox"])
        yield launched
        launched.close()


@pytest.fixture
def live_server(web: Flask) -> Iterator[str]:
    """The test's app on a free port, served from a thread; yields its base URL."""
    server = make_server("127.0.0.1", 0, web, threaded=False)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join()


@pytest.fixture
def page(browser: Any, live_server: str) -> Iterator[Any]:
    context = browser.new_context(base_url=live_server, locale="zh-CN", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    opened = context.new_page()
    yield opened
    context.close()
