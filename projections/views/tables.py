"""The view tables. Built by a function so that a replay can make the same tables under a scratch prefix."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, Column, Index, Integer, MetaData, String, Table, Text, event

from domain.order import STATUSES
from projections.views.board_upgrade import upgrade_order_board
from projections.views.column_upgrade import upgrade_columns
from projections.views.db import UTCDateTime
from projections.views.jurisdiction import COLUMNS as ANCESTOR_COLUMNS
from projections.views.queue_order import queue_indexes

ID = 64  # uuid strings and site codes
SUM_COLUMNS = ("service_minutes", "rating_count", "rating_total", "dispatch_seconds", "dispatch_count",
               "accept_seconds", "accept_count", "complete_seconds", "complete_count")
STATUS_COLUMNS = STATUSES  # site_stats counts orders in one column per status of the domain


@dataclass(frozen=True)
class ViewTables:
    metadata: MetaData
    positions: Table
    order_board: Table
    volunteer_roster: Table
    site_tree: Table
    site_orders: Table
    site_stats: Table
    audit_log: Table
    checkpoints: Table
    verifications: Table

    def views(self) -> list[Table]:
        """The tables a rebuild drops and refills (the signed checkpoints are kept: they are evidence; and the verification jobs)."""
        return [self.positions, self.order_board, self.volunteer_roster, self.site_tree, self.site_orders,
                self.site_stats, self.audit_log]


def build_tables(prefix: str = "") -> ViewTables:
    md = MetaData()
    tables = ViewTables(md, _positions(md, prefix), _order_board(md, prefix), _volunteer_roster(md, prefix),
                        *_site_tables(md, prefix), _audit_log(md, prefix), _checkpoints(md, prefix),
                        _verifications(md, prefix))
    # Creating the tables also upgrades an order_board from before its jurisdiction or updated_at columns
    # (board_upgrade.py), and the views from before door codes (column_upgrade.py).
    event.listen(md, "after_create", lambda target, connection, **kw: _upgrade(tables, connection))
    return tables


def _upgrade(tables: ViewTables, connection: Any) -> None:
    upgrade_order_board(tables.order_board, tables.site_tree, tables.audit_log, connection)
    upgrade_columns(tables.order_board, "order_board", connection)
    upgrade_columns(tables.volunteer_roster, "volunteer_roster", connection)


def _positions(md: MetaData, p: str) -> Table:
    return Table(f"{p}projection_positions", md, Column("name", String(64), primary_key=True),
                 Column("position", BigInteger, nullable=False))


def _order_board(md: MetaData, p: str) -> Table:
    t = f"{p}order_board"
    table = Table(
        t, md,
        Column("id", String(ID), primary_key=True), Column("status", String(16), nullable=False),
        Column("category", String(ID), nullable=False), Column("site_id", String(ID), nullable=False),
        Column("responsible_site_id", String(ID), nullable=False), Column("description", Text, nullable=False),
        Column("channel", String(ID), nullable=False), Column("priority", String(16), nullable=False),
        Column("resident", JSON, nullable=False), Column("placed_at", UTCDateTime, nullable=False),
        Column("assignee_volunteer_id", String(ID)), Column("assignee_team_id", String(ID)),
        Column("accepted_by", String(ID)), Column("dispatched_at", UTCDateTime), Column("accepted_at", UTCDateTime),
        Column("started_at", UTCDateTime), Column("completed_at", UTCDateTime), Column("service_minutes", Integer),
        Column("rating", Integer), Column("comment", Text), Column("cancel_reason", Text),
        Column("escalations", JSON, nullable=False), Column("dispatch_by", UTCDateTime),
        Column("accept_by", UTCDateTime), Column("complete_by", UTCDateTime), Column("review_by", UTCDateTime),
        Column("window_start", UTCDateTime), Column("window_end", UTCDateTime),
        Column("door_codes", JSON), Column("service_basis", String(16)),  # states only, never a code (§17)
        Column("updated_at", UTCDateTime),  # the latest event's time (Open311's updated_datetime); board_upgrade.py
        Column("version", Integer, nullable=False),
        *(Column(name, String(ID)) for name in ANCESTOR_COLUMNS),
        Index(f"ix_{t}_volunteer_status", "assignee_volunteer_id", "status"),
        Index(f"ix_{t}_acceptor_status", "accepted_by", "status"),
        Index(f"ix_{t}_team_status", "assignee_team_id", "status"),
        *_newest_first_indexes(t, (), ("status",)),
        *_newest_first_indexes(t, ("site_id",), ("site_id", "status")),
        *_newest_first_indexes(t, ("category",)),  # Open311 requests by service_code (reads/open311.py)
        *(index for name in ANCESTOR_COLUMNS for index in _newest_first_indexes(t, (name,), (name, "status"))),
    )
    # Orders escalated away from their own site (a few in ten) by the site responsible now: the second half of
    # "at or escalated to a site" (queries.py), a partial index so that it holds only those orders.
    escalated = table.c.responsible_site_id != table.c.site_id
    for suffix, prefix in (("", ()), ("_status", ("status",))):
        Index(f"ix_{t}_escalated{suffix}_newest", table.c.responsible_site_id, *(table.c[c] for c in prefix),
              table.c.placed_at, table.c.id, sqlite_where=escalated, postgresql_where=escalated)
    queue_indexes(table, (*ANCESTOR_COLUMNS, "site_id"))  # the dispatcher's queue (queue_order.py)
    return table


def _newest_first_indexes(table: str, *prefixes: tuple[str, ...]) -> list[Index]:
    """A list filtered by equalities on `prefix`, newest first after a keyset cursor, is one range of such an
    index read backwards (placed_at, then id: the list's order; no sort step)."""
    return [Index(f"ix_{table}_{'_'.join(prefix) or 'all'}_newest", *prefix, "placed_at", "id")
            for prefix in prefixes]


def _volunteer_roster(md: MetaData, p: str) -> Table:
    t = f"{p}volunteer_roster"
    return Table(
        t, md,
        Column("id", String(ID), primary_key=True), Column("name", Text, nullable=False),
        Column("home_site_id", String(ID), nullable=False), Column("skills", JSON, nullable=False),
        Column("team_ids", JSON, nullable=False), Column("available", Boolean, nullable=False),
        Column("suspended", Boolean, nullable=False), Column("active_order_ids", JSON, nullable=False),
        Column("active_orders", Integer, nullable=False), Column("completed_orders", Integer, nullable=False),
        Column("service_minutes", Integer, nullable=False), Column("confirmed_minutes", Integer, nullable=False),
        Column("declared_minutes", Integer, nullable=False), Column("rating_count", Integer, nullable=False),
        Column("rating_total", Integer, nullable=False), Column("version", Integer, nullable=False),
        Index(f"ix_{t}_site_available", "home_site_id", "available", "id"),
        Index(f"ix_{t}_active", "active_orders", "id"),
    )


def _site_tables(md: MetaData, p: str) -> tuple[Table, Table, Table]:
    tree = Table(f"{p}site_tree", md, Column("id", String(ID), primary_key=True),
                 Column("parent_id", String(ID)), Column("level", String(16), nullable=False))
    orders = Table(f"{p}site_orders", md, Column("id", String(ID), primary_key=True),
                   Column("site_id", String(ID), nullable=False), Column("status", String(16), nullable=False),
                   Column("placed_at", UTCDateTime, nullable=False), Column("dispatched_at", UTCDateTime),
                   Column("accepted_at", UTCDateTime), Column("was_dispatched", Boolean, nullable=False))
    numbers = [Column(name, BigInteger, nullable=False) for name in (*STATUS_COLUMNS, *SUM_COLUMNS)]
    stats = Table(f"{p}site_stats", md, Column("site_id", String(ID), primary_key=True),
                  Column("level", String(16), nullable=False), *numbers)
    return tree, orders, stats


def _audit_log(md: MetaData, p: str) -> Table:
    t = f"{p}audit_log"
    return Table(
        t, md,
        Column("position", BigInteger, primary_key=True, autoincrement=False),
        Column("seq", BigInteger, nullable=False), Column("aggregate_id", String(ID), nullable=False),
        Column("aggregate_type", String(64), nullable=False), Column("version", Integer, nullable=False),
        Column("type", String(64), nullable=False), Column("topic", Text, nullable=False),
        Column("timestamp", UTCDateTime, nullable=False), Column("actor", Text),
        Column("data", JSON, nullable=False), Column("state_sha256", String(64), nullable=False),
        Column("content_sha256", String(64), nullable=False),
        Column("hash", String(64), nullable=False), Column("prev_hash", String(64), nullable=False),
        Index(f"ix_{t}_aggregate", "aggregate_id", "version"),
        Index(f"ix_{t}_type", "type", "position"),
    )


def _checkpoints(md: MetaData, p: str) -> Table:
    """Format v2's signed checkpoints: each names the one before it (`previous`), so a deleted one is seen."""
    return Table(f"{p}audit_checkpoints", md,
                 Column("position", BigInteger, primary_key=True, autoincrement=False),
                 Column("head", String(64), nullable=False), Column("count", BigInteger, nullable=False),
                 Column("at", UTCDateTime, nullable=False), Column("previous", BigInteger),
                 Column("every", Integer, nullable=False), Column("signature", String(128), nullable=False))


def _verifications(md: MetaData, p: str) -> Table:
    """Full verifications run as jobs: requested by POST, run in the background, read by GET."""
    return Table(f"{p}audit_verifications", md, Column("id", String(ID), primary_key=True),
                 Column("state", String(16), nullable=False), Column("requested_by", Text),
                 Column("requested_at", UTCDateTime, nullable=False), Column("updated_at", UTCDateTime, nullable=False),
                 Column("progress", BigInteger, nullable=False), Column("result", JSON))
