"""A System on SQLite and PostgreSQL with private webhook targets allowed, a fake receiver, and the delivery."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest

from application.persistence.clock import ManualClock
from application.policy.principal import Principal
from application.settings import Settings
from domain.webhook import EVENT_TYPES, WebhookSubscription
from interfaces.bootstrap import System, bootstrap
from interfaces.integrations.webhooks.delivery import WebhookDelivery
from tests.interfaces.integrations.fakes import FakeReceiver

POST, OTHER_POST, STATION = "post-babaoshan-01", "post-laoshan-01", "station-babaoshan"
RESIDENT = {"name": "王秀英", "phone": "13911112222", "address": "八宝山街道 3-201"}
SETUP = "test:setup"


@pytest.fixture
def system(store_url: str, tmp_path: Path, clock: ManualClock) -> Iterator[System]:
    settings = Settings(database_url=store_url, var_dir=tmp_path / "var", webhooks_allow_private=True)
    with bootstrap(settings, clock=clock) as opened:
        yield opened


@pytest.fixture
def receiver() -> FakeReceiver:
    return FakeReceiver()


@pytest.fixture
def delivery(system: System, receiver: FakeReceiver) -> Iterator[WebhookDelivery]:
    opened = WebhookDelivery.open(system, sender=receiver)
    yield opened
    opened.close()


def principal(role: str = "admin", **binding: Any) -> Principal:
    return Principal(uuid4(), role, **binding)


def subscribe(system: System, who: Principal | None = None, url: str = "http://127.0.0.1:9/hook",
              types: tuple[str, ...] = EVENT_TYPES) -> tuple[str, str]:
    """A subscription's secret and id."""
    who = who or principal()
    result = system.app.subscribe_webhook(who, url, list(types), actor=who.actor)
    return system.app.webhook_secret(system.app.load(WebhookSubscription, result.id)), str(result.id)


def place(system: System, channel: str = "district-app", site: str = POST) -> str:
    return str(system.app.place_order("health", site, "血压 13911112222", RESIDENT, channel, actor=SETUP).id)
