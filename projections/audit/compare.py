"""Row-by-row comparison of two tables of the same shape, streamed in primary-key order (constant memory)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, Table, select

STREAM_BATCH = 1_000
_END = object()


@dataclass(frozen=True)
class Difference:
    table: str
    key: tuple[Any, ...]
    live: dict[str, Any] | None
    replayed: dict[str, Any] | None


def _stream(engine: Engine, table: Table) -> Iterator[tuple[tuple[Any, ...], dict[str, Any]]]:
    keys = list(table.primary_key.columns)
    with engine.connect() as conn:
        result = conn.execution_options(yield_per=STREAM_BATCH).execute(select(table).order_by(*keys))
        for row in result.mappings():
            yield tuple(row[c.name] for c in keys), dict(row)


def differences(engine: Engine, live: Table, replayed: Table) -> Iterator[Difference]:
    """Every key whose row differs, or that one of the two tables lacks."""
    left, right = _stream(engine, live), _stream(engine, replayed)
    a, b = next(left, _END), next(right, _END)
    while a is not _END or b is not _END:
        if b is _END or (a is not _END and a[0] < b[0]):  # type: ignore[index, operator]
            yield Difference(live.name, a[0], a[1], None)  # type: ignore[index]
            a = next(left, _END)
        elif a is _END or b[0] < a[0]:  # type: ignore[index, operator]
            yield Difference(live.name, b[0], None, b[1])  # type: ignore[index]
            b = next(right, _END)
        else:
            if a[1] != b[1]:  # type: ignore[index]
                yield Difference(live.name, a[0], a[1], b[1])  # type: ignore[index]
            a, b = next(left, _END), next(right, _END)
