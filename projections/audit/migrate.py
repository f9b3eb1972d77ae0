"""Audit format v1 → v2 (`civicflow audit migrate`), never silently: a store whose audit tables are v1 opens
only to be migrated. The migration first verifies the v1 checkpoints against the event store, keeps them (in
audit_checkpoints_v1, still verifiable: `v1_report`), then folds a new v2 chain from position 0.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from sqlalchemy import BigInteger, Column, Engine, MetaData, String, Table, delete, inspect, select, text

from projections.audit import chain_v1
from projections.audit.signing import signature_is_valid
from projections.views.db import UTCDateTime, write_connection
from projections.views.paging import notifications, rows
from projections.views.tables import ViewTables

V1_CHECKPOINTS = "audit_checkpoints_v1"


class AuditFormatV1(RuntimeError):
    """The store's audit trail is format v1: run `civicflow audit migrate`."""

    def __init__(self) -> None:
        super().__init__("the audit trail of this store is format v1, whose export fields are not proven: "
                         "run `civicflow audit migrate` to move it to format v2 (its v1 checkpoints are kept)")


def audit_format(engine: Engine, tables: ViewTables) -> int | None:
    """1 or 2 from the audit tables' columns; None before they exist."""
    found = inspect(engine)
    if not found.has_table(tables.audit_log.name):
        return None
    columns = {c["name"] for c in found.get_columns(tables.audit_log.name)}
    return 2 if "content_sha256" in columns else 1


def v1_checkpoints_table(metadata: MetaData, name: str = V1_CHECKPOINTS) -> Table:
    """v1 checkpoints: where a migration keeps them, or (`name`) where a v1 store has them."""
    return Table(name, metadata, Column("position", BigInteger, primary_key=True, autoincrement=False),
                 Column("head", String(64), nullable=False), Column("count", BigInteger, nullable=False),
                 Column("at", UTCDateTime, nullable=False), Column("signature", String(128), nullable=False))


def v1_payload(row: Mapping[str, Any]) -> dict[str, Any]:
    return {"position": row["position"], "head": row["head"], "count": row["count"], "at": row["at"].isoformat()}


def v1_report(engine: Engine, recorder: Any, public_key: str, table: Table) -> dict[str, Any]:
    """The v1 checkpoints checked against the v1 chain recomputed from the event store (stored bytes only)."""
    head, count, checked = chain_v1.GENESIS, 0, 0
    marks: Iterator[Mapping[str, Any]] = rows(engine, select(table), table.c.position, after=-1)
    mark = next(marks, None)
    if mark is not None and mark["position"] == 0:  # taken on demand before anything was audited
        failure = _check_v1(public_key, mark, head, count)
        if failure:
            return _v1_failed(0, 0, failure)
        checked, mark = 1, next(marks, None)
    events = notifications(recorder)
    while mark is not None:
        event = next(events, None)
        if event is None or event.id > mark["position"]:
            return _v1_failed(checked, mark["position"], "a v1 checkpoint names a position that holds no event")
        head, count = chain_v1.next_head(head, chain_v1.notification_leaf(event)[1]), count + 1
        while mark is not None and mark["position"] == event.id:
            failure = _check_v1(public_key, mark, head, count)
            if failure:
                return _v1_failed(checked, mark["position"], failure)
            checked, mark = checked + 1, next(marks, None)
    return {"ok": True, "checkpoints": checked, "first_bad_position": None, "reason": None}


def _check_v1(public_key: str, mark: Mapping[str, Any], head: bytes, count: int) -> str | None:
    if not signature_is_valid(public_key, v1_payload(mark), mark["signature"]):
        return "a v1 checkpoint's signature is not valid for the published key"
    if (mark["head"], mark["count"]) != (head.hex(), count):
        return "a v1 checkpoint does not match the v1 chain recomputed from the store"
    return None


def _v1_failed(checked: int, position: int, reason: str) -> dict[str, Any]:
    return {"ok": False, "checkpoints": checked, "first_bad_position": position, "reason": reason}


def move_v1_tables(engine: Engine, tables: ViewTables) -> int:
    """Keep the v1 checkpoints in their own table and drop the v1 audit tables (one transaction); returns how
    many checkpoints were kept. The caller then creates the v2 tables and folds the audit view from 0."""
    kept = v1_checkpoints_table(MetaData())
    with write_connection(engine) as conn, conn.begin():
        kept.create(conn, checkfirst=True)
        old = f'"{tables.checkpoints.name}"'
        conn.execute(text(f'INSERT INTO "{V1_CHECKPOINTS}" (position, head, count, at, signature) '
                          f"SELECT position, head, count, at, signature FROM {old}"))
        moved = conn.execute(select(kept.c.position)).all()
        conn.execute(text(f"DROP TABLE {old}"))
        conn.execute(text(f'DROP TABLE "{tables.audit_log.name}"'))
        conn.execute(delete(tables.positions).where(tables.positions.c.name == "audit_log"))
    return len(moved)
