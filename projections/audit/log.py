"""audit_log: every event flattened, in notification order, with the hash chain; signed checkpoints on the way."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import Connection, Table, select

from projections.audit.chain import GENESIS, next_head, notification_leaf
from projections.audit.event_data import event_data, type_names
from projections.views.runner import Item

CHECKPOINT_EVERY = 1_000


def audit_content(env: dict[str, Any], event: Any) -> dict[str, Any]:
    """The audit row's description of one stored event (everything but its place in the chain)."""
    aggregate_type, event_type = type_names(env["topic"])
    return {"aggregate_id": env["originator_id"], "aggregate_type": aggregate_type,
            "version": env["originator_version"], "type": event_type, "topic": env["topic"],
            "timestamp": event.timestamp, "actor": getattr(event, "actor", None), "data": event_data(event),
            "state_sha256": env["state_sha256"]}


def audit_row(item: Item, seq: int, previous_head: bytes) -> tuple[dict[str, Any], bytes]:
    env, leaf = notification_leaf(item.notification)
    head = next_head(previous_head, leaf)
    return {"position": item.position, "seq": seq, **audit_content(env, item.event), "hash": head.hex(),
            "prev_hash": previous_head.hex()}, head


def chain_tip(conn: Connection, table: Table) -> tuple[bytes, int]:
    """The head and count of the chain so far (the genesis head and 0 when empty)."""
    last = conn.execute(select(table.c.hash, table.c.seq).order_by(table.c.position.desc()).limit(1)).first()
    return (bytes.fromhex(last.hash), last.seq) if last else (GENESIS, 0)


class AuditLog:
    name = "audit_log"

    def __init__(self, table: Table, on_checkpoint: Callable[[Connection, dict[str, Any]], None] | None = None,
                 every: int = CHECKPOINT_EVERY):
        self.table, self.on_checkpoint, self.every = table, on_checkpoint, every

    def apply(self, conn: Connection, items: Sequence[Item]) -> None:
        head, seq = chain_tip(conn, self.table)
        rows = []
        for item in items:
            seq += 1
            row, head = audit_row(item, seq, head)
            rows.append(row)
        conn.execute(self.table.insert(), rows)
        if self.on_checkpoint is not None:
            for row in rows:
                if row["seq"] % self.every == 0:
                    self.on_checkpoint(conn, row)
