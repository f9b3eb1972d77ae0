"""Delivering what is due (DESIGN §16): subscriptions side by side on a few threads, a batch of each at a time, each
one's deliveries one at a time in position order — the oldest pending delivery of a subscription blocks those after
it until it is delivered or has failed; a subscription is never in two batches at once. Outcomes are written a few
at a time (WRITE_EVERY), so a worker killed mid-pass resends at most those few, with the same webhook-ids: at least
once."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, exists, select, update

from application.persistence.clock import Clock
from interfaces.integrations.webhooks.attempts import delivered, gone, next_attempt
from interfaces.integrations.webhooks.sender import TIMEOUT_SECONDS, Response, Sender
from interfaces.integrations.webhooks.signing import signed_headers
from interfaces.integrations.webhooks.tables import DELIVERED, FAILED, PENDING, OutboxTables
from interfaces.integrations.webhooks.urls import UrlRefused, addresses, resolve_host
from projections.views.bulk import update_from_arrays, update_rows
from projections.views.db import write_connection

Secrets = Callable[[dict[str, Any], datetime], list[str]]  # a subscription row, now → the secrets to sign with
Disable = Callable[[str, str], None]  # subscription id, reason: record it in the event store
OUTCOMES = ("delivered", "failed", "retrying", "disabled")
BATCH = 200  # pending deliveries of one subscription read at a time
WRITE_EVERY = 20  # outcomes written together: at most this many are resent after a crash
OUTCOME_COLUMNS = ("attempts", "last_status", "last_error", "status", "next_attempt_at", "delivered_at")
THREADS = 8  # subscriptions drained side by side (the read model's pool has 5 + 5 connections; enqueueing takes one)
PASS = timedelta(seconds=2)  # how long a pass takes in what is enqueued meanwhile
TICK_SECONDS = 0.02  # how often a pass looks for new events while its batches are being sent
MORE, CAUGHT_UP, BLOCKED = "more", "caught up", "blocked"
OFF_THE_DISK = "SET LOCAL synchronous_commit TO OFF"


class Batch(Counter[str]):
    """One batch's outcomes, and whose."""

    def __init__(self, subscription: dict[str, Any]):
        super().__init__()
        self.subscription = subscription


class Courier:
    def __init__(self, engine: Engine, tables: OutboxTables, clock: Clock, sender: Sender, secrets: Secrets,
                 disable: Disable, *, allow_private: bool = False, resolve: Callable[..., Any] = resolve_host,
                 threads: int = THREADS):
        self.engine, self.t, self.clock, self.sender = engine, tables, clock, sender
        self.secrets, self.disable, self.allow_private, self.resolve = secrets, disable, allow_private, resolve
        self.pool = ThreadPoolExecutor(threads, thread_name_prefix="webhook-delivery") if threads > 1 else None

    def deliver_due(self, enqueue: Callable[[], int] = lambda: 0) -> dict[str, int]:
        """Attempt every delivery due: the subscriptions side by side, a batch of each at a time. While they are
        being sent, `enqueue` folds what the log holds by now (every TICK_SECONDS, or as a batch ends), and what it
        makes is sent in this same pass — for PASS at most, so that a pass ends, and the loop beats, under any
        load. How many were delivered, failed for good, will be retried, disabled."""
        total: Counter[str] = Counter()
        ends, running, blocked, enqueues = self.clock.now() + PASS, {}, set(), 0
        ready = {s["id"]: s for s in self._waiting()}
        while ready or running:
            for subscription_id in [i for i in ready if i not in running]:  # one batch of each at a time
                running[subscription_id] = (self._submit(ready.pop(subscription_id)), enqueues)
            finished, _ = wait([f for f, _ in running.values()], timeout=TICK_SECONDS, return_when=FIRST_COMPLETED)
            for subscription_id in [i for i, (f, _) in running.items() if f in finished]:
                future, enqueues_then = running.pop(subscription_id)
                counts, state = future.result()
                total.update(counts)
                if state == MORE or (state == CAUGHT_UP and enqueues > enqueues_then):  # more may have come
                    ready[subscription_id] = counts.subscription
                elif state == BLOCKED:  # not again in this pass
                    blocked.add(subscription_id)
            if self.clock.now() < ends and enqueue():
                enqueues += 1
                ready.update({s["id"]: s for s in self._waiting() if s["id"] not in blocked | running.keys()})
        return {outcome: total[outcome] for outcome in OUTCOMES}

    def _submit(self, subscription: dict[str, Any]) -> Future[tuple[Batch, str]]:
        if self.pool is not None:
            return self.pool.submit(self._drain, subscription)
        done: Future[tuple[Batch, str]] = Future()
        done.set_result(self._drain(subscription))
        return done

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True)
        close_connections = getattr(self.sender, "close", None)  # the HTTP sender's kept connections
        if close_connections is not None:
            close_connections()

    def _waiting(self) -> list[dict[str, Any]]:
        subs, d = self.t.subscriptions, self.t.deliveries
        pending = exists().where(d.c.subscription_id == subs.c.id, d.c.status == PENDING)
        with self.engine.connect() as conn:
            return [dict(row) for row in conn.execute(select(subs).where(subs.c.active.is_(True), pending)
                                                      .order_by(subs.c.id)).mappings()]

    def _drain(self, subscription: dict[str, Any]) -> tuple[Batch, str]:
        """One batch of the subscription's pending deliveries, in position order; MORE when the batch was full,
        CAUGHT_UP when it was not, BLOCKED when its head is not due or has failed again (head of line: the
        deliveries after it wait)."""
        counts = Batch(subscription)
        checked, secrets, refusal = self._target(subscription)
        outcomes: list[dict[str, Any]] = []  # written a few at a time, and always before the next read
        try:
            batch = self._pending(subscription["id"])
            for delivery in batch:
                if delivery["next_attempt_at"] > self.clock.now():
                    return counts, BLOCKED
                outcome, changes = self._attempt(subscription, delivery, checked, secrets, refusal)
                outcomes.append(changes)
                counts[outcome] += 1
                if outcome in ("retrying", "disabled"):
                    return counts, BLOCKED
                if len(outcomes) >= WRITE_EVERY:
                    self._write(outcomes)
            return counts, MORE if len(batch) == BATCH else CAUGHT_UP
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
        if self.engine.dialect.name == "postgresql":
            self._write_in_one_trip(outcomes)
        else:
            with write_connection(self.engine) as conn, conn.begin():
                update_rows(conn, self.t.deliveries, outcomes, only=OUTCOME_COLUMNS)  # through the driver: Core's
        outcomes.clear()  # executemany processed every parameter of every row in Python

    def _write_in_one_trip(self, outcomes: list[dict[str, Any]]) -> None:
        """PostgreSQL: BEGIN, one UPDATE of every outcome and COMMIT in one pipeline, one wait (a round trip apiece
        took as long as the updates themselves); not waiting for the disk: only a database crash loses an outcome,
        and that delivery is resent."""
        with self.engine.connect() as conn:
            statement, values = update_from_arrays(conn, self.t.deliveries, outcomes, only=OUTCOME_COLUMNS)
            driver = conn.connection.driver_connection
            try:
                driver.autocommit = True  # type: ignore[union-attr]  # the transaction is the pipeline's own
                with driver.pipeline(), driver.cursor() as cursor:  # type: ignore[union-attr]
                    for sql, parameters in (("BEGIN", None), (OFF_THE_DISK, None), (statement, values),
                                            ("COMMIT", None)):
                        cursor.execute(sql, parameters)
                driver.autocommit = False  # type: ignore[union-attr]
            except BaseException:
                conn.invalidate()  # in whatever state the failure left it: the pool makes a new one
                raise

    def _disable(self, subscription_id: str, reason: str) -> None:
        with write_connection(self.engine) as conn, conn.begin():
            conn.execute(update(self.t.subscriptions).where(self.t.subscriptions.c.id == subscription_id)
                         .values(active=False, disabled_reason=reason))
        self.disable(subscription_id, reason)


def _outcome(response: Response, delivery: dict[str, Any], now: datetime) -> tuple[str, dict[str, Any]]:
    """What the answer makes of the delivery: its outcome, and every column of OUTCOME_COLUMNS."""
    attempts = delivery["attempts"] + 1
    row = {"id": delivery["id"], "attempts": attempts, "last_status": response.status,
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
