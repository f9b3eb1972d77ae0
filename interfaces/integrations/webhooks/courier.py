"""Delivering what is due (DESIGN §16): subscriptions side by side on a few threads, each one's deliveries one at a
time in position order — the oldest pending delivery of a subscription blocks those after it until it is delivered
or has failed. Outcomes are written a few at a time (WRITE_EVERY), so a worker killed mid-pass resends at most
those few, with the same webhook-ids: at least once."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, bindparam, exists, select, update

from application.persistence.clock import Clock
from interfaces.integrations.webhooks.attempts import delivered, gone, next_attempt
from interfaces.integrations.webhooks.sender import TIMEOUT_SECONDS, Response, Sender
from interfaces.integrations.webhooks.signing import signed_headers
from interfaces.integrations.webhooks.tables import DELIVERED, FAILED, PENDING, OutboxTables
from interfaces.integrations.webhooks.urls import UrlRefused, addresses, resolve_host
from projections.views.db import write_connection

Secrets = Callable[[dict[str, Any], datetime], list[str]]  # a subscription row, now → the secrets to sign with
Disable = Callable[[str, str], None]  # subscription id, reason: record it in the event store
OUTCOMES = ("delivered", "failed", "retrying", "disabled")
BATCH = 200  # pending deliveries of one subscription read at a time
WRITE_EVERY = 20  # outcomes written together: at most this many are resent after a crash
OUTCOME_COLUMNS = ("attempts", "last_status", "last_error", "status", "next_attempt_at", "delivered_at")
THREADS = 4  # subscriptions drained side by side (the read model's pool has 5 + 5 connections)


class Courier:
    def __init__(self, engine: Engine, tables: OutboxTables, clock: Clock, sender: Sender, secrets: Secrets,
                 disable: Disable, *, allow_private: bool = False, resolve: Callable[..., Any] = resolve_host,
                 threads: int = THREADS):
        self.engine, self.t, self.clock, self.sender = engine, tables, clock, sender
        self.secrets, self.disable, self.allow_private, self.resolve = secrets, disable, allow_private, resolve
        self.pool = ThreadPoolExecutor(threads, thread_name_prefix="webhook-delivery") if threads > 1 else None

    def deliver_due(self) -> dict[str, int]:
        """Attempt every delivery due; how many were delivered, failed for good, will be retried, disabled."""
        waiting = self._waiting()
        drains = self.pool.map(self._drain, waiting) if self.pool and len(waiting) > 1 else map(self._drain, waiting)
        total: Counter[str] = Counter()
        for counts in drains:
            total.update(counts)
        return {outcome: total[outcome] for outcome in OUTCOMES}

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True)

    def _waiting(self) -> list[dict[str, Any]]:
        subs, d = self.t.subscriptions, self.t.deliveries
        pending = exists().where(d.c.subscription_id == subs.c.id, d.c.status == PENDING)
        with self.engine.connect() as conn:
            return [dict(row) for row in conn.execute(select(subs).where(subs.c.active.is_(True), pending)
                                                      .order_by(subs.c.id)).mappings()]

    def _drain(self, subscription: dict[str, Any]) -> Counter[str]:
        counts: Counter[str] = Counter()
        checked, secrets, refusal = self._target(subscription)
        outcomes: list[dict[str, Any]] = []  # written a few at a time, and always before the next read
        try:
            while batch := self._pending(subscription["id"]):
                for delivery in batch:
                    if delivery["next_attempt_at"] > self.clock.now():
                        return counts
                    outcome, changes = self._attempt(subscription, delivery, checked, secrets, refusal)
                    outcomes.append(changes)
                    counts[outcome] += 1
                    if outcome in ("retrying", "disabled"):
                        return counts  # head of line: the ones after it wait
                    if len(outcomes) >= WRITE_EVERY:
                        self._write(outcomes)
                self._write(outcomes)
            return counts
        finally:
            self._write(outcomes)

    def _target(self, subscription: dict[str, Any]) -> tuple[tuple[str, ...], list[str], Response | None]:
        """The addresses to connect to and the secrets to sign with, checked at each pass (a name may resolve
        elsewhere by now); or the failed attempt it makes of the head of the line."""
        try:
            found = addresses(subscription["url"], allow_private=self.allow_private, resolve=self.resolve)
        except UrlRefused as refused:
            return (), [], Response(None, error=f"refused: {refused}")
        secrets = self.secrets(subscription, self.clock.now())
        return tuple(found), secrets, None if secrets else Response(None, error="the subscription's secret is gone")

    def _pending(self, subscription_id: str) -> list[dict[str, Any]]:
        d = self.t.deliveries
        query = select(d.c.id, d.c.body, d.c.attempts, d.c.next_attempt_at) \
            .where(d.c.subscription_id == subscription_id, d.c.status == PENDING).order_by(d.c.position).limit(BATCH)
        with self.engine.connect() as conn:
            return [dict(row) for row in conn.execute(query).mappings()]

    def _attempt(self, subscription: dict[str, Any], delivery: dict[str, Any], checked: tuple[str, ...],
                 secrets: list[str], refusal: Response | None) -> tuple[str, dict[str, Any]]:
        now = self.clock.now()
        if refusal is not None:
            response = refusal
        else:
            headers = signed_headers(delivery["id"], now, delivery["body"], secrets)
            response = self.sender.send(subscription["url"], delivery["body"].encode(), headers, TIMEOUT_SECONDS,
                                        checked)
        outcome, changes = _outcome(response, delivery, now)
        if outcome == "disabled":
            self._disable(subscription["id"], "the receiver answered 410 Gone")
        return outcome, changes

    def _write(self, outcomes: list[dict[str, Any]]) -> None:
        """The outcomes so far, in one transaction, then forgotten. A worker killed before this resends those
        deliveries (at least once, with the same webhook-id); writing each alone would cost a commit apiece."""
        if not outcomes:
            return
        d = self.t.deliveries
        with write_connection(self.engine) as conn, conn.begin():
            if conn.dialect.name == "postgresql":  # not waiting for the disk: only a database crash loses an
                conn.exec_driver_sql("SET LOCAL synchronous_commit TO OFF")  # outcome, and that one is resent
            conn.execute(update(d).where(d.c.id == bindparam("delivery_id")).values(
                {name: bindparam(name) for name in OUTCOME_COLUMNS}), outcomes)
        outcomes.clear()

    def _disable(self, subscription_id: str, reason: str) -> None:
        with write_connection(self.engine) as conn, conn.begin():
            conn.execute(update(self.t.subscriptions).where(self.t.subscriptions.c.id == subscription_id)
                         .values(active=False, disabled_reason=reason))
        self.disable(subscription_id, reason)


def _outcome(response: Response, delivery: dict[str, Any], now: datetime) -> tuple[str, dict[str, Any]]:
    """What the answer makes of the delivery: its outcome, and every column of OUTCOME_COLUMNS."""
    attempts = delivery["attempts"] + 1
    row = {"delivery_id": delivery["id"], "attempts": attempts, "last_status": response.status,
           "last_error": response.error, "status": PENDING, "next_attempt_at": delivery["next_attempt_at"],
           "delivered_at": None}
    if delivered(response):
        return "delivered", {**row, "status": DELIVERED, "delivered_at": now}
    if gone(response):
        return "disabled", {**row, "status": FAILED}
    later = next_attempt(attempts, now, response.retry_after)
    if later is None:
        return "failed", {**row, "status": FAILED}
    return "retrying", {**row, "next_attempt_at": later}
