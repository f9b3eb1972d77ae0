"""The webhook outbox (DESIGN §16). Enqueueing reads the notification log from the outbox's own position and
writes a page's delivery rows and its new position in one transaction, under a lock on the position row: each
event is enqueued once, whatever crashes or runs beside it. Delivering (courier.py) is at least once, in position
order per subscription."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from eventsourcing.persistence import ApplicationRecorder, Mapper, Notification
from sqlalchemy import Connection, Engine, func, select, update

from application.persistence.clock import Clock
from interfaces.integrations.webhooks.courier import Courier
from interfaces.integrations.webhooks.fold import TOPICS, Fold
from interfaces.integrations.webhooks.tables import PENDING, OutboxTables
from projections.views.db import write_connection

NAME = "webhooks"
PAGE_SIZE = 500
DDL_LOCK = 0x776562686F6F6B  # an advisory lock id of our own ("webhook")


class Outbox:
    def __init__(self, engine: Engine, tables: OutboxTables, recorder: ApplicationRecorder, mapper: Mapper,
                 fold: Fold, clock: Clock, courier: Courier | None):
        self.engine, self.t, self.recorder, self.mapper, self.fold = engine, tables, recorder, mapper, fold
        self.clock, self.courier = clock, courier
        self._seen: int | None = None  # the position this outbox last read up to
        self.page_size = PAGE_SIZE

    def create(self) -> None:
        """The tables and the position row, if missing; serialised, so processes may start side by side."""
        with write_connection(self.engine) as conn, conn.begin():
            if conn.dialect.name == "postgresql":
                conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({DDL_LOCK})")
            self.t.metadata.create_all(conn, checkfirst=True)
            if conn.execute(select(self.t.position.c.position).where(self.t.position.c.name == NAME)).first() is None:
                conn.execute(self.t.position.insert(), [{"name": NAME, "position": 0}])

    def position(self) -> int:
        with self.engine.connect() as conn:
            return int(conn.execute(select(self.t.position.c.position)
                                    .where(self.t.position.c.name == NAME)).scalar_one())

    # --- enqueueing --------------------------------------------------------------------------------

    def enqueue(self) -> int:
        """Enqueue the events beyond the position, up to the head as the last page read found it; returns how
        many deliveries were made. It reads on from the position it last saw (a pass calls it every few
        milliseconds): pages another worker enqueued meanwhile are skipped under the position's lock, as ever.
        A page short of `page_size` ends it: chasing what commits meanwhile made a page of an event or two per
        transaction under load, and held up the deliveries waiting for this thread to hand them out."""
        made, position = 0, self._seen if self._seen is not None else self.position()
        while page := self.recorder.select_notifications(position, self.page_size, inclusive_of_start=False):
            done, position = self._enqueue_page(page)
            made += done
            if len(page) < self.page_size:
                break
        self._seen = position
        return made

    def _enqueue_page(self, page: Sequence[Notification]) -> tuple[int, int]:
        """The page's deliveries and the new position in one transaction; (deliveries made, the position)."""
        made, now = 0, self.clock.now()
        with write_connection(self.engine) as conn, conn.begin():
            position = self._locked_position(conn)  # another worker may have enqueued this page meanwhile
            events = [(n.id, self.mapper.to_domain_event(n)) for n in page if n.id > position and n.topic in TOPICS]
            self.fold.begin_page(conn, [event for _, event in events])
            for notification_id, event in events:
                made += self.fold.apply(conn, notification_id, event, now)
            self.fold.end_page(conn)
            if page[-1].id > position:
                conn.execute(update(self.t.position).where(self.t.position.c.name == NAME)
                             .values(position=page[-1].id))
        return made, max(position, page[-1].id)

    def _locked_position(self, conn: Connection) -> int:
        query = select(self.t.position.c.position).where(self.t.position.c.name == NAME).with_for_update()
        return int(conn.execute(query).scalar_one())

    def deliver_due(self, enqueue: Callable[[], int] = lambda: 0) -> dict[str, int]:
        """`enqueue`: called while deliveries are under way (see Courier.deliver_due)."""
        assert self.courier is not None, "an outbox opened without a sender only enqueues and reads"
        return self.courier.deliver_due(enqueue)

    # --- reading and manual retries ----------------------------------------------------------------

    def lag(self) -> dict[str, Any]:
        position, head, d, subs = self.position(), self.recorder.max_notification_id() or 0, self.t.deliveries, \
            self.t.subscriptions
        active = select(subs.c.id).where(subs.c.active.is_(True))  # a disabled or deleted one waits for nobody
        with self.engine.connect() as conn:
            pending, oldest = conn.execute(select(func.count(), func.min(d.c.event_at))
                                           .where(d.c.status == PENDING, d.c.subscription_id.in_(active))).one()
        age = None if oldest is None else max((self.clock.now() - oldest).total_seconds(), 0.0)
        return {"position": position, "head": head, "behind": max(head - position, 0), "pending": pending,
                "oldest_pending_age_seconds": age}

    def deliveries(self, subscription_id: str | None = None, limit: int = 50,
                   after: int = 0) -> list[dict[str, Any]]:
        d = self.t.deliveries
        query = select(d).where(d.c.position > after).order_by(d.c.position, d.c.subscription_id).limit(limit)
        if subscription_id is not None:
            query = query.where(d.c.subscription_id == subscription_id)
        with self.engine.connect() as conn:
            return [dict(row) for row in conn.execute(query).mappings()]

    def retry(self, subscription_id: str, delivery_id: str) -> dict[str, Any] | None:
        """Try this delivery again from the start of the schedule (a delivered one too: the receiver asks)."""
        d = self.t.deliveries
        with write_connection(self.engine) as conn, conn.begin():
            done = conn.execute(update(d).where(d.c.id == delivery_id, d.c.subscription_id == subscription_id)
                                .values(status=PENDING, attempts=0, next_attempt_at=self.clock.now())).rowcount
        return self.delivery(delivery_id) if done else None

    def delivery(self, delivery_id: str) -> dict[str, Any] | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(self.t.deliveries).where(self.t.deliveries.c.id == delivery_id)).mappings()
            found = row.first()
        return None if found is None else dict(found)

    def close(self) -> None:
        """The engine belongs to the read model; the courier's threads are the outbox's own."""
        if self.courier is not None:
            self.courier.close()
