"""The key store (DESIGN §14): one AES-GCM key per resident, apart from the events — its own SQLite file beside
the store, or its own PostgreSQL schema — so that a backup of the events alone holds no readable personal data,
and erasing a resident is destroying one key (crypto-shredding).

Also kept here: the installation's secret (resident ids are an HMAC of the phone under it, so the phone itself is
stored nowhere). Which orders a key sealed is read from the events' own views (projections/reads/residents.py).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Collection, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy import (Column, Connection, DateTime, Engine, LargeBinary, MetaData, String, Table, create_engine,
                        bindparam, delete, event, insert, select)
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.pool import StaticPool

from application.persistence.readers import Readers
from application.persistence.store import StoreLocation

KEY_BYTES = 32
WRITE = "key_store_write"
DDL_LOCK = 0x6B657973  # an advisory lock id of our own ("keys")
SECRET = "resident-ids"


def _tables(md: MetaData) -> tuple[Table, Table]:
    keys = Table("resident_keys", md, Column("key_id", String(64), primary_key=True),
                 Column("key", LargeBinary, nullable=False), Column("created_at", DateTime, nullable=False))
    secrets = Table("installation_secrets", md, Column("name", String(64), primary_key=True),
                    Column("secret", LargeBinary, nullable=False))
    return keys, secrets


class KeyStore:
    def __init__(self, engine: Engine, schema: str | None = None, readers: Readers | None = None):
        self.engine, md = engine, MetaData()
        self.readers = readers  # the key reads, made for every order sealed or opened (else through the engine)
        self.keys, self.secrets = _tables(md)
        # Built once: a key is read for every order sealed or opened, and building the statement costs as much
        # as running it on SQLite.
        self._key_by_id = select(self.keys.c.key).where(self.keys.c.key_id == bindparam("key_id"))
        with engine.begin() as conn:  # processes starting together: one creates, the others wait and find it
            if schema is not None:
                conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({DDL_LOCK})")
                conn.exec_driver_sql(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
            md.create_all(conn, checkfirst=True)

    @classmethod
    def open(cls, store: StoreLocation) -> KeyStore:
        if store.kind == "postgresql":
            schema = f"{store.schema}_keys"
            conninfo = psycopg.conninfo.make_conninfo(host=store.host, port=store.port, user=store.user,
                                                      password=store.password or None, dbname=store.dbname,
                                                      options=f"-c search_path={schema}")
            return cls(_engine(store), schema, Readers.postgresql(conninfo))
        if store.kind == "sqlite" and store.path is not None:
            return cls(_engine(store), None, Readers.sqlite(str(key_store_path(store.path))))
        return cls(_engine(store))

    def secret(self) -> bytes:
        """The installation's secret, made on first use (the same for every process)."""
        found = self._scalar(select(self.secrets.c.secret).where(self.secrets.c.name == SECRET))
        if found is None:
            self._insert_once(self.secrets, {"name": SECRET, "secret": os.urandom(KEY_BYTES)})
            found = self._scalar(select(self.secrets.c.secret).where(self.secrets.c.name == SECRET))
        return bytes(found)

    def key(self, key_id: str) -> bytes | None:
        if self.readers is not None:
            found = self.readers.scalar("SELECT key FROM resident_keys WHERE key_id = ?", key_id)
        else:
            found = self._scalar(self._key_by_id, {"key_id": key_id})
        return None if found is None else bytes(found)

    def keys_of(self, key_ids: Collection[str]) -> dict[str, bytes | None]:
        """Several residents' keys in one read (a page of orders); None for a key that is gone (erased)."""
        ids = sorted(set(key_ids))
        if not ids:
            return {}
        if self.readers is not None:
            marks = ", ".join("?" * len(ids))
            rows = self.readers.rows(f"SELECT key_id, key FROM resident_keys WHERE key_id IN ({marks})", *ids)
        else:
            rows = self._once_more_if_dropped(lambda: self._rows(ids))
        found = {key_id: bytes(key) for key_id, key in rows}
        return {key_id: found.get(key_id) for key_id in ids}

    def _rows(self, ids: list[str]) -> list[Any]:
        with self.engine.connect() as conn:
            return list(conn.execute(select(self.keys.c.key_id, self.keys.c.key).where(self.keys.c.key_id.in_(ids))))

    def key_for(self, key_id: str, at: datetime) -> bytes:
        """The resident's key, made now (committed and synced before any event is sealed with it) if they have
        none; made once, whichever process asks first."""
        found = self.key(key_id)
        if found is not None:
            return found

        def make() -> bytes:
            with self._writing() as conn:
                conn.execute(_insert_new(conn, self.keys, {"key_id": key_id, "key": os.urandom(KEY_BYTES),
                                                           "created_at": at}))
                return bytes(conn.execute(select(self.keys.c.key).where(self.keys.c.key_id == key_id)).scalar_one())
        return self._once_more_if_dropped(make)

    def destroy(self, key_id: str) -> bool:
        """Destroy the key so that nothing of it stays in the store's files; whether there was one."""
        def delete_it() -> bool:
            with self._writing() as conn:
                return conn.execute(delete(self.keys).where(self.keys.c.key_id == key_id)).rowcount > 0
        gone = self._once_more_if_dropped(delete_it)
        self._scrub()
        return gone

    def _scrub(self) -> None:
        """SQLite: secure_delete zeroed the deleted cells; fold the WAL into the file and empty it. PostgreSQL:
        rewrite the table (VACUUM FULL), so the dead row's bytes leave the data files."""
        raw = self.engine.raw_connection()  # outside any transaction: neither statement may run inside one
        try:
            if self.engine.dialect.name == "sqlite":
                raw.driver_connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # type: ignore[union-attr]
            else:
                raw.driver_connection.autocommit = True  # type: ignore[union-attr]
                raw.driver_connection.execute("VACUUM FULL resident_keys")  # type: ignore[union-attr]
                raw.driver_connection.autocommit = False  # type: ignore[union-attr]
        finally:
            raw.close()

    @contextmanager
    def _writing(self) -> Iterator[Connection]:
        """A write transaction (SQLite: BEGIN IMMEDIATE, so writers queue instead of failing; reads take no lock)."""
        with self.engine.connect().execution_options(**{WRITE: True}) as conn, conn.begin():
            yield conn

    def _scalar(self, query: Any, params: dict[str, Any] | None = None) -> Any:
        """A read: on PostgreSQL outside a transaction, so that it costs one round trip, not three (a key is read
        for every order sealed or opened)."""
        def read() -> Any:
            with self.engine.connect() as conn:
                if conn.dialect.name == "postgresql":
                    conn = conn.execution_options(isolation_level="AUTOCOMMIT")
                return conn.execute(query, params or {}).scalar()
        return self._once_more_if_dropped(read)

    @staticmethod
    def _once_more_if_dropped(work: Callable[[], Any]) -> Any:
        """The pool does not ping a connection before use (a round trip per key read): one the server dropped (a
        restart) is found by using it, and the work — a read, or a write that is the same done twice — is done
        again once, on a fresh connection."""
        try:
            return work()
        except DBAPIError as error:
            if not error.connection_invalidated:
                raise
        return work()

    def _insert_once(self, table: Table, row: dict[str, Any]) -> None:
        try:
            with self._writing() as conn:
                conn.execute(insert(table), [row])
        except IntegrityError:
            pass  # another process made it first: theirs is kept

    def close(self) -> None:
        if self.readers is not None:
            self.readers.close()
        self.engine.dispose()


def _insert_new(conn: Any, table: Table, row: dict[str, Any]) -> Any:
    """INSERT that leaves an existing row (same key) as it is."""
    dialect = sqlite_insert if conn.dialect.name == "sqlite" else postgresql_insert
    return dialect(table).values(**row).on_conflict_do_nothing()


def key_store_path(store_path: Path) -> Path:
    return store_path.with_name(store_path.stem + "-keys" + (store_path.suffix or ".db"))


def _engine(store: StoreLocation) -> Engine:
    if store.kind == "postgresql":
        schema = f"{store.schema}_keys"
        return create_engine(store.sqlalchemy_url(), connect_args={"options": f"-c search_path={schema}"},
                             pool_size=2, max_overflow=4)
    if store.kind == "sqlite" and store.path is not None:
        engine = create_engine(f"sqlite:///{key_store_path(store.path)}", connect_args={"timeout": 30})

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_connection: Any, record: Any) -> None:
            dbapi_connection.isolation_level = None  # we BEGIN ourselves (below): writers queue, none fails
            dbapi_connection.execute("PRAGMA journal_mode=WAL")
            dbapi_connection.execute("PRAGMA secure_delete=ON")  # deleted keys are overwritten with zeros
            dbapi_connection.execute("PRAGMA synchronous=FULL")  # a key is synced before its order is written

        @event.listens_for(engine, "begin")
        def _begin(connection: Any) -> None:
            if connection.get_execution_options().get(WRITE):  # a read is one SELECT: it needs no transaction
                connection.exec_driver_sql("BEGIN IMMEDIATE")
        return engine
    return create_engine("sqlite://", poolclass=StaticPool, connect_args={"check_same_thread": False})
