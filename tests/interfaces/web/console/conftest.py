"""Console fixtures: people with accounts and signed-in test clients (fast); the real browser on a live server
(`browser`, `live_server`, `page`) is shared by every web test, in ../conftest.py.

Browser tests need Playwright and Debian's chromium; without them they skip with the reason, except under
CI=true, where they fail. The live server serves the same `web` app (a fresh SQLite store and the ManualClock
`clock` per test), so a test can set up data through the application or the API and step the clock.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from application.accounts import Accounts
from tests.interfaces.web.world import STATION

REPO = Path(__file__).resolve().parents[4]
TRANSLATIONS = REPO / "interfaces" / "web" / "console" / "translations"
AXE = Path(__file__).with_name("vendor") / "axe.min.js"
CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)"')
BLOCKING_IMPACTS = ("serious", "critical")


@dataclass(frozen=True)
class Credentials:
    name: str
    password: str
    role: str
    site_id: str | None


@pytest.fixture
def store_url(tmp_path: Path) -> str:
    """Console tests run on a SQLite file only (the store's behaviour is tested on both stores elsewhere)."""
    return f"sqlite:///{tmp_path / 'civicflow.db'}"


@pytest.fixture(scope="session", autouse=True)
def compiled_catalogues() -> None:
    """The .mo files are built at install (Makefile); build them here too when a .po is newer."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    for po in TRANSLATIONS.glob("*/LC_MESSAGES/messages.po"):
        mo = po.with_suffix(".mo")
        if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
            with po.open("rb") as source:
                catalogue = read_po(source)
            written = mo.with_name(f"{mo.name}.{os.getpid()}")  # then renamed: another test worker may be reading
            with written.open("wb") as target:
                write_mo(target, catalogue)
            os.replace(written, mo)


@pytest.fixture
def accounts(web: Flask) -> Accounts:
    return Accounts(web.extensions["civicflow"])


@pytest.fixture
def person(accounts: Accounts) -> Callable[..., Credentials]:
    """Make a console account: person("dispatcher", site="station-babaoshan") → its name and password. The
    password is the person's own (given, not generated), so no change of password is asked first."""
    made: list[str] = []

    def make(role: str = "dispatcher", site: str | None = STATION, name: str | None = None) -> Credentials:
        site = site if role == "dispatcher" else None
        name = name or f"{role}-{len(made) + 1}"
        password, _ = accounts.create(name, role, site_id=site, password=f"own password of {name}",
                                      actor="test:setup")
        made.append(name)
        return Credentials(name, password, role, site)

    return make


def csrf_token(client: FlaskClient, path: str = "/console/sign-in") -> str:
    """The CSRF token of this client's session, as a console page carries it."""
    html = client.get(path).get_data(as_text=True)
    found = CSRF_META.search(html)
    assert found, f"no CSRF token on {path}"
    return found.group(1)


def sign_in(client: FlaskClient, who: Credentials) -> Any:
    token = csrf_token(client)
    return client.post("/console/sign-in", data={"name": who.name, "password": who.password, "csrf_token": token})


@pytest.fixture
def console_as(web: Flask, person: Callable[..., Credentials]) -> Callable[..., FlaskClient]:
    """A test client signed in as a new person: console_as("dispatcher", site=...) or console_as("inspector")."""

    def signed_in(role: str = "dispatcher", site: str | None = STATION, **options: Any) -> FlaskClient:
        client = web.test_client()
        response = sign_in(client, person(role, site, **options))
        assert response.status_code == 302, response.get_data(as_text=True)
        return client

    return signed_in


# --- the browser ----------------------------------------------------------------------------------------------


def browser_sign_in(page: Any, who: Credentials, path: str = "/console/") -> None:
    page.goto(path)
    page.fill("#name", who.name)
    page.fill("#password", who.password)
    page.click("form.sign-in button[type=submit]")
    page.wait_for_load_state()


@pytest.fixture
def shot(request: pytest.FixtureRequest) -> Callable[[Any, str], Path]:
    """shot(page, "queue") → test-results/<test name>/queue.png (a full-page screenshot)."""
    folder = REPO / "test-results" / re.sub(r"[^A-Za-z0-9_.-]+", "-", request.node.name)

    def take(page: Any, name: str) -> Path:
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


def axe(page: Any) -> list[dict[str, Any]]:
    """Run the vendored axe-core on the page: its serious and critical violations (empty when there are none)."""
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [{"id": v["id"], "impact": v["impact"], "help": v["help"],
             "targets": [node["target"] for node in v["nodes"]]}
            for v in result["violations"] if v["impact"] in BLOCKING_IMPACTS]
