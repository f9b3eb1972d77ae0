"""The page writer (views/bulk.py) stores what SQLAlchemy Core stores: the same rows, the same column text."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given, settings, strategies as st
from sqlalchemy import DateTime, select, text
from sqlalchemy.dialects import sqlite

from application.settings import Settings
from interfaces.bootstrap import application, open_read_model
from projections.views.bulk import COPY_FROM, insert_rows, update_from_arrays, update_rows
from projections.views.db import UTCDateTime, write_connection
from projections.views.tables import build_tables

STAMPS = st.datetimes(timezones=st.sampled_from([timezone.utc, timezone(timedelta(hours=-5, minutes=-30))]))


@settings(max_examples=300, deadline=None)
@given(STAMPS)
def test_sqlites_timestamp_text_is_the_one_sqlalchemys_datetime_writes(at: datetime) -> None:
    dialect = sqlite.dialect()
    generic = DateTime().dialect_impl(dialect).bind_processor(dialect)
    assert UTCDateTime().bind_processor(dialect)(at) == generic(at.astimezone(timezone.utc).replace(tzinfo=None))


def volunteer(n: int, **changes):  # type: ignore[no-untyped-def]
    return {"id": f"v-{n:04d}", "name": f"志愿者 \"{n}\"", "home_site_id": "post-1", "skills": ["haircut"],
            "team_ids": [], "available": n % 2 == 0, "suspended": False, "active_order_ids": [], "active_orders": 0,
            "completed_orders": n, "service_minutes": 0, "confirmed_minutes": 0, "declared_minutes": 0,
            "rating_count": 0, "rating_total": 0, "version": 1,
            **changes}


def test_rows_inserted_and_updated_by_the_driver_read_back_as_written(read_model) -> None:  # type: ignore[no-untyped-def]
    """Enough rows for PostgreSQL's COPY, and a few for its INSERT; then every other one changed."""
    tables = build_tables("bulk_")
    engine = read_model.engine  # the store's own database (a SQLite file, then a PostgreSQL schema)
    try:
        tables.metadata.create_all(engine, tables=[tables.volunteer_roster, tables.audit_log])
        roster = tables.volunteer_roster
        rows = [volunteer(n) for n in range(COPY_FROM + 5)]
        changed = [volunteer(n, skills=["health", "haircut"], available=True, version=2) for n in range(0, 50, 2)]
        with write_connection(engine) as conn, conn.begin():
            insert_rows(conn, roster, rows[:COPY_FROM])
            insert_rows(conn, roster, rows[COPY_FROM:])
            update_rows(conn, roster, changed)
        expected = {r["id"]: r for r in [*rows, *changed]}
        with engine.connect() as conn:
            stored = {r["id"]: dict(r) for r in conn.execute(select(roster)).mappings()}
            skills = conn.execute(text(f"SELECT CAST(skills AS TEXT) FROM {roster.name} WHERE id = 'v-0000'"))
            assert skills.scalar() == '["health","haircut"]'  # canonical JSON text, as Core writes it
        assert stored == expected
    finally:
        tables.metadata.drop_all(engine, tables=[tables.volunteer_roster, tables.audit_log])


def test_an_update_of_some_columns_writes_those_alone_and_the_last_row_of_a_key(read_model) -> None:  # type: ignore[no-untyped-def]
    """A key given twice (the last row wins) and columns left out of `only` left as they were."""
    tables = build_tables("bulk_")
    engine, roster = read_model.engine, tables.volunteer_roster
    count = 20
    try:
        tables.metadata.create_all(engine, tables=[roster])
        with write_connection(engine) as conn, conn.begin():
            insert_rows(conn, roster, [volunteer(n) for n in range(count)])
            update_rows(conn, roster, [{"id": f"v-{n:04d}", "completed_orders": -n, "available": True,
                                        "name": "not written"} for n in [*range(count), 7]] +
                        [{"id": "v-0007", "completed_orders": 70, "available": False}],
                        only=("completed_orders", "available"))
        with engine.connect() as conn:
            stored = {r["id"]: dict(r) for r in conn.execute(select(roster)).mappings()}
        assert stored == {f"v-{n:04d}": volunteer(n, completed_orders=-n, available=True) for n in range(count)} | {
            "v-0007": volunteer(7, completed_orders=70, available=False)}
    finally:
        tables.metadata.drop_all(engine, tables=[roster])


@pytest.mark.postgres
def test_one_update_from_arrays_writes_what_update_rows_writes(postgres_url, tmp_path, clock) -> None:  # type: ignore[no-untyped-def]
    """PostgreSQL's one-statement update: JSON, booleans, integers; a key given twice; `only`. (Timestamps and NULLs:
    the webhook outbox writes its outcomes so, tested in tests/interfaces/integrations.)"""
    app = application(Settings(database_url=postgres_url, var_dir=tmp_path), clock=clock)
    model = open_read_model(app)
    tables = build_tables("bulk_")
    engine, roster = model.engine, tables.volunteer_roster
    changes = [{"id": f"v-{n:04d}", "skills": ["health", f"s{n}"], "available": n % 3 == 0,
                "version": n + 2, "name": "not written", "completed_orders": n} for n in [*range(5), 3]]
    changes[-1] = {**changes[-1], "version": 99}  # the last row of v-0003 wins
    try:
        tables.metadata.create_all(engine, tables=[roster])
        with write_connection(engine) as conn, conn.begin():
            insert_rows(conn, roster, [volunteer(n) for n in range(6)])
            conn.exec_driver_sql(*update_from_arrays(conn, roster, changes, only=("skills", "available", "version")))
        with engine.connect() as conn:
            stored = {r["id"]: dict(r) for r in conn.execute(select(roster)).mappings()}
        expected = {f"v-{n:04d}": volunteer(n) for n in range(6)}
        for change in changes:
            expected[change["id"]].update({k: change[k] for k in ("skills", "available", "version")})
        assert stored == expected and stored["v-0003"]["version"] == 99 and stored["v-0005"] == volunteer(5)
    finally:
        tables.metadata.drop_all(engine, tables=[roster])
        model.close()
        app.close()
