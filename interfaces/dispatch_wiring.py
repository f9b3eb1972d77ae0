"""Wiring auto-dispatch and supervision to the read side: the application's ports → the view adapters."""

from __future__ import annotations

from application.supervision import SupervisionCommands
from projections import ReadModel
from projections.reads.candidates import RosterCandidates
from projections.reads.deadlines import BoardDueOrders


def wire_dispatch(app: SupervisionCommands, model: ReadModel) -> None:
    """Let `app` auto-dispatch from volunteer_roster and find due orders on order_board."""
    app.use_candidates(RosterCandidates(model.engine, model.tables))
    app.use_due_orders(BoardDueOrders(model.engine, model.tables))
