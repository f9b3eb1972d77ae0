"""The key store: keys made once whichever process asks first, read on a connection of the reader's own that
survives the server dropping it, and destroyed for good."""

from __future__ import annotations

import os
from datetime import datetime, timezone

import psycopg
import pytest

from application.persistence.key_store import KeyStore
from application.settings import Settings
from tests.stores import POSTGRES_ADMIN_URL

AT = datetime(2026, 12, 1, tzinfo=timezone.utc)


def test_two_key_stores_on_one_store_share_each_key_and_its_destruction(settings, tmp_path):
    first, second = KeyStore.open(settings.store), KeyStore.open(settings.store)
    key = first.key_for("a" * 32, AT)
    assert second.key_for("a" * 32, AT) == key == second.key("a" * 32) and len(key) == 32
    assert first.secret() == second.secret()
    assert second.destroy("a" * 32) and first.key("a" * 32) is None and not first.destroy("a" * 32)
    first.close(), second.close()


@pytest.mark.postgres
def test_a_read_on_a_connection_the_server_dropped_is_made_again_on_a_new_one(postgres_url, tmp_path, monkeypatch):
    name = f"civicflow-test-keys-{os.getpid()}-{tmp_path.name}"[:60]  # only this test's connections are dropped
    monkeypatch.setenv("PGAPPNAME", name)
    keys = KeyStore.open(Settings(database_url=postgres_url, var_dir=tmp_path).store)
    key = keys.key_for("b" * 32, AT)
    assert keys.key("b" * 32) == key  # the reader's connection is open now
    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True, application_name="test-admin") as admin:  # a restart
        dropped = admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = %s "
                                "AND query LIKE %s", (name, "%resident_keys%")).fetchall()
    assert dropped
    assert keys.key("b" * 32) == key
    keys.close()


def test_several_keys_are_read_at_once_and_a_destroyed_one_reads_as_none(settings, tmp_path):
    keys = KeyStore.open(settings.store)
    made = {rid: keys.key_for(rid, AT) for rid in ("c" * 32, "d" * 32)}
    keys.destroy("d" * 32)
    assert keys.keys_of(["c" * 32, "d" * 32, "e" * 32, "c" * 32]) == {"c" * 32: made["c" * 32], "d" * 32: None,
                                                                       "e" * 32: None}
    assert keys.keys_of([]) == {}
    keys.close()
