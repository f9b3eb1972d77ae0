"""Index names across generations of the views. A blue/green rebuild (generations.py) builds the next tables'
indexes beside the live ones, whose names are taken: on SQLite, where an index keeps its name when its table is
renamed, the live indexes are named either `ix_<table>_…` or `ix_next_<table>_…` (each rebuild takes the pair the
live tables do not use); on PostgreSQL the switch renames them back to `ix_<table>_…`."""

from __future__ import annotations

from sqlalchemy import Connection, text

NEXT = "next_"


def neutral(name: str) -> str:
    """The index's name whatever generation built it: `ix_next_order_board_x` → `ix_order_board_x`."""
    if name.startswith(f"ix_{NEXT}"):
        return "ix_" + name[len(f"ix_{NEXT}"):]
    return name[len(NEXT):] if name.startswith(NEXT) else name


def index_names(conn: Connection, table: str) -> set[str]:
    """Every index of `table` by name, expression and partial indexes included (the inspector skips some)."""
    if conn.dialect.name == "sqlite":
        query = text("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = :t "
                     "AND name NOT LIKE 'sqlite_autoindex%'")
    else:
        query = text("SELECT indexname FROM pg_indexes WHERE schemaname = current_schema() AND tablename = :t")
    return set(conn.execute(query, {"t": table}).scalars())
