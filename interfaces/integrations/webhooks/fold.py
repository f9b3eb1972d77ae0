"""What the outbox makes of each notification: subscriptions and orders folded into its rows, and one delivery
row per event for every active subscription that asked for its type and may see the order (DESIGN §16)."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from typing import Any
from uuid import NAMESPACE_URL, uuid5

from eventsourcing.utils import get_topic
from sqlalchemy import Connection, insert, select, update

from domain.order import STATUS_AFTER, Order, status_after
from domain.webhook import ORDER_EVENT_TYPES, WebhookSubscription
from interfaces.integrations.webhooks.tables import FAILED, PENDING, OutboxTables
from projections.views.bulk import insert_rows, update_rows

Within = Callable[[str, str], bool]  # (site, ancestor): whether the site lies in the ancestor's subtree
MESSAGE_NAMESPACE = uuid5(NAMESPACE_URL, "https://civicflow.example/webhook-message")
ORDER_TOPICS = {get_topic(cls) for cls in STATUS_AFTER}
SUBSCRIPTION_TOPICS = {get_topic(cls) for cls in (WebhookSubscription.Subscribed, WebhookSubscription.SecretRotated,
                                                  WebhookSubscription.Disabled, WebhookSubscription.Removed)}
TOPICS = ORDER_TOPICS | SUBSCRIPTION_TOPICS


def message_id(subscription_id: str, position: int) -> str:
    """The `webhook-id`: the same for every attempt of one event to one subscription."""
    return "msg_" + uuid5(MESSAGE_NAMESPACE, f"{subscription_id}:{position}").hex


class Fold:
    """A page at a time: `begin_page` reads the orders the page's events touch in one query, `apply` folds each
    event in memory, `end_page` writes the page's new orders, changed orders and deliveries in three statements (a
    round trip per event or two was most of the enqueueing's time on PostgreSQL)."""

    def __init__(self, tables: OutboxTables, within: Within):
        self.t, self.within = tables, within
        self._subscribers: list[dict[str, Any]] | None = None  # the active subscriptions, read once per page
        self._orders: dict[str, dict[str, Any]] = {}
        self._placed: set[str] = set()
        self._changed: set[str] = set()
        self._deliveries: list[dict[str, Any]] = []

    def begin_page(self, conn: Connection, events: list[Any]) -> None:
        self._subscribers, self._placed, self._changed, self._deliveries = None, set(), set(), []
        orders = self.t.orders
        touched = {str(e.originator_id) for e in events if type(e) in STATUS_AFTER and not isinstance(e, Order.Placed)}
        self._orders = {row["order_id"]: dict(row) for row in conn.execute(
            select(orders).where(orders.c.order_id.in_(touched))).mappings()} if touched else {}

    def end_page(self, conn: Connection) -> None:
        insert_rows(conn, self.t.orders, [self._orders[i] for i in self._placed])
        update_rows(conn, self.t.orders, [self._orders[i] for i in self._changed - self._placed], key="order_id",
                    only=("status", "responsible_site_id"))
        self._flush_deliveries(conn)

    def apply(self, conn: Connection, position: int, event: Any, now: datetime) -> int:
        """Fold one decoded event of the page begun; returns how many deliveries it enqueued."""
        if isinstance(event, WebhookSubscription.Event):
            self._flush_deliveries(conn)  # a disabled subscription fails what it has pending: these too
            self._subscription(conn, event)
            self._subscribers = None
            return 0
        order = self._order(event)
        kind = ORDER_EVENT_TYPES.get(type(event))
        if kind is None or order is None:
            return 0
        body = _body(position, kind, event, order)
        rows = [_delivery(s["id"], position, kind, body, event.timestamp, now)
                for s in self._active(conn) if kind in s["event_types"] and self._sees(s, order)]
        self._deliveries.extend(rows)
        return len(rows)

    def _flush_deliveries(self, conn: Connection) -> None:
        insert_rows(conn, self.t.deliveries, self._deliveries)  # through the driver (COPY on PostgreSQL for a
        self._deliveries = []  # large page), not Core's executemany, which processes each row's parameters

    def _order(self, event: Any) -> dict[str, Any] | None:
        order_id = str(event.originator_id)
        if isinstance(event, Order.Placed):
            row = {"order_id": order_id, "channel": event.channel, "site_id": event.site_id,
                   "responsible_site_id": event.site_id, "status": status_after(Order.Placed)}
            self._orders[order_id] = row
            self._placed.add(order_id)
            return row
        found = self._orders.get(order_id)
        if found is None:
            return None  # an order whose placing the log no longer shows: nothing to tell
        row = {**found, "status": status_after(type(event), found["status"])}
        if isinstance(event, Order.Escalated):
            row["responsible_site_id"] = event.to_site
        self._orders[order_id] = row
        self._changed.add(order_id)
        return row

    def _subscription(self, conn: Connection, event: Any) -> None:
        subs, sub_id = self.t.subscriptions, str(event.originator_id)
        if isinstance(event, WebhookSubscription.Subscribed):
            conn.execute(insert(subs), [{"id": sub_id, "url": event.url, "event_types": list(event.event_types),
                                         "role": event.role, "site_id": event.site_id, "channel": event.channel,
                                         "sealed_secret": event.sealed_secret, "active": True}])
            return
        changes: dict[str, Any] = {"active": False}
        if isinstance(event, WebhookSubscription.SecretRotated):
            previous = conn.execute(select(subs.c.sealed_secret).where(subs.c.id == sub_id)).scalar_one()
            changes = {"sealed_secret": event.sealed_secret, "previous_sealed_secret": previous,
                       "previous_until": event.previous_until}
        elif isinstance(event, WebhookSubscription.Disabled):
            changes["disabled_reason"] = event.reason
            self._give_up(conn, sub_id, f"subscription disabled: {event.reason}")
        else:
            self._give_up(conn, sub_id, "subscription deleted")
        conn.execute(update(subs).where(subs.c.id == sub_id).values(**changes))

    def _give_up(self, conn: Connection, subscription_id: str, reason: str) -> None:
        """Nothing more is sent to a disabled or deleted subscription (DESIGN §16 has no enabling again): what it
        still had pending is failed, saying why, instead of waiting forever."""
        d = self.t.deliveries
        conn.execute(update(d).where(d.c.subscription_id == subscription_id, d.c.status == PENDING)
                     .values(status=FAILED, last_error=reason))

    def _active(self, conn: Connection) -> list[dict[str, Any]]:
        if self._subscribers is None:
            subs = self.t.subscriptions
            self._subscribers = [dict(row) for row in
                                 conn.execute(select(subs).where(subs.c.active.is_(True))).mappings()]
        return self._subscribers

    def _sees(self, subscription: dict[str, Any], order: dict[str, Any]) -> bool:
        """The policy of DESIGN §16: a channel its own orders, a dispatcher its jurisdiction, an admin all."""
        role = subscription["role"]
        if role == "admin":
            return True
        if role == "channel":
            return order["channel"] == subscription["channel"]
        site = subscription["site_id"]
        return role == "dispatcher" and site is not None and (
            self.within(order["site_id"], site) or self.within(order["responsible_site_id"], site))


def _body(position: int, kind: str, event: Any, order: dict[str, Any]) -> str:
    """The payload of DESIGN §16 (the same for every subscription): no personal data."""
    data = {"order_id": order["order_id"], "status": order["status"], "version": event.originator_version,
            "site_id": order["site_id"], "position": position}
    return json.dumps({"type": kind, "timestamp": event.timestamp.isoformat(), "data": data},
                      separators=(",", ":"), sort_keys=True)


def _delivery(subscription_id: str, position: int, kind: str, body: str, event_at: datetime,
              now: datetime) -> dict[str, Any]:
    return {"id": message_id(subscription_id, position), "subscription_id": subscription_id,
            "position": position, "event_type": kind, "body": body, "event_at": event_at,
            "enqueued_at": now, "status": PENDING, "attempts": 0, "next_attempt_at": now, "last_status": None,
            "last_error": None, "delivered_at": None}
