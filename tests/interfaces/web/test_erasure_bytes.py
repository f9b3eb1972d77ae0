"""Erasure is crypto-shredding, shown on the bytes (DESIGN §14), on a SQLite file and on a PostgreSQL schema.

Before erasure a resident's name, phone, address and the numbers typed into their orders' free text are in clear
in no file of the store (SQLite: every file beside it, WALs and the key store included) and in no table (PostgreSQL:
every table of the store's schema and of its key store's, text and bytea alike); yet someone holding the key store
can open them. After erasure the resident's key is in no file either (SQLite: the key store and its WAL;
PostgreSQL: the key table's data file, before and after VACUUM FULL), every read says "erased", the chain still
verifies from genesis, and exports made before and after still prove themselves.

PostgreSQL's own write-ahead log (pg_wal, the whole cluster's) is outside the store: the segments written during the
test are scanned too and reported, not asserted — they keep the destroyed key's bytes until PostgreSQL recycles them
(after checkpoints, per max_wal_size / wal_keep_size), and so does any WAL archive or base backup.

`pytest -s` prints the scan: one line per file or table, bytes scanned and the hits for each secret.
"""

from __future__ import annotations

import base64
import json
import re
import sqlite3
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import psycopg
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from flask import Flask

from application.persistence.key_store import key_store_path
from civicflow_verify import verify_lines
from domain.order import Order
from domain.privacy import ERASED
from projections import ReadModel, presenting
from tests.interfaces.web.world import POST, World
from tests.projections.audit.tamper import RawStore
from tests.stores import POSTGRES_ADMIN_URL

NAME_A, PHONE_A, ADDRESS_A = "诸葛秀英", "13911112222", "八宝山街道 7-702"
DESCRIBED = "13987654321"  # a relative's number, typed into A's description
RESIDENT_A = {"name": NAME_A, "phone": PHONE_A, "address": ADDRESS_A}
RESIDENT_B = {"name": "司马光明", "phone": "13722223333", "address": "八宝山街道 1-101"}
VOLUNTEER_PHONE = "13800000001"  # World's volunteer: not a resident, stored in clear (the scan's positive control)





def place(world: World, resident: dict[str, str], description: str, who: str = "channel") -> dict[str, Any]:
    body = {"category": "health", "site_id": POST, "description": description, "resident": resident}
    return world.ok(who, "POST", "/api/v1/orders", body)


def serve_and_review(world: World, order_id: str) -> None:
    path = f"/api/v1/orders/{order_id}"
    world.ok("dispatcher", "POST", f"{path}/dispatch", {"volunteer_id": world.volunteer_id})
    world.ok("volunteer", "POST", f"{path}/accept", {})
    world.ok("volunteer", "POST", f"{path}/start", {})
    world.clock.advance(timedelta(minutes=40))
    world.ok("volunteer", "POST", f"{path}/complete", {"service_minutes": 30, "note": f"家属 {DESCRIBED} 在场"})
    world.ok("channel", "POST", f"{path}/review", {"rating": 5, "comment": f"很满意，回访请打 {PHONE_A}"})


# --- the scan ------------------------------------------------------------------------------------------------------


@dataclass
class Scanned:
    where: str
    size: int
    hits: dict[str, int]


def forms(value: str | bytes) -> list[bytes]:
    """The ways a value may be written down: raw UTF-8 (or bytes), JSON's \\u escapes, and hex (PostgreSQL's
    bytea as text)."""
    raw = value if isinstance(value, bytes) else value.encode()
    found = {raw, raw.hex().encode()}
    if isinstance(value, str):
        escaped = json.dumps(value)[1:-1]
        found |= {escaped.encode(), re.sub(r"\\u([0-9a-f]{4})", lambda m: "\\u" + m.group(1).upper(),
                                           escaped).encode()}
    return sorted(found)


def hits_in(data: bytes, needles: dict[str, list[bytes]]) -> dict[str, int]:
    return {name: sum(data.count(form) for form in variants) for name, variants in needles.items()}


def sqlite_scan(folder: Path, needles: dict[str, list[bytes]]) -> list[Scanned]:
    """Every file under the store's folder, byte by byte: the events db, its -wal and -shm, the key store and
    its -wal, the audit key."""
    files = sorted(p for p in folder.rglob("*") if p.is_file())
    return [Scanned(str(p.relative_to(folder)), len(data := p.read_bytes()), hits_in(data, needles)) for p in files]


def postgres_tables(conn: psycopg.Connection, schema: str) -> list[str]:
    query = ("SELECT table_name FROM information_schema.tables WHERE table_schema = %s AND table_type = 'BASE TABLE'"
             " ORDER BY table_name")
    return [name for (name,) in conn.execute(query, (schema,)).fetchall()]


def postgres_scan(schema: str, needles: dict[str, list[bytes]]) -> list[Scanned]:
    """Every row of every table of the store's schema and of its key store's, as text (bytea shows as hex)."""
    scanned = []
    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as conn:
        for where in (schema, f"{schema}_keys"):
            for table in postgres_tables(conn, where):
                rows = conn.execute(f'SELECT t::text FROM "{where}"."{table}" t').fetchall()
                data = "\n".join(text for (text,) in rows).encode()
                scanned.append(Scanned(f"{where}.{table} ({len(rows)} rows)", len(data), hits_in(data, needles)))
    return scanned


def reads_server_files() -> bool:
    """Whether we may read the server's files (superuser, or pg_read_server_files and pg_monitor). Where we may
    not, the key table's data file is not scanned: its rows are (postgres_scan, StoreBytes.key_ids)."""
    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as conn:
        return bool(conn.execute("SELECT rolsuper OR (pg_has_role('pg_read_server_files', 'USAGE') AND "
                                 "pg_has_role('pg_monitor', 'USAGE')) FROM pg_roles WHERE rolname = current_user"
                                 ).fetchone()[0])


def key_table_file(schema: str) -> str:
    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as conn:
        return conn.execute(f"SELECT pg_relation_filepath('\"{schema}_keys\".resident_keys')").fetchone()[0]


def server_file(conn: psycopg.Connection, path: str) -> bytes:
    """A file of the server's data directory, read by the server (superuser: pg_read_binary_file); b"" if gone."""
    data = conn.execute("SELECT pg_read_binary_file(%s::text, 0, 268435456, true)", (path,)).fetchone()[0]
    return b"" if data is None else bytes(data)


def postgres_file(path: str, needles: dict[str, list[bytes]]) -> Scanned:
    """A table's data file as it is on disk, after a CHECKPOINT so that what the buffers hold is written out.
    A file gone (dropped by VACUUM FULL) scans as empty."""
    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as conn:
        conn.execute("CHECKPOINT")
        data = server_file(conn, path)
    return Scanned(f"file {path}", len(data), hits_in(data, needles))


def wal_since(start_lsn: str, needles: dict[str, list[bytes]]) -> list[Scanned]:
    """The WAL segments written since `start_lsn` (informational: they outlive the erasure until recycled)."""
    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as conn:
        first, last = conn.execute("SELECT pg_walfile_name(%s::pg_lsn), pg_walfile_name(pg_current_wal_lsn())",
                                   (start_lsn,)).fetchone()
        names = [n for (n,) in conn.execute("SELECT name FROM pg_ls_waldir() WHERE name BETWEEN %s AND %s "
                                            "ORDER BY name", (first, last)).fetchall()]
        segments = {name: server_file(conn, f"pg_wal/{name}") for name in names}
    return [Scanned(f"pg_wal/{name} (informational)", len(data), hits_in(data, needles))
            for name, data in segments.items()]


def current_lsn() -> str:
    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as conn:
        return str(conn.execute("SELECT pg_current_wal_lsn()").fetchone()[0])


def report(store: str, moment: str, scanned: list[Scanned]) -> None:
    for s in scanned:
        counts = "  ".join(f"{name}={count}" for name, count in s.hits.items())
        print(f"[{store}] {moment:<6} {s.where:<58} bytes={s.size:>9}  {counts}")


def total(scanned: list[Scanned], name: str) -> int:
    return sum(s.hits[name] for s in scanned)


# --- a key holder's view of the raw store ----------------------------------------------------------------------------


def opened_with(key: bytes, rid: str, field: str, stored: bytes) -> set[str]:
    """Every sealed value of `field` in raw event bytes that this key opens (what a thief of both files gets)."""
    found = set()
    for body in re.findall(rb"cf1:" + rid.encode() + rb":([A-Za-z0-9_-]+)", stored):
        raw = base64.urlsafe_b64decode(body + b"=" * (-len(body) % 4))
        try:
            found.add(AESGCM(key).decrypt(raw[:12], raw[12:], f"{rid}:{field}".encode()).decode())
        except InvalidTag:
            pass  # another field's seal
    return found


def raw_states(world: World) -> list[tuple[str, bytes]]:
    """(topic, stored bytes) of every event, read with plain SQL."""
    raw = RawStore(world.app)
    try:
        return [(topic, state) for _, _, topic, state in (raw.row(p) for p in raw.positions())]
    finally:
        raw.close()


def placed_record(lines: list[str], order_id: str) -> dict[str, Any]:
    records = [json.loads(line) for line in lines]
    return next(r for r in records if r.get("aggregate_id") == order_id and r.get("type") == "Placed")


class StoreBytes:
    """Everything the store holds, as bytes: a SQLite store's folder, or a PostgreSQL schema and its key schema
    (and the key table's data file on the server's disk)."""

    def __init__(self, world: World, folder: Path):
        self.store, self.folder = world.app.settings.store, folder
        self.postgres = self.store.kind == "postgresql"
        self.label = "postgres" if self.postgres else "sqlite"
        self.start_lsn = current_lsn() if self.postgres else ""
        self.files = self.postgres and reads_server_files()
        self.key_files = [key_table_file(self.store.schema)] if self.files else []

    def scan(self, moment: str, needles: dict[str, list[bytes]]) -> list[Scanned]:
        if self.postgres:
            if self.files:  # the key table's file now and before (VACUUM FULL rewrites it into a new one)
                self.key_files = sorted({*self.key_files, key_table_file(self.store.schema)})
            scanned = [*postgres_scan(self.store.schema, needles), *(postgres_file(f, needles) for f in self.key_files)]
        else:
            scanned = sqlite_scan(self.folder, needles)
        report(self.label, moment, scanned)
        return scanned

    def wal(self, moment: str, needles: dict[str, list[bytes]]) -> list[Scanned]:
        scanned = wal_since(self.start_lsn, needles) if self.files else []
        report(self.label, moment, scanned)
        return scanned

    def key_ids(self) -> list[str]:
        """The residents whose keys the key store still holds, by plain SQL."""
        if self.postgres:
            with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as conn:
                rows = conn.execute(f'SELECT key_id FROM "{self.store.schema}_keys".resident_keys').fetchall()
        else:
            keys = sqlite3.connect(self.folder / key_store_path(Path("civicflow.db")).name)
            try:
                rows = keys.execute("SELECT key_id FROM resident_keys").fetchall()
            finally:
                keys.close()
        return sorted(k for (k,) in rows)


def assert_nowhere(scanned: list[Scanned], *secrets: str) -> None:
    for secret in secrets:
        assert total(scanned, secret) == 0, (secret, [s.where for s in scanned if s.hits[secret]])


def assert_reads_say_erased(world: World, served: str, a_orders: list[str], mine: list[str]) -> None:
    erased = {"name": ERASED, "phone": ERASED, "address": ERASED}
    for who in ("channel", "dispatcher"):
        order = world.ok(who, "GET", f"/api/v1/orders/{served}")
        assert (order["resident"], order["description"], order["comment"]) == (erased, ERASED, ERASED)
    history = world.ok("channel", "GET", f"/api/v1/orders/{served}/history")["items"]
    by_type = {item["type"]: item["data"] for item in history}
    assert by_type["Placed"]["resident"] == erased and by_type["Placed"]["description"] == ERASED
    assert by_type["ServiceCompleted"]["note"] == ERASED and by_type["Reviewed"]["comment"] == ERASED
    copy = world.ok("admin", "POST", "/api/v1/residents/data-requests", {"phone": PHONE_A})
    assert copy["resident"] == erased and copy["erased_at"] is not None
    assert sorted(o["id"] for o in copy["orders"]) == sorted(a_orders)
    assert all(o["resident"] == erased and o["description"] == ERASED for o in copy["orders"])
    own = world.ok("channel", "POST", "/api/v1/residents/data-requests", {"phone": PHONE_A})
    assert sorted(o["id"] for o in own["orders"]) == sorted(mine) and own["resident"] == erased
    shown = json.dumps([history, copy, own], ensure_ascii=False)
    assert not any(secret in shown for secret in (PHONE_A, NAME_A, ADDRESS_A, DESCRIBED))


def assert_chain_and_exports_prove(world: World, model: ReadModel, served: str, export_before: list[str]) -> None:
    verified = model.verify()
    assert verified.ok is True and verified.checked == len(raw_states(world)), verified.as_dict()
    public_key = world.ok("inspector", "GET", "/api/v1/audit/checkpoints")["public_key"]
    assert verify_lines(export_before, public_key)["ok"] is True
    shown_before = placed_record(export_before, served)["display"]
    assert shown_before["resident"]["phone"] == "139****2222" and shown_before["resident"]["name"] == "诸***"
    export_after = list(model.export())
    proof = verify_lines(export_after, public_key)
    assert proof["ok"] is True, proof
    shown_after = placed_record(export_after, served)["display"]
    assert shown_after["resident"] == {"name": ERASED, "phone": ERASED, "address": ERASED}
    assert shown_after["description"] == ERASED
    assert PHONE_A not in "".join(export_after) and NAME_A not in "".join(export_after)


# --- the test --------------------------------------------------------------------------------------------------------


def test_erasure_leaves_the_resident_and_their_key_in_no_byte_of_the_store(web: Flask, world: World,
                                                                        tmp_path: Path) -> None:
    store, model = StoreBytes(world, tmp_path), web.extensions["civicflow.read_model"]
    served = place(world, RESIDENT_A, f"独居老人，请先打 {DESCRIBED} 联系女儿")["id"]
    serve_and_review(world, served)
    waiting = place(world, RESIDENT_A, f"下周复查血压，{DESCRIBED} 可联系")["id"]
    a_orders = [served, waiting, place(world, RESIDENT_A, "电话报修", who="other-channel")["id"]]
    others = [place(world, RESIDENT_B, "测血压")["id"], place(world, RESIDENT_B, "送药上门")["id"]]
    model.catch_up()
    export_before = list(model.export())
    model.checkpoint()
    rid, rid_b = (world.app.residents.resident_id(r["phone"]) for r in (RESIDENT_A, RESIDENT_B))
    key = world.app.residents.keys.key(rid)
    assert key is not None and len(key) == 32
    needles = {"phone": forms(PHONE_A), "name": forms(NAME_A), "address": forms(ADDRESS_A),
               "described": forms(DESCRIBED), "key": forms(key), "control": forms(VOLUNTEER_PHONE)}

    # BEFORE: ciphertext only, everywhere; the key is in the key store (and, on PostgreSQL, its file on disk).
    before = store.scan("before", needles)
    assert_nowhere(before, "phone", "name", "address", "described")
    assert total(before, "control") > 0  # the scan does see what is stored in clear
    assert total(before, "key") > 0
    if store.files:
        assert before[-1].hits["key"] > 0  # the key table's own data file, on the server's disk
    elif not store.postgres:
        assert {"civicflow.db", "civicflow-keys.db"} <= {s.where for s in before}
    # ... and whoever holds the key store reads them: the application, or a thief of both files.
    opened = world.app.residents.revealed(presenting.order(world.app.load(Order, UUID(served)), world.clock.now()))
    assert opened["resident"] == RESIDENT_A and opened["comment"] == f"很满意，回访请打 {PHONE_A}"
    assert opened_with(key, rid, "phone", b"\n".join(state for _, state in raw_states(world))) == {PHONE_A}

    erased = world.call("admin", "POST", "/api/v1/residents/erasures",
                        {"phone": PHONE_A, "reason": f"本人来电 {PHONE_A} 要求删除"})
    assert erased.status_code == 201, erased.get_json()
    assert (erased.get_json()["resident_id"], erased.get_json()["orders"]) == (rid, len(a_orders))

    # AFTER: no key and no clear value anywhere; B's key alone is left.
    model.catch_up()
    after = store.scan("after", needles)
    store.wal("after", needles)  # PostgreSQL's WAL: reported, not asserted (see wal_since)
    assert_nowhere(after, "phone", "name", "address", "described", "key")
    assert total(after, "control") > 0
    assert world.app.residents.keys.key(rid) is None and store.key_ids() == [rid_b]

    assert_reads_say_erased(world, served, a_orders, mine=[served, waiting])
    for other in others:
        assert world.ok("channel", "GET", f"/api/v1/orders/{other}")["resident"] == RESIDENT_B
    assert_chain_and_exports_prove(world, model, served, export_before)
    (erasure,) = [state for topic, state in raw_states(world) if "ResidentErasure" in topic]
    assert not any(form in erasure for form in (*forms(PHONE_A), *forms(NAME_A), *forms(ADDRESS_A)))
    assert b"139****2222" in erasure and rid.encode() in erasure  # its reason's number masked
