"""order_board: one row per order, folded from the Order events. The status after each event is the domain's
(status_after), not written again here; presenting.order_row shows a row as the order of DESIGN §8."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, Table

from domain import door_codes as codes
from domain.door_codes import COMPLETE, CONFIRMED, START
from domain.order import Order, status_after
from domain.site import Site
from projections.views.jurisdiction import ancestor_columns, chain, read_parents
from projections.views.rows import Fold, Row, fold_rows
from projections.views.runner import Item


def _id(value: Any) -> str | None:
    return None if value is None else str(value)


def _changed(row: Row | None, event: Any, **changes: Any) -> Row:
    """Every event after Placed goes through here: its time is the order's latest change (`updated_at`)."""
    assert row is not None, f"{type(event).__name__} before the order was placed"
    status = status_after(type(event), row["status"])  # the domain's table, not a copy of it
    return {**row, "status": status, **changes, "updated_at": event.timestamp, "version": event.originator_version}


def _placed(row: Row | None, e: Any) -> Row:
    return {
        "id": str(e.originator_id), "status": status_after(type(e)), "category": e.category, "site_id": e.site_id,
        "responsible_site_id": e.site_id, "description": e.description, "channel": e.channel,
        "priority": e.priority, "resident": dict(e.resident), "placed_at": e.timestamp,
        "assignee_volunteer_id": None, "assignee_team_id": None, "accepted_by": None, "dispatched_at": None,
        "accepted_at": None, "started_at": None, "completed_at": None, "service_minutes": None, "rating": None,
        "comment": None, "cancel_reason": None, "escalations": [], "dispatch_by": e.dispatch_by,
        "accept_by": None, "complete_by": e.complete_by, "review_by": None, "window_start": e.window_start,
        "window_end": e.window_end, "door_codes": None, "service_basis": None, "updated_at": e.timestamp,
        "version": e.originator_version,
    }


def _accepted(row: Row | None, e: Any) -> Row:
    issued = None if e.start_code_digest is None else codes.without_digests(
        codes.issued(e.originator_version, e.codes_expire_at.isoformat(), {}))
    return _changed(row, e, accepted_by=str(e.volunteer_id), accepted_at=e.timestamp, door_codes=issued)


def _code_used(row: Row | None, e: Any, kind: str) -> dict[str, Any] | None:
    """The row's door codes after a start or a completion (`kind`), used if it was confirmed."""
    held = row["door_codes"]  # type: ignore[index]
    return codes.used(held, kind) if e.basis == CONFIRMED and held is not None else held


def _refused(row: Row | None, e: Any) -> Row:
    return _changed(row, e, door_codes=codes.refused(row["door_codes"], e.kind))  # type: ignore[index]


def _started(row: Row | None, e: Any) -> Row:
    return _changed(row, e, started_at=e.timestamp, door_codes=_code_used(row, e, START))


def _completed(row: Row | None, e: Any) -> Row:
    return _changed(row, e, completed_at=e.timestamp, service_minutes=e.service_minutes, review_by=e.review_by,
                    service_basis=e.basis, door_codes=_code_used(row, e, COMPLETE))


def _dispatched(row: Row | None, e: Any) -> Row:
    return _changed(row, e, assignee_volunteer_id=_id(e.volunteer_id), assignee_team_id=_id(e.team_id),
                    accept_by=e.accept_by, dispatched_at=e.timestamp)


def _undispatched(row: Row | None, e: Any) -> Row:
    return _changed(row, e, assignee_volunteer_id=None, assignee_team_id=None, accept_by=None, dispatched_at=None)


def _escalated(row: Row | None, e: Any) -> Row:
    step = {"from_site": e.from_site, "to_site": e.to_site, "at": e.timestamp.isoformat()}
    return _changed(row, e, responsible_site_id=e.to_site, escalations=[*row["escalations"], step])  # type: ignore


ORDER_FOLDS: dict[type, Fold] = {
    Order.Placed: _placed,
    Order.Dispatched: _dispatched,
    Order.Undispatched: _undispatched,
    Order.Accepted: _accepted,
    Order.DoorCodeRefused: _refused,
    Order.ServiceStarted: _started,
    Order.ServiceCompleted: _completed,
    Order.ServiceConfirmed: lambda r, e: _changed(r, e, service_basis=CONFIRMED),
    Order.Reviewed: lambda r, e: _changed(r, e, rating=e.rating, comment=e.comment),
    Order.ReviewWindowClosed: _changed,
    Order.Cancelled: lambda r, e: _changed(r, e, cancel_reason=e.reason),
    Order.Escalated: _escalated,
}


class OrderBoard:
    """The folds above, and each new row's chain of sites (jurisdiction.py) from the site tree: the
    site_tree view, or the Site events of the page itself (sites are registered before their orders)."""

    name = "order_board"

    def __init__(self, table: Table, site_tree: Table):
        self.table, self.site_tree = table, site_tree
        self.parents: dict[str, str | None] = {}  # sites never move: what is known once stays true

    def apply(self, conn: Connection, items: Sequence[Item]) -> None:
        self.parents.update((i.event.code, i.event.parent_code) for i in items
                            if isinstance(i.event, Site.Registered))
        placed_at = {i.event.site_id for i in items if isinstance(i.event, Order.Placed)}
        if not all(self._known(site) for site in placed_at):
            self.parents = {**read_parents(conn, self.site_tree), **self.parents}
        unknown = sorted(site for site in placed_at if not self._known(site))
        if unknown:  # site_stats (a worker of its own?) has not folded them yet: retry later, never fold wrong
            raise LookupError(f"sites not yet in the site tree: {', '.join(unknown)}")

        def placed(row: Row | None, e: Any) -> Row:
            return {**_placed(row, e), **ancestor_columns(self.parents, e.site_id)}

        fold_rows(conn, self.table, items, {**ORDER_FOLDS, Order.Placed: placed})

    def _known(self, site: str) -> bool:
        """Whether the whole chain from the site up to a root is known."""
        root = chain(self.parents, site)[0]
        return root in self.parents and self.parents[root] is None

