"""Columns added to a view after it was first made (door codes, DESIGN §17), added in place when the tables are
created (under the same lock, in the same transaction as board_upgrade.py) and filled with what the log already
says, so no refold is needed: every service credited before door codes existed was declared."""

from __future__ import annotations

from sqlalchemy import Connection, Table, inspect, literal, text, update

# table (without its prefix) → column → the SQL default its existing rows get (None: NULL)
ADDED = {"order_board": {"door_codes": None, "service_basis": None},
         "volunteer_roster": {"confirmed_minutes": "0", "declared_minutes": "0"}}


def upgrade_columns(table: Table, base_name: str, conn: Connection) -> None:
    """Add the columns of ADDED that `table` lacks, then fill them from the columns it had."""
    found = inspect(conn)
    if not found.has_table(table.name):
        return
    present = {column["name"] for column in found.get_columns(table.name)}
    missing = [name for name in ADDED.get(base_name, {}) if name not in present]
    for name in missing:
        column_type = table.c[name].type.compile(conn.dialect)
        default = ADDED[base_name][name]
        suffix = "" if default is None else f" NOT NULL DEFAULT {default}"
        conn.execute(text(f"ALTER TABLE {table.name} ADD COLUMN {name} {column_type}{suffix}"))
    if "service_basis" in missing:
        conn.execute(update(table).where(table.c.completed_at.is_not(None)).values(service_basis=literal("declared")))
    if "declared_minutes" in missing:
        conn.execute(update(table).values(declared_minutes=table.c.service_minutes))
