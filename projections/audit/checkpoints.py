"""Signed checkpoints of the audit chain (format v2): {v, kind, position, head, count, at, previous, every}.

Taken every N events, at the end of a page when the newest is older than the interval, on the first start
(the genesis checkpoint), and on demand. Each names the position of the one before it, so deleting one
breaks the next one's link; only ever appended after the newest, never re-signed: they are evidence.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any

from sqlalchemy import Connection, Engine, Table, func, select

from civicflow_verify import VERSION, signature_is_valid, signed_payload
from projections.audit.chain import GENESIS
from projections.audit.log import CHECKPOINT_EVERY, CHECKPOINT_INTERVAL
from projections.audit.signing import Signer
from projections.views.db import write_connection

Clock = Callable[[], datetime]
GENESIS_ROW = {"position": 0, "hash": GENESIS, "seq": 0}


def as_record(row: dict[str, Any], kind: str = "checkpoint") -> dict[str, Any]:
    """A checkpoint row as the signed record of the format (what exports carry and signatures cover)."""
    record = {"v": VERSION, "kind": kind, "position": row["position"], "head": row["head"], "count": row["count"],
              "at": row["at"].isoformat(), "signature": row.get("signature")}
    if kind == "checkpoint":
        record.update(previous=row["previous"], every=row["every"])
    return record


def checkpoint_is_signed(public_key: str, row: dict[str, Any]) -> bool:
    try:
        return signature_is_valid(public_key, as_record(row))
    except (KeyError, TypeError, AttributeError):
        return False


class Checkpoints:
    def __init__(self, engine: Engine, table: Table, audit_log: Table, positions: Table, signer: Signer,
                 clock: Clock, every: int = CHECKPOINT_EVERY, interval: timedelta = CHECKPOINT_INTERVAL):
        self.engine, self.table, self.audit_log, self.positions = engine, table, audit_log, positions
        self.signer, self.clock, self.every, self.interval = signer, clock, every, interval
        self._newest = select(table).order_by(table.c.position.desc()).limit(1)

    def record(self, conn: Connection, audit_row: dict[str, Any], only_if_due: bool = False) -> dict[str, Any] | None:
        """Sign the chain as it stands at `audit_row`, inside the caller's transaction (which holds the audit
        view's position row, so checkpoints are taken one at a time); only after the newest one, and with
        `only_if_due` only when the newest is older than the interval."""
        newest = conn.execute(self._newest).mappings().first()
        if newest is not None and newest["position"] >= audit_row["position"]:
            return dict(newest) if newest["position"] == audit_row["position"] else None
        now = self.clock().astimezone(timezone.utc)
        if only_if_due and newest is not None and now - newest["at"] < self.interval:
            return None
        row = {"position": audit_row["position"], "head": audit_row["hash"], "count": audit_row["seq"], "at": now,
               "previous": None if newest is None else newest["position"], "every": self.every}
        row["signature"] = self.signer.sign(signed_payload(as_record(row)))
        conn.execute(self.table.insert(), [row])
        return row

    def take(self) -> dict[str, Any]:
        """A checkpoint at the end of the audit chain now (the genesis checkpoint when nothing is audited yet)."""
        t = self.audit_log
        with write_connection(self.engine) as conn, conn.begin():
            self._lock_audit_position(conn)
            tip = conn.execute(select(t.c.position, t.c.hash, t.c.seq).order_by(t.c.position.desc()).limit(1))
            last = tip.mappings().first()
            taken = self.record(conn, dict(last) if last else GENESIS_ROW)
            if taken is None:  # the newest checkpoint lies beyond the audit table's tip (its rows were removed)
                taken = dict(conn.execute(self._newest).mappings().one())
            return taken

    def take_first(self) -> None:
        """The genesis checkpoint of a fresh install (or the first after a migration), once."""
        with self.engine.connect() as conn:
            if conn.execute(select(func.count()).select_from(self.table)).scalar_one():
                return
        self.take()

    def _lock_audit_position(self, conn: Connection) -> None:
        p = self.positions
        conn.execute(select(p.c.position).where(p.c.name == "audit_log").with_for_update())

    def listing(self) -> tuple[str, list[dict[str, Any]]]:
        with self.engine.connect() as conn:
            rows = [dict(r) for r in conn.execute(select(self.table).order_by(self.table.c.position)).mappings()]
        return self.signer.public_key, rows

    def newest(self) -> dict[str, Any] | None:
        with self.engine.connect() as conn:
            found = conn.execute(self._newest).mappings().first()
        return None if found is None else dict(found)
