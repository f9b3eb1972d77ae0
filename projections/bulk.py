"""Many-row writes through the driver. SQLAlchemy's executemany builds and processes a parameter dict per row
in Python, which cost more than the database's own work when folding a page of events; here a statement is
compiled once per connection's dialect and each row becomes one tuple (or dict) run through the columns' own
bind processors, so the values stored are exactly those SQLAlchemy would store."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import Connection, Table, bindparam, update
from sqlalchemy.sql import ClauseElement

Processor = Callable[[Any], Any] | None


class Compiled:
    def __init__(self, statement: ClauseElement, conn: Connection):
        dialect = conn.dialect
        compiled = statement.compile(dialect=dialect)
        self.sql, self.positional = compiled.string, compiled.positional
        names = list(compiled.positiontup or []) if compiled.positional else list(compiled.binds)
        self.processors: list[tuple[str, Processor]] = [
            (name, compiled.binds[name].type.dialect_impl(dialect).bind_processor(dialect)) for name in names]

    def parameters(self, row: dict[str, Any]) -> tuple[Any, ...] | dict[str, Any]:
        values = [row[name] if process is None else process(row[name]) for name, process in self.processors]
        return tuple(values) if self.positional else dict(zip((name for name, _ in self.processors), values))

    def run(self, conn: Connection, rows: Sequence[dict[str, Any]]) -> None:
        if rows:
            conn.exec_driver_sql(self.sql, [self.parameters(row) for row in rows])  # type: ignore[arg-type]


_cache: dict[tuple[str, str, str, tuple[str, ...]], Compiled] = {}


def _compiled(kind: str, table: Table, conn: Connection, columns: tuple[str, ...],
              build: Callable[[], ClauseElement]) -> Compiled:
    key = (kind, conn.dialect.name, f"{table.schema}.{table.name}", columns)
    if key not in _cache:
        _cache[key] = Compiled(build(), conn)
    return _cache[key]


def insert_rows(conn: Connection, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """INSERT every row (all rows carry the same keys)."""
    if rows:
        columns = tuple(rows[0])
        statement = lambda: table.insert().values({c: bindparam(c, type_=table.c[c].type) for c in columns})
        _compiled("insert", table, conn, columns, statement).run(conn, rows)


def update_rows(conn: Connection, table: Table, rows: Sequence[dict[str, Any]], key: str = "id") -> None:
    """UPDATE each row's other columns where `key` matches (all rows carry the same keys)."""
    if rows:
        columns = tuple(c for c in rows[0] if c != key)
        statement = lambda: (update(table).where(table.c[key] == bindparam(f"match_{key}", type_=table.c[key].type))
                             .values({c: bindparam(f"new_{c}", type_=table.c[c].type) for c in columns}))
        compiled = _compiled("update", table, conn, columns, statement)
        compiled.run(conn, [{f"match_{key}": row[key], **{f"new_{c}": row[c] for c in columns}} for row in rows])
