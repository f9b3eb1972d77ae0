"""Streaming long tables and the notification log page by page (constant memory, any length)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from eventsourcing.persistence import ApplicationRecorder, Notification
from sqlalchemy import Column, Engine, Select

PAGE = 1_000


def notifications(recorder: ApplicationRecorder, *, after: int = 0, stop: int | None = None,
                  page: int = PAGE) -> Iterator[Notification]:
    while batch := recorder.select_notifications(after, page, stop=stop, inclusive_of_start=False):
        yield from batch
        after = batch[-1].id


def rows(engine: Engine, query: Select[Any], key: Column[Any], *, after: int = 0,
         page: int = PAGE) -> Iterator[Mapping[str, Any]]:
    """Rows of `query` (read-only mappings) in ascending `key` (an integer position), one short read
    transaction per page."""
    while True:
        with engine.connect() as conn:
            batch = list(conn.execute(query.where(key > after).order_by(key).limit(page)).mappings())
        yield from batch
        if len(batch) < page:
            return
        after = batch[-1][key.name]
