"""The outbox on a System's store: its tables beside the read views, the site tree for dispatchers' jurisdiction,
the application's key store for the secrets, and the event store for disabling a subscription."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from application.app import CivicFlow
from interfaces.integrations.webhooks.courier import Courier
from interfaces.integrations.webhooks.fold import Fold
from interfaces.integrations.webhooks.outbox import Outbox
from interfaces.integrations.webhooks.sender import HttpSender, Sender
from interfaces.integrations.webhooks.tables import OutboxTables
from interfaces.integrations.webhooks.urls import resolve_host

WORKER_ACTOR = "system:webhook-delivery"


def open_outbox(system: Any, sender: Sender | None = None, *, real_sender: bool = True,
                resolve: Any = resolve_host, allow_private: bool | None = None) -> Outbox:
    """`system`: an interfaces.bootstrap.System (or anything with `.app` and `.read_model`). `sender` None → the
    stdlib sender unless `real_sender` is False (the web and the CLI read and retry deliveries; they send nothing).
    `allow_private` None → the setting."""
    app: CivicFlow = system.app
    engine, tables = system.read_model.engine, OutboxTables()
    sender = sender or (HttpSender() if real_sender else None)
    courier = None if sender is None else Courier(
        engine, tables, app.clock, sender, _secrets(app), _disable(app),
        allow_private=app.settings.webhooks_allow_private if allow_private is None else allow_private,
        resolve=resolve)
    outbox = Outbox(engine, tables, app.recorder, app.mapper, Fold(tables, _within(app)), app.clock, courier)
    outbox.create()
    return outbox


def _secrets(app: CivicFlow) -> Any:
    def secrets(row: dict[str, Any], now: datetime) -> list[str]:
        return app.webhook_signing_secrets(UUID(row["id"]), row["sealed_secret"], row["previous_sealed_secret"],
                                           row["previous_until"], now)
    return secrets


def _disable(app: CivicFlow) -> Any:
    def disable(subscription_id: str, reason: str) -> None:
        app.disable_webhook(UUID(subscription_id), reason, actor=WORKER_ACTOR)
    return disable


def _within(app: CivicFlow) -> Any:
    def within(site_id: str, ancestor: str) -> bool:
        sites = app.sites
        return site_id in sites and ancestor in sites and sites.is_within(site_id, ancestor)
    return within
