"""`civicflow webhooks list|deliveries`: the subscriptions and what was delivered to them (JSON lines)."""

from __future__ import annotations

import json
from uuid import UUID, uuid4

import click

from application.policy.principal import Principal
from interfaces.bootstrap import bootstrap
from interfaces.integrations.webhooks.wiring import open_outbox

OPERATOR = Principal(uuid4(), "admin", name="cli:webhooks")  # the operator sees every subscription


@click.group()
def webhooks() -> None:
    """Webhook subscriptions and their deliveries (DESIGN §16)."""


@webhooks.command("list")
def list_subscriptions() -> None:
    """Every subscription not deleted, oldest first: one JSON line each (no secret)."""
    with bootstrap() as system:
        for s in system.app.webhooks_visible(OPERATOR):
            click.echo(json.dumps({"id": str(s.id), "url": s.url, "event_types": s.event_types, "active": s.active,
                                   "disabled_reason": s.disabled_reason, "owner": _owner(s.role, s.site_id, s.channel),
                                   "created_at": s.created_on.isoformat()}, ensure_ascii=False))


@webhooks.command("deliveries")
@click.option("--subscription", type=click.UUID, help="only this subscription's deliveries")
@click.option("--limit", type=click.IntRange(1, 100_000), default=200, show_default=True)
def list_deliveries(subscription: UUID | None, limit: int) -> None:
    """Deliveries in log order: status, attempts, the receiver's last answer, the next attempt."""
    with bootstrap() as system:
        outbox = open_outbox(system, real_sender=False)
        for row in outbox.deliveries(None if subscription is None else str(subscription), limit):
            row.pop("body")
            click.echo(json.dumps(row, default=str, sort_keys=True))
        click.echo(json.dumps({"lag": outbox.lag()}, default=str, sort_keys=True))


def _owner(role: str, site_id: str | None, channel: str | None) -> str:
    return role + (f" {site_id or channel}" if site_id or channel else "")
