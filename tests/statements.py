"""Counting what a piece of code sends to PostgreSQL: every statement and command psycopg sends, from the event
store's pool (eventsourcing's connections, dict rows) and from the views' SQLAlchemy engine alike, by kind, and
the round trips they cost (a statement outside a pipeline is one; a pipeline's statements share its syncs).

Tests and the round-trip bench only (`with Statements() as seen: ...`): it patches psycopg's classes while open.
"""

from __future__ import annotations

import re
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from typing import Any

from psycopg._connection_base import BaseConnection
from psycopg._cursor_base import BaseCursor
from psycopg._pipeline_base import BasePipeline
from psycopg.rows import dict_row

TABLE = re.compile(r'(?:FROM|INTO|UPDATE|TABLE)\s+(?:"?\w+"?\.)?"?(\w+)"?', re.IGNORECASE)


def kind_of(text: str) -> str:
    """`SELECT civicflow_events`, `SELECT MAX civicflow_events`, `INSERT civicflow_events`, `LOCK ...`, `BEGIN`..."""
    words = text.strip().split(None, 1)
    verb = words[0].upper() if words else "?"
    if verb in ("BEGIN", "COMMIT", "ROLLBACK", "NOTIFY", "SET", "SAVEPOINT", "RELEASE", "LISTEN"):
        return verb
    table = TABLE.search(text)
    verb = f"{verb} MAX" if verb == "SELECT" and "MAX(" in text.upper() else verb
    return f"{verb} {table.group(1)}" if table else verb


class Statements:
    """Statements sent while open, as (side, kind) → count, side "store" (the recorder's pool) or "views"
    (the read model's engine); `round_trips[side]` counts waits on the server."""

    def __init__(self) -> None:
        self.sent: Counter[tuple[str, str]] = Counter()
        self.round_trips: Counter[str] = Counter()
        self.lock = threading.Lock()
        self._stack = ExitStack()

    def __enter__(self) -> Statements:
        self._stack.enter_context(_patched(BaseCursor, "_execute_send", self._on_cursor_send))
        self._stack.enter_context(_patched(BaseCursor, "_send_query_prepared", self._on_prepared_send))
        self._stack.enter_context(_patched(BaseCursor, "_send_prepare", self._on_prepare))
        self._stack.enter_context(_patched(BaseConnection, "_exec_command", self._on_command))
        self._stack.enter_context(_patched(BasePipeline, "_sync_gen", self._on_sync))
        return self

    def __exit__(self, *exc: object) -> None:
        self._stack.close()

    def reset(self) -> None:
        with self.lock:
            self.sent.clear()
            self.round_trips.clear()

    def of(self, side: str) -> Counter[str]:
        return Counter({kind: n for (s, kind), n in self.sent.items() if s == side})

    def total(self, side: str | None = None) -> int:
        return sum(self.round_trips.values()) if side is None else self.round_trips[side]

    def _note(self, conn: Any, text: str) -> None:
        side = "store" if conn.row_factory is dict_row else "views"
        with self.lock:
            self.sent[(side, kind_of(text))] += 1
            if conn._pipeline is None:
                self.round_trips[side] += 1

    def _on_cursor_send(self, original: Any, cursor: Any, query: Any, *args: Any, **kwargs: Any) -> Any:
        self._note(cursor._conn, _text(query.query))
        return original(cursor, query, *args, **kwargs)

    def _on_prepared_send(self, original: Any, cursor: Any, name: Any, query: Any, *args: Any, **kwargs: Any) -> Any:
        self._note(cursor._conn, _text(query.query))
        return original(cursor, name, query, *args, **kwargs)

    def _on_prepare(self, original: Any, cursor: Any, name: Any, query: Any, *args: Any, **kwargs: Any) -> Any:
        self._note(cursor._conn, "PREPARE")  # its own round trip outside a pipeline (once per connection)
        return original(cursor, name, query, *args, **kwargs)

    def _on_command(self, original: Any, conn: Any, command: Any, *args: Any, **kwargs: Any) -> Any:
        self._note(conn, _text(command if isinstance(command, (str, bytes)) else command.as_string(conn)))
        return original(conn, command, *args, **kwargs)

    def _on_sync(self, original: Any, pipeline: Any, *args: Any, **kwargs: Any) -> Any:
        side = "store" if pipeline._conn.row_factory is dict_row else "views"
        with self.lock:
            self.round_trips[side] += 1
        return original(pipeline, *args, **kwargs)


def _text(query: Any) -> str:
    return query.decode("utf-8", "replace") if isinstance(query, bytes) else str(query)


@contextmanager
def _patched(cls: type, name: str, hook: Any) -> Iterator[None]:
    original = getattr(cls, name)

    def wrapper(self: Any, *args: Any, **kwargs: Any) -> Any:
        return hook(original, self, *args, **kwargs)

    setattr(cls, name, wrapper)
    try:
        yield
    finally:
        setattr(cls, name, original)
