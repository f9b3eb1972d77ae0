"""Writing a page's rows through the driver: SQLAlchemy gives each column's bind processor once, the rows go
to the DBAPI as tuples in one executemany (PostgreSQL: inserts by COPY), inside the caller's transaction.

Core's executemany processes every parameter of every row through its generic machinery, which was a tenth
of a fold's time; the values written are the same (the same processors: UTCDateTime, JSON in canonical form).
A column named in `raw` already holds the driver's value (an audit row's data is canonical JSON text, made
once for its hash and written as is).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from operator import itemgetter
from typing import Any

from sqlalchemy import Column, Connection, Table

Row = dict[str, Any]
Processor = Callable[[Any], Any] | None

COPY_FROM = 200  # below this many rows an INSERT's round trip is no dearer than starting a COPY


def _processors(conn: Connection, columns: Sequence[Column[Any]], raw: Collection[str]) -> list[Processor]:
    dialect = conn.dialect
    return [None if c.name in raw else c.type._cached_bind_processor(dialect) for c in columns]


def _tuples(rows: Sequence[Row], names: Sequence[str], processors: Sequence[Processor]) -> list[Any]:
    """Each row's values in `names` order, through the columns' processors (those that have one)."""
    values = itemgetter(*names)
    processed = [(i, p) for i, p in enumerate(processors) if p is not None]
    if not processed:
        return [values(row) for row in rows]
    out = []
    for row in rows:
        row_values = list(values(row))
        for i, process in processed:
            row_values[i] = process(row_values[i])
        out.append(tuple(row_values))
    return out


def _quoted(conn: Connection, table: Table, names: Sequence[str]) -> tuple[str, list[str]]:
    quote = conn.dialect.identifier_preparer
    return quote.format_table(table), [quote.quote(name) for name in names]


def _marker(conn: Connection) -> str:
    return "?" if conn.dialect.paramstyle == "qmark" else "%s"


def insert_rows(conn: Connection, table: Table, rows: Sequence[Row], raw: Collection[str] = ()) -> None:
    """INSERT every row (each row has every column of the table)."""
    if not rows:
        return
    columns = list(table.columns)
    names = [c.name for c in columns]
    values = _tuples(rows, names, _processors(conn, columns, raw))
    name, quoted = _quoted(conn, table, names)
    if conn.dialect.name == "postgresql" and len(rows) >= COPY_FROM:
        _copy(conn, f"COPY {name} ({', '.join(quoted)}) FROM STDIN", values)
        return
    marks = ", ".join(_marker(conn) for _ in names)
    conn.exec_driver_sql(f"INSERT INTO {name} ({', '.join(quoted)}) VALUES ({marks})", values)


def update_rows(conn: Connection, table: Table, rows: Sequence[Row], key: str = "id",
                only: Sequence[str] | None = None) -> None:
    """UPDATE every row's other columns (or those named in `only`), found by its `key` column."""
    if not rows:
        return
    _, values, name, quoted = _updated(conn, table, rows, key, only)
    mark = _marker(conn)
    assignments = ", ".join(f"{q} = {mark}" for q in quoted[:-1])
    conn.exec_driver_sql(f"UPDATE {name} SET {assignments} WHERE {quoted[-1]} = {mark}", values)


def update_from_arrays(conn: Connection, table: Table, rows: Sequence[Row], key: str = "id",
                       only: Sequence[str] | None = None) -> tuple[str, tuple[list[Any], ...]]:
    """PostgreSQL: update_rows as one statement, `UPDATE … FROM unnest(<one array per column>)`, and its
    parameters: the server parses and plans it once (an executemany is a statement per row), and its text is the
    same for any number of rows (so the driver prepares it once, and does not parse a long text each time)."""
    rows = list({row[key]: row for row in rows}.values())  # a key given twice: its last row, as update_rows
    columns, values, name, quoted = _updated(conn, table, rows, key, only)
    arrays = ", ".join(f"%s::{c.type.compile(conn.dialect)}[]" for c in columns)
    assignments = ", ".join(f"{q} = v.{q}" for q in quoted[:-1])
    return (f"UPDATE {name} AS t SET {assignments} FROM unnest({arrays}) AS v ({', '.join(quoted)}) "
            f"WHERE t.{quoted[-1]} = v.{quoted[-1]}", tuple(list(column) for column in zip(*values)))


def _updated(conn: Connection, table: Table, rows: Sequence[Row], key: str,
             only: Sequence[str] | None) -> tuple[list[Column[Any]], list[Any], str, list[str]]:
    """The columns an update sets (the key last), each row's values for them, the quoted table and names."""
    columns = [c for c in table.columns if c.name != key and (only is None or c.name in only)] + [table.c[key]]
    names = [c.name for c in columns]
    return columns, _tuples(rows, names, _processors(conn, columns, ())), *_quoted(conn, table, names)


def _copy(conn: Connection, statement: str, values: list[Any]) -> None:
    """COPY on the connection's own psycopg connection: the same transaction as the rest of the page."""
    driver = conn.connection.driver_connection
    with driver.cursor() as cursor, cursor.copy(statement) as copy:  # type: ignore[union-attr]
        for row in values:
            copy.write_row(row)
