"""Tampering with a real store, as someone with write access to the database (but not the signing key) could."""

from __future__ import annotations

import sqlite3
from typing import Any

import psycopg

from application.app import CivicFlow
from projections import ReadModel
from projections.audit.log import AuditLog
from projections.views.runner import Runner


class RawStore:
    """Plain SQL on the event table and the audit table, bypassing the application."""

    def __init__(self, app: CivicFlow):
        store = app.settings.store
        self.table = app.recorder.events_table_name  # type: ignore[attr-defined]
        if store.kind == "sqlite":
            self.conn: Any = sqlite3.connect(str(store.path), isolation_level=None)
            self.pos, self.mark = "rowid", "?"
        else:
            self.conn = psycopg.connect(host=store.host, port=store.port, user=store.user, dbname=store.dbname,
                                        autocommit=True, options=f"-c search_path={store.schema}")
            self.pos, self.mark = "notification_id", "%s"

    def sql(self, statement: str, *params: Any) -> list[tuple[Any, ...]]:
        cursor = self.conn.execute(statement.replace("?", self.mark), params)
        return cursor.fetchall() if cursor.description else []

    def positions(self) -> list[int]:
        return [p for (p,) in self.sql(f"SELECT {self.pos} FROM {self.table} ORDER BY {self.pos}")]

    def row(self, position: int) -> tuple[Any, int, str, bytes]:
        (row,) = self.sql(f"SELECT originator_id, originator_version, topic, state FROM {self.table} "
                          f"WHERE {self.pos} = ?", position)
        return row[0], row[1], row[2], bytes(row[3])

    def set_state(self, position: int, state: bytes) -> None:
        self.sql(f"UPDATE {self.table} SET state = ? WHERE {self.pos} = ?", state, position)

    def flip_byte(self, position: int) -> None:
        state = bytearray(self.row(position)[3])
        state[len(state) // 2] ^= 0x01
        self.set_state(position, bytes(state))

    def delete(self, position: int, *, and_after: bool = False) -> None:
        self.sql(f"DELETE FROM {self.table} WHERE {self.pos} {'>=' if and_after else '='} ?", position)

    def insert(self, position: int, originator_id: Any, version: int, topic: str, state: bytes) -> None:
        self.sql(f"INSERT INTO {self.table} (originator_id, originator_version, topic, state, {self.pos}) "
                 "VALUES (?, ?, ?, ?, ?)", originator_id, version, topic, state, position)

    def swap(self, first: int, second: int) -> None:
        move = f"UPDATE {self.table} SET {self.pos} = ? WHERE {self.pos} = ?"
        self.sql(move, -1, first)
        self.sql(move, first, second)
        self.sql(move, second, -1)

    def make_gap(self, app: CivicFlow, then: Any) -> int:
        """A hole in the positions, as a rolled-back write leaves on PostgreSQL: a junk row (numbered by the
        store itself), later events, the junk row removed. Returns the free position."""
        self.sql(f"INSERT INTO {self.table} (originator_id, originator_version, topic, state) VALUES (?, ?, ?, ?)",
                 self.row(1)[0], 10_000, "junk:Junk", b"{}")
        junk = max(self.positions())
        then()
        self.delete(junk)
        return junk

    def close(self) -> None:
        self.conn.close()


def rewrite_audit_from(model: ReadModel, position: int) -> None:
    """Recompute the audit rows from `position` on, consistently, as an attacker with the code but no key."""
    t, positions = model.tables.audit_log, model.tables.positions
    with model.engine.begin() as conn:
        previous = conn.execute(t.select().where(t.c.position < position).order_by(t.c.position.desc()).limit(1))
        conn.execute(t.delete().where(t.c.position >= position))
        conn.execute(positions.update().where(positions.c.name == "audit_log")
                     .values(position=previous.mappings().first()["position"]))
    # No checkpoint hook: the signing key is what the attacker lacks. The seals of values kept in clear are keyed
    # too; an attacker copies those from the rows as they were (here: the model's own sealer, to the same effect).
    unsigned = AuditLog(t, sealer=model.sealer)
    Runner(model.engine, positions, model.recorder, model.mapper, [unsigned]).catch_up()
