"""audit_log: every event flattened, in notification order, with the v2 hash chain; signed checkpoints on the way
(every N events, and at the end of a page when the last one is older than the interval)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import timedelta
from typing import Any

from sqlalchemy import Connection, Table, delete, func, select

from projections.audit.chain import GENESIS, Sealer, chain_step, sha256_hex, state_sha256
from projections.audit.event_data import event_data, type_names
from projections.views.bulk import insert_rows
from projections.views.db import canonical_text
from projections.views.runner import Item

CHECKPOINT_EVERY = 1_000
CHECKPOINT_INTERVAL = timedelta(minutes=10)
CheckpointHook = Callable[[Connection, dict[str, Any], bool], None]  # (conn, audit row, only if due by time)


def audit_content(originator_id: Any, version: int, topic: str, event: Any) -> dict[str, Any]:
    """The audit row's description of one stored event (everything but its hashes and place in the chain)."""
    aggregate_type, event_type = type_names(topic)
    return {"aggregate_id": str(originator_id), "aggregate_type": aggregate_type, "version": version,
            "type": event_type, "topic": topic, "timestamp": event.timestamp,
            "actor": getattr(event, "actor", None), "data": event_data(event)}


def notification_content(notification: Any, event: Any, sealer: Sealer = Sealer()) -> dict[str, Any]:
    """The audit row's content with its two hashes; `data_text` is its data as the audit table stores it."""
    content = audit_content(notification.originator_id, notification.originator_version, notification.topic, event)
    content["data_text"] = data_text = canonical_text(content["data"])
    content["state_sha256"] = state_sha256(notification)
    content["content_sha256"] = sha256_hex(sealer.form_json(content, data_text))
    return content


def audit_row(item: Item, seq: int, previous_head: str, sealer: Sealer = Sealer()) -> dict[str, Any]:
    """The row as written: its data is the canonical text the content hash was made from."""
    return chained_row(notification_content(item.notification, item.event, sealer), item.position, seq, previous_head)


def chained_row(content: dict[str, Any], position: int, seq: int, previous_head: str) -> dict[str, Any]:
    """An event's content (notification_content) placed in the chain after `previous_head`."""
    content = {**content, "data": content["data_text"]}
    del content["data_text"]
    head = chain_step(previous_head, position, content["state_sha256"], content["content_sha256"])
    return {"position": position, "seq": seq, **content, "hash": head, "prev_hash": previous_head}


def chain_tip(conn: Connection, table: Table, before: int | None = None) -> tuple[str, int]:
    """The head and count of the chain so far, or before a position (the genesis head and 0 when empty)."""
    query = select(table.c.hash, table.c.seq)
    if before is not None:
        query = query.where(table.c.position < before)
    last = conn.execute(query.order_by(table.c.position.desc()).limit(1)).first()
    return (last.hash, last.seq) if last else (GENESIS, 0)


class AuditLog:
    name = "audit_log"

    def __init__(self, table: Table, on_checkpoint: CheckpointHook | None = None, every: int = CHECKPOINT_EVERY,
                 sealer: Sealer = Sealer()):
        self.table, self.on_checkpoint, self.every, self.sealer = table, on_checkpoint, every, sealer
        self._contents: dict[int, dict[str, Any]] = {}

    def prepare(self, items: Sequence[Item]) -> None:
        """The page's contents and their hashes, made before its transaction takes the write lock (on SQLite the
        one the API's commands wait for; a parallel rebuild's other process folds meanwhile). They do not depend
        on the chain and are keyed by position, so they hold whoever applies the page (the request threads of a
        worker share one runner); apply() makes those it is not given."""
        self._contents = {item.position: notification_content(item.notification, item.event, self.sealer)
                          for item in items}

    def apply(self, conn: Connection, items: Sequence[Item]) -> None:
        first = items[0].position
        # Rows at or after the page are derived again from the store: they exist only if someone moved this
        # view's position back, and inserting over them would fail every read that catches the views up. Looked
        # for by max() first: PostgreSQL planned the DELETE as a scan of the whole table while a rebuild's bulk
        # load had left its statistics behind (each page slower than the last).
        if (conn.execute(select(func.max(self.table.c.position))).scalar() or 0) >= first:
            conn.execute(delete(self.table).where(self.table.c.position >= first))
        head, seq = chain_tip(conn, self.table, before=first)
        contents, self._contents = self._contents, {}
        rows = []
        for item in items:
            seq += 1
            content = contents.get(item.position) or notification_content(item.notification, item.event, self.sealer)
            rows.append(chained_row(content, item.position, seq, head))
            head = rows[-1]["hash"]
        insert_rows(conn, self.table, rows, raw={"data"})
        if self.on_checkpoint is not None:
            for row in rows:
                if row["seq"] % self.every == 0:
                    self.on_checkpoint(conn, row, False)
            self.on_checkpoint(conn, rows[-1], True)
