"""Test stores: SQLite files in a temporary folder and PostgreSQL schemas made (and dropped) per test."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
import pytest

POSTGRES_ADMIN_URL = os.environ.get("CIVICFLOW_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")


def postgres_unreachable_reason() -> str | None:
    try:
        with psycopg.connect(POSTGRES_ADMIN_URL, connect_timeout=3):
            return None
    except psycopg.Error as error:
        return f"PostgreSQL at {POSTGRES_ADMIN_URL} is unreachable: {error}".strip()


def require_postgres() -> None:
    """Skip with the reason when PostgreSQL is down; under CI=true, fail instead: CI must test it."""
    reason = postgres_unreachable_reason()
    if reason is None:
        return
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(reason)
    pytest.skip(reason)


@contextmanager
def postgres_schema() -> Iterator[str]:
    """A fresh schema for one test; yields a CIVICFLOW_DATABASE_URL pointing at it, drops it afterwards."""
    require_postgres()
    schema = f"t_{uuid.uuid4().hex[:16]}"
    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    try:
        yield f"{POSTGRES_ADMIN_URL}?schema={schema}"
    finally:
        with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
            conn.execute(f'DROP SCHEMA IF EXISTS "{schema}_keys" CASCADE')  # the key store's (DESIGN §14)
