"""Copy a SQLite event store's events into a PostgreSQL schema, as they are (same ids, versions, topics, bytes
and notification positions), so that a large store seeded once can be measured on both stores: a demo load of
1,000,000 orders through the application takes 8 minutes on SQLite and did not finish in a session on
PostgreSQL. Views, keys and accounts are not copied; fold the views on the copy (`civicflow projections rebuild`).

Run: .venv/bin/python bench/copy_store.py SQLITE_FILE 'postgresql://postgres@127.0.0.1:5432/test?schema=NAME'
     (the schema must not exist yet; the audit key of the SQLite store's var folder signs the copy's checkpoints)
"""

from __future__ import annotations

import argparse
import sqlite3
import time
from pathlib import Path
from uuid import UUID

import psycopg

from application.settings import Settings
from application.persistence.store import StoreLocation
from interfaces.bootstrap import application

BATCH = 50_000


def create_tables(url: str, var_dir: Path) -> None:
    """The application's own tables on the new schema, made as the application makes them."""
    location = StoreLocation.parse(url)
    with psycopg.connect(host=location.host, port=location.port, user=location.user, dbname=location.dbname,
                         autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{location.schema}"')
    application(Settings(database_url=url, var_dir=var_dir), reference_data=False).close()


def copy_events(source: Path, url: str) -> int:
    location = StoreLocation.parse(url)
    table = f'"{location.schema}".civicflow_events'
    events = sqlite3.connect(source).execute(
        "SELECT rowid, originator_id, originator_version, topic, state FROM stored_events ORDER BY rowid")
    copied = 0
    with psycopg.connect(host=location.host, port=location.port, user=location.user, dbname=location.dbname) as pg:
        with pg.cursor() as cursor, cursor.copy(f"COPY {table} (notification_id, originator_id, originator_version,"
                                                " topic, state) FROM STDIN") as copy:
            while rows := events.fetchmany(BATCH):
                for position, originator_id, version, topic, state in rows:
                    copy.write_row((position, UUID(originator_id), version, topic, state))
                copied += len(rows)
        pg.execute(f"SELECT setval('{location.schema}.civicflow_events_notification_id_seq', "
                   f"(SELECT max(notification_id) FROM {table}))")
    return copied


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sqlite_file", type=Path)
    parser.add_argument("postgresql_url")
    args = parser.parse_args()
    started = time.perf_counter()
    create_tables(args.postgresql_url, args.sqlite_file.parent)
    copied = copy_events(args.sqlite_file, args.postgresql_url)
    print(f"{copied} events copied in {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
