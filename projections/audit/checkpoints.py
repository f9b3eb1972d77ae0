"""Signed checkpoints of the audit chain: {position, head, count, at}, every N events and on demand."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, Table, select

from projections.audit.chain import GENESIS
from projections.views.db import write_connection
from projections.audit.signing import Signer, signature_is_valid

Clock = Callable[[], datetime]


def checkpoint_payload(row: dict[str, Any]) -> dict[str, Any]:
    """What is signed: the canonical JSON of these four fields."""
    return {"position": row["position"], "head": row["head"], "count": row["count"], "at": row["at"].isoformat()}


def checkpoint_is_signed(public_key: str, row: dict[str, Any]) -> bool:
    return signature_is_valid(public_key, checkpoint_payload(row), row["signature"])


class Checkpoints:
    def __init__(self, engine: Engine, table: Table, audit_log: Table, signer: Signer, clock: Clock):
        self.engine, self.table, self.audit_log, self.signer, self.clock = engine, table, audit_log, signer, clock

    def record(self, conn: Connection, audit_row: dict[str, Any]) -> dict[str, Any]:
        """Sign the chain as it stands at `audit_row` (inside the caller's transaction); an existing
        checkpoint at that position is kept as it is — it is evidence, never re-signed."""
        existing = conn.execute(select(self.table).where(self.table.c.position == audit_row["position"]))
        found = existing.mappings().first()
        if found is not None:
            return dict(found)
        row = {"position": audit_row["position"], "head": audit_row["hash"], "count": audit_row["seq"],
               "at": self.clock()}
        row["signature"] = self.signer.sign(checkpoint_payload(row))
        conn.execute(self.table.insert(), [row])
        return row

    def take(self) -> dict[str, Any]:
        """A checkpoint at the end of the audit chain now (the genesis head when nothing is audited yet)."""
        t = self.audit_log
        with write_connection(self.engine) as conn, conn.begin():
            tip = conn.execute(select(t.c.position, t.c.hash, t.c.seq).order_by(t.c.position.desc()).limit(1))
            last = tip.mappings().first()
            base = dict(last) if last else {"position": 0, "hash": GENESIS.hex(), "seq": 0}
            return self.record(conn, base)

    def listing(self) -> tuple[str, list[dict[str, Any]]]:
        with self.engine.connect() as conn:
            rows = [dict(r) for r in conn.execute(select(self.table).order_by(self.table.c.position)).mappings()]
        return self.signer.public_key, rows
