"""The outbox's tables, beside the read views (same engine and schema): its own log position, what it folds of the
log (subscriptions, and each order's reach and status), and the deliveries."""

from __future__ import annotations

from sqlalchemy import (JSON, Boolean, Column, Index, Integer, MetaData, String, Table, Text, UniqueConstraint)

from projections.views.db import UTCDateTime

PENDING, DELIVERED, FAILED = "pending", "delivered", "failed"


class OutboxTables:
    def __init__(self) -> None:
        md = self.metadata = MetaData()
        self.position = Table("webhook_outbox_position", md, Column("name", String(40), primary_key=True),
                              Column("position", Integer, nullable=False))
        self.subscriptions = Table(
            "webhook_subscriptions", md, Column("id", String(36), primary_key=True),
            Column("url", Text, nullable=False), Column("event_types", JSON, nullable=False),
            Column("role", String(20), nullable=False), Column("site_id", String(64)),
            Column("channel", String(100)), Column("sealed_secret", Text, nullable=False),
            Column("previous_sealed_secret", Text), Column("previous_until", UTCDateTime),
            Column("active", Boolean, nullable=False), Column("disabled_reason", Text))
        self.orders = Table("webhook_orders", md, Column("order_id", String(36), primary_key=True),
                            Column("channel", String(100), nullable=False),
                            Column("site_id", String(64), nullable=False),
                            Column("responsible_site_id", String(64), nullable=False),
                            Column("status", String(20), nullable=False))
        self.deliveries = Table(
            "webhook_deliveries", md, Column("id", String(40), primary_key=True),
            Column("subscription_id", String(36), nullable=False), Column("position", Integer, nullable=False),
            Column("event_type", String(40), nullable=False), Column("body", Text, nullable=False),
            Column("event_at", UTCDateTime, nullable=False), Column("enqueued_at", UTCDateTime, nullable=False),
            Column("status", String(12), nullable=False), Column("attempts", Integer, nullable=False),
            Column("next_attempt_at", UTCDateTime, nullable=False), Column("last_status", Integer),
            Column("last_error", Text), Column("delivered_at", UTCDateTime),
            UniqueConstraint("subscription_id", "position", name="webhook_delivery_once"),
            Index("webhook_delivery_queue", "subscription_id", "status", "position"),
            Index("webhook_delivery_pending", "status", "event_at"))  # the lag: the oldest pending
