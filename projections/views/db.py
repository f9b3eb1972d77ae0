"""The SQLAlchemy side of the read model: engines on the event store's own database, and portable types."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import DateTime, event
from sqlalchemy.engine import Connection, Engine, create_engine
from sqlalchemy.pool import StaticPool
from sqlalchemy.types import TypeDecorator

SQLITE_BUSY_TIMEOUT_SECONDS = 30
SQLITE_CACHE_KIB = 64 * 1024
PG_LOCK_TIMEOUT_MS = 30_000
WRITE = "civicflow_write"


class UTCDateTime(TypeDecorator[datetime]):
    """Stored as naive UTC (sorts and compares the same on SQLite and PostgreSQL), read back tz-aware."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("view timestamps must be timezone-aware")
        return value.astimezone(timezone.utc).replace(tzinfo=None)

    def bind_processor(self, dialect: Any) -> Any:
        """On SQLite, the text SQLAlchemy's DATETIME stores ("YYYY-MM-DD HH:MM:SS.ffffff"), written in one step: it
        runs for every timestamp of every row a fold writes (tests/projections/views/test_db.py: the same text)."""
        if dialect.name != "sqlite":
            return super().bind_processor(dialect)
        return _sqlite_text

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        return None if value is None else value.replace(tzinfo=timezone.utc)


_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)  # made once: per row


def _sqlite_text(value: datetime | None) -> str | None:
    if value is None:
        return None
    if value.tzinfo is None:
        raise ValueError("view timestamps must be timezone-aware")
    return value.astimezone(timezone.utc).replace(tzinfo=None).isoformat(" ", "microseconds")


def canonical_text(value: Any) -> str:
    """JSON columns are written in canonical form (sorted keys, no spaces, UTF-8): verification compares an audit
    row's data as stored text, without parsing it."""
    return _CANONICAL.encode(value)


def open_engine(url: str, schema: str | None = None, pool_size: int = 5) -> Engine:
    """An engine for the view tables: same SQLite file, or same PostgreSQL database and schema, as the events."""
    if url.startswith("sqlite"):
        return _sqlite_engine(url)
    options = f"-c lock_timeout={PG_LOCK_TIMEOUT_MS}"
    if schema:
        options += f" -c search_path={schema}"
    return create_engine(url, connect_args={"options": options}, pool_size=pool_size, max_overflow=pool_size,
                         pool_pre_ping=True, json_serializer=canonical_text)


def _sqlite_engine(url: str) -> Engine:
    in_memory = url in ("sqlite://", "sqlite:///:memory:")
    extra: dict[str, Any] = {"poolclass": StaticPool} if in_memory else {}
    engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS, "check_same_thread": False},
                           json_serializer=canonical_text, **extra)

    @event.listens_for(engine, "connect")
    def _take_over_transactions(dbapi_connection: Any, record: Any) -> None:
        # pysqlite's own BEGIN handling is unreliable; we issue BEGIN ourselves (SQLAlchemy's recipe).
        dbapi_connection.isolation_level = None
        if not in_memory:
            dbapi_connection.execute("PRAGMA journal_mode=WAL")
            # Views are derived data: a power cut may lose the last view commits (rows and position together,
            # so they are simply folded again), never tear them. The event store keeps its own full sync.
            dbapi_connection.execute("PRAGMA synchronous=NORMAL")
            # The views' indexes outgrow SQLite's default 2 MB page cache long before a million orders.
            dbapi_connection.execute(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}")

    @event.listens_for(engine, "begin")
    def _begin(connection: Connection) -> None:
        # A projection's write transaction takes the write lock up front, so two workers serialise.
        immediate = connection.get_execution_options().get(WRITE)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


def write_connection(engine: Engine) -> Connection:
    """A connection whose transactions lock for writing from their first statement (SQLite: BEGIN IMMEDIATE)."""
    return engine.connect().execution_options(**{WRITE: True})
