"""Reads made on every request (the key store's) on a plain DBAPI connection per thread, in autocommit: every read
sees what any process committed (an erasure at once). SQLAlchemy's pool and statement handling cost ten times such
a read on SQLite, and as much as the round trip itself on PostgreSQL."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable
from typing import Any

import psycopg


class Readers:
    def __init__(self, connect: Callable[[], Any], placeholder: str, dropped: tuple[type[Exception], ...] = ()):
        self.connect, self.placeholder, self.dropped = connect, placeholder, dropped
        self.local, self.opened, self.lock = threading.local(), [], threading.Lock()  # type: ignore[var-annotated]

    @classmethod
    def sqlite(cls, path: str) -> Readers:
        return cls(lambda: sqlite3.connect(path, timeout=30, isolation_level=None, check_same_thread=False), "?")

    @classmethod
    def postgresql(cls, conninfo: str) -> Readers:
        return cls(lambda: psycopg.connect(conninfo, autocommit=True), "%s", (psycopg.OperationalError,))

    def scalar(self, sql: str, *params: Any) -> Any:
        """`sql` with `?` for its parameters. A connection the server dropped (a restart) is opened again, once."""
        rows = self.rows(sql, *params)
        return rows[0][0] if rows else None

    def rows(self, sql: str, *params: Any) -> list[tuple[Any, ...]]:
        """Every row of `sql` (`?` for its parameters); a dropped connection is opened again, once."""
        sql = sql.replace("?", self.placeholder)
        try:
            return list(self._connection().execute(sql, params).fetchall())
        except self.dropped:
            self.local.conn = None
            return list(self._connection().execute(sql, params).fetchall())

    def _connection(self) -> Any:
        conn = getattr(self.local, "conn", None)
        if conn is None:
            conn = self.local.conn = self.connect()
            with self.lock:
                self.opened.append(conn)
        return conn

    def close(self) -> None:
        with self.lock:
            for conn in self.opened:
                conn.close()
            self.opened.clear()
        self.local = threading.local()
